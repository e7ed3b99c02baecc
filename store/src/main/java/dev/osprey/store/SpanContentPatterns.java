package dev.osprey.store;

import dev.osprey.search.Comparator;
import dev.osprey.search.Condition;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Span attribute and full-text clauses as LIKE patterns over the stored span JSON ({@link dev.osprey.core.SpanRecord}
 * fixes its form), the same for every backend. An attribute {@code k = 'v'} matches the item
 * {@code {"key":"k","value":{"string_value":"v"}}}, the same item with the JSON-encoded value MLflow's SDKs write
 * ({@code "\"v\""}), and the int, double and bool forms when the value reads as one. Every pattern uses {@code !} as
 * its escape character so that backslashes from JSON escaping are literal on every backend (PostgreSQL and MariaDB
 * treat a backslash as LIKE's escape by default, SQLite does not).
 */
public final class SpanContentPatterns {
    /** The LIKE escape character of every pattern here. */
    public static final char ESCAPE = '!';

    private SpanContentPatterns() {}

    /**
     * A test of one span's content: it must match {@code required} (when set), and then any of {@code anyOf}, or
     * none of them when {@code negated}.
     */
    public record LikeTest(Optional<String> required, List<String> anyOf, boolean negated, boolean ignoreCase) {
        public LikeTest {
            java.util.Objects.requireNonNull(required, "required");
            anyOf = List.copyOf(anyOf);
        }
    }

    /** {@code span.attributes.<key> <op> 'value'}. */
    public static LikeTest attribute(String key, Condition c) {
        String item = "%{\"key\":\"" + literal(json(key)) + "\",\"value\":{";
        return switch (c.comparator()) {
            case EQ -> new LikeTest(Optional.empty(), anyOf(item, literal(json(c.text())), valueForms(c.text())),
                    false, false);
            case NE -> new LikeTest(Optional.of(item + "%"), anyOf(item, literal(json(c.text())),
                    valueForms(c.text())), true, false);
            case LIKE -> new LikeTest(Optional.empty(), anyOf(item, pattern(c.text()), List.of()), false, false);
            case ILIKE -> new LikeTest(Optional.empty(), anyOf(item, pattern(c.text()), List.of()), false, true);
            default -> throw new IllegalArgumentException("Not a span attribute comparator: " + c.comparator());
        };
    }

    /** {@code trace.text} / {@code span.content}: the pattern anywhere in the span's JSON. */
    public static LikeTest text(Condition c) {
        return new LikeTest(Optional.empty(), List.of(pattern(c.text())), false,
                c.comparator() == Comparator.ILIKE);
    }

    /** The item with a string value (raw or JSON-encoded) matching {@code value}, or one of the typed forms. */
    private static List<String> anyOf(String item, String value, List<String> typed) {
        List<String> patterns = new ArrayList<>();
        patterns.add(item + "\"string_value\":\"" + value + "\"}}%");
        patterns.add(item + "\"string_value\":\"\\\"" + reescape(value) + "\\\"\"}}%");
        for (String form : typed) {
            patterns.add(item + form + "}}%");
        }
        return patterns;
    }

    /** Typed OTLP values the literal could be: {@code "int_value":5}, {@code "double_value":0.5}, bools. */
    private static List<String> valueForms(String text) {
        List<String> forms = new ArrayList<>();
        if (text.equals("true") || text.equals("false")) {
            forms.add("\"bool_value\":" + text);
        }
        try {
            BigDecimal n = new BigDecimal(text);
            if (n.scale() <= 0) {
                forms.add("\"int_value\":" + n.toBigIntegerExact());
            } else {
                forms.add("\"double_value\":" + text);
            }
        } catch (NumberFormatException | ArithmeticException notANumber) {
            // a plain string
        }
        return forms;
    }

    /**
     * A JSON-encoded string inside a JSON string is escaped twice: each backslash of the once-escaped text doubles
     * again, each quote gains a backslash. Applied to an already LIKE-escaped pattern, which only adds {@code !}.
     */
    private static String reescape(String onceEscaped) {
        return onceEscaped.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * A user's LIKE pattern: its {@code %} and {@code _} stay wildcards, the rest is JSON-escaped literal text. JSON
     * escaping adds no wildcard, so only the escape character itself needs doubling.
     */
    private static String pattern(String userPattern) {
        return json(userPattern).replace(String.valueOf(ESCAPE), String.valueOf(ESCAPE) + ESCAPE);
    }

    /** Escapes LIKE's wildcards and the escape character itself. */
    private static String literal(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '%' || ch == '_' || ch == ESCAPE) {
                out.append(ESCAPE);
            }
            out.append(ch);
        }
        return out.toString();
    }

    /** Minimal JSON string escaping, as the stored content is written (without the surrounding quotes). */
    public static String json(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (ch < 0x20) {
                        out.append(String.format("\\u%04X", (int) ch));
                    } else {
                        out.append(ch);
                    }
                }
            }
        }
        return out.toString();
    }
}
