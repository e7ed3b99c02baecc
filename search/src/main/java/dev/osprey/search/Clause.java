package dev.osprey.search;

import java.util.Objects;

/**
 * One {@code identifier comparator value} clause as parsed, before an entity's rules give it meaning.
 * {@code prefix} is empty when the identifier had no dot.
 */
public record Clause(String prefix, String key, Comparator comparator, Value value) {
    public Clause {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(comparator, "comparator");
        Objects.requireNonNull(value, "value");
    }
}
