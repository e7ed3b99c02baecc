package dev.osprey.core;

import java.util.Objects;

/** A key/value pair: experiment tags, run tags, params and dataset input tags all have this shape. */
public record Tag(String key, String value) {
    public Tag {
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
    }
}
