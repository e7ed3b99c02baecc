package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a judge's verdict may be, how the prompt asks for it and how a reply is read. */
public sealed interface JudgeValueType {

    /** The instruction for the {@code result} field. */
    String ask();

    /** The verdict in a reply's {@code result}, or empty when the reply does not fit. */
    Optional<FeedbackValue> read(JsonNode result);

    /** "yes" or "no". */
    record YesNo() implements JudgeValueType {
        @Override
        public String ask() {
            return "\"yes\" or \"no\"";
        }

        @Override
        public Optional<FeedbackValue> read(JsonNode result) {
            if (result.isBoolean()) {
                return Optional.of(FeedbackValue.of(result.asBoolean()));
            }
            String text = result.asText("").trim().toLowerCase(Locale.ROOT);
            return switch (text) {
                case "yes", "true", "pass" -> Optional.of(FeedbackValue.of("yes"));
                case "no", "false", "fail" -> Optional.of(FeedbackValue.of("no"));
                default -> Optional.empty();
            };
        }
    }

    /** A number between {@code min} and {@code max}. */
    record Scale(double min, double max) implements JudgeValueType {
        @Override
        public String ask() {
            return "a number from " + fmt(min) + " to " + fmt(max);
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }

        @Override
        public Optional<FeedbackValue> read(JsonNode result) {
            double value;
            if (result.isNumber()) {
                value = result.asDouble();
            } else {
                try {
                    value = Double.parseDouble(result.asText("").trim());
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
            return value >= min && value <= max ? Optional.of(FeedbackValue.of(value)) : Optional.empty();
        }
    }

    /** One label of a fixed list. */
    record Categories(List<String> labels) implements JudgeValueType {
        public Categories {
            labels = List.copyOf(labels);
        }

        @Override
        public String ask() {
            return "exactly one of " + String.join(", ", labels.stream().map(l -> "\"" + l + "\"").toList());
        }

        @Override
        public Optional<FeedbackValue> read(JsonNode result) {
            String text = result.asText("").trim();
            return labels.stream().filter(l -> l.equalsIgnoreCase(text)).findFirst().map(FeedbackValue::of);
        }
    }

    static JudgeValueType yesNo() {
        return new YesNo();
    }
}
