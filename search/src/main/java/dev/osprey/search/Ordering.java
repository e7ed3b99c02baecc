package dev.osprey.search;

import java.util.Objects;

/** A validated order_by term. */
public record Ordering(Field field, String key, boolean ascending) {
    public Ordering {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(key, "key");
    }
}
