package dev.osprey.search;

import java.util.Objects;

/**
 * A validated clause: the field it targets, its canonical key (attribute aliases resolved), the comparator and the
 * value, whose type the entity's rules have checked.
 */
public record Condition(Field field, String key, Comparator comparator, Value value) {
    public Condition {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(comparator, "comparator");
        Objects.requireNonNull(value, "value");
    }

    public String text() {
        return ((Value.Text) value).text();
    }

    public java.math.BigDecimal number() {
        return ((Value.Number) value).number();
    }

    public java.util.List<String> list() {
        return ((Value.TextList) value).items();
    }
}
