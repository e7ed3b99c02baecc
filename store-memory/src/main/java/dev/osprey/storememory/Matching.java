package dev.osprey.storememory;

import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The filter grammar's comparators evaluated on plain values, with SQL's meaning: {@code LIKE} is case-sensitive
 * with {@code %} and {@code _} wildcards, {@code ILIKE} ignores case, and a missing value matches no clause.
 */
final class Matching {
    private static final ConcurrentHashMap<String, Pattern> LIKE_PATTERNS = new ConcurrentHashMap<>();

    private Matching() {}

    /** A string clause against a value that may be absent (absent never matches, as an inner join in SQL). */
    static boolean text(Optional<String> value, Condition c) {
        return value.isPresent() && text(value.get(), c);
    }

    static boolean text(String value, Condition c) {
        return switch (c.comparator()) {
            case EQ -> value.equals(c.text());
            case NE -> !value.equals(c.text());
            case LIKE -> like(c.text(), false).matcher(value).matches();
            case ILIKE -> like(c.text(), true).matcher(value).matches();
            case IN -> c.list().contains(value);
            case NOT_IN -> !c.list().contains(value);
            case GT, GE, LT, LE -> compare(value.compareTo(c.text()), c.comparator());
        };
    }

    /** A numeric clause against a double value. */
    static boolean number(double value, Condition c) {
        return compare(Double.compare(value, c.number().doubleValue()), c.comparator());
    }

    /** A numeric clause against an integer value, exact for integral literals. */
    static boolean integer(long value, Condition c) {
        return compare(BigDecimal.valueOf(value).compareTo(c.number()), c.comparator());
    }

    static boolean compare(int order, Comparator op) {
        return switch (op) {
            case EQ -> order == 0;
            case NE -> order != 0;
            case GT -> order > 0;
            case GE -> order >= 0;
            case LT -> order < 0;
            case LE -> order <= 0;
            default -> throw new IllegalArgumentException("Not a numeric comparator: " + op);
        };
    }

    static Pattern like(String pattern, boolean ignoreCase) {
        return like(pattern, ignoreCase, Optional.empty());
    }

    /** SQL's LIKE as a regex; with an escape character, the character after it is literal. */
    static Pattern like(String pattern, boolean ignoreCase, Optional<Character> escape) {
        String cacheKey = (ignoreCase ? "i" : "s") + escape.map(String::valueOf).orElse("") + ":" + pattern;
        return LIKE_PATTERNS.computeIfAbsent(cacheKey, k -> {
            StringBuilder regex = new StringBuilder();
            StringBuilder literal = new StringBuilder();
            for (int i = 0; i < pattern.length(); i++) {
                char ch = pattern.charAt(i);
                if (escape.isPresent() && ch == escape.get() && i + 1 < pattern.length()) {
                    literal.append(pattern.charAt(++i));
                } else if (ch == '%' || ch == '_') {
                    if (!literal.isEmpty()) {
                        regex.append(Pattern.quote(literal.toString()));
                        literal.setLength(0);
                    }
                    regex.append(ch == '%' ? ".*" : ".");
                } else {
                    literal.append(ch);
                }
            }
            if (!literal.isEmpty()) {
                regex.append(Pattern.quote(literal.toString()));
            }
            int flags = Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
            return Pattern.compile(regex.toString(), flags);
        });
    }

    /** A span content test from {@link dev.osprey.store.SpanContentPatterns} on one span's JSON. */
    static boolean content(String content, dev.osprey.store.SpanContentPatterns.LikeTest test) {
        Optional<Character> escape = Optional.of(dev.osprey.store.SpanContentPatterns.ESCAPE);
        if (test.required().isPresent() && !like(test.required().get(), false, escape).matcher(content).matches()) {
            return false;
        }
        boolean any = test.anyOf().stream().anyMatch(p -> like(p, test.ignoreCase(), escape).matcher(content)
                .matches());
        return test.negated() != any;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
