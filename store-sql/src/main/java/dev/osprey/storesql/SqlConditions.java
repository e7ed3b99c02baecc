package dev.osprey.storesql;

import dev.osprey.search.Comparator;
import java.math.BigDecimal;
import org.jooq.Condition;
import org.jooq.Field;

/** Comparators of the filter grammar as jOOQ conditions; jOOQ renders each backend's spelling. */
final class SqlConditions {
    private SqlConditions() {}

    static Condition text(Field<String> field, dev.osprey.search.Condition c) {
        return switch (c.comparator()) {
            case EQ -> field.eq(c.text());
            case NE -> field.ne(c.text());
            case LIKE -> field.like(c.text());
            case ILIKE -> field.likeIgnoreCase(c.text());
            case IN -> field.in(c.list());
            case NOT_IN -> field.notIn(c.list());
            default -> throw new IllegalArgumentException("Not a string comparator: " + c.comparator());
        };
    }

    static Condition number(Field<Double> field, dev.osprey.search.Condition c) {
        return compare(field, c.comparator(), c.number().doubleValue());
    }

    /** Integer columns compare with integer literals where the literal is integral, so no precision is lost. */
    static Condition integer(Field<Long> field, dev.osprey.search.Condition c) {
        BigDecimal n = c.number();
        if (n.stripTrailingZeros().scale() <= 0) {
            try {
                return compare(field, c.comparator(), n.longValueExact());
            } catch (ArithmeticException ignored) {
                // beyond long: falls through to a double comparison
            }
        }
        return compare(field.cast(Double.class), c.comparator(), n.doubleValue());
    }

    private static <T> Condition compare(Field<T> field, Comparator op, T value) {
        return switch (op) {
            case EQ -> field.eq(value);
            case NE -> field.ne(value);
            case GT -> field.gt(value);
            case GE -> field.ge(value);
            case LT -> field.lt(value);
            case LE -> field.le(value);
            default -> throw new IllegalArgumentException("Not a numeric comparator: " + op);
        };
    }
}
