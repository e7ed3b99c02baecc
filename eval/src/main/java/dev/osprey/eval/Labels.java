package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;

/**
 * Verdicts as comparable labels. MLflow compares a judge with a person by the lower-cased text of each value; here
 * the yes/no family is also folded together ({@code true}, {@code pass} and {@code yes} are one label), since people
 * label with booleans in the UI and judges answer "yes"/"no" — a difference of spelling, not of opinion.
 */
public final class Labels {
    private Labels() {}

    public static String of(FeedbackValue value) {
        return switch (value) {
            case FeedbackValue.Bool b -> b.value() ? "yes" : "no";
            case FeedbackValue.Number n -> number(n.value());
            case FeedbackValue.Text t -> text(t.value());
        };
    }

    /** The label of a stored feedback value; empty for a missing or structured one. */
    public static Optional<String> of(JsonNode value) {
        if (value.isBoolean()) {
            return Optional.of(value.asBoolean() ? "yes" : "no");
        }
        if (value.isNumber()) {
            return Optional.of(number(value.asDouble()));
        }
        if (value.isTextual()) {
            return Optional.of(text(value.asText()));
        }
        return Optional.empty();
    }

    /** The verdict of a feedback, or {@code "error"} when its scorer could not judge (a disagreement either way). */
    public static String of(Feedback feedback) {
        return feedback.value().map(Labels::of).orElse("error");
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String text(String value) {
        String t = value.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "true", "pass", "yes" -> "yes";
            case "false", "fail", "no" -> "no";
            default -> t;
        };
    }
}
