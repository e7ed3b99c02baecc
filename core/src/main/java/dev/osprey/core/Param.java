package dev.osprey.core;

import java.util.Objects;

/** A run parameter. Immutable once logged: the same key may only be logged again with the same value. */
public record Param(String key, String value) {
    public Param {
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
    }
}
