package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One dataset row as prompt optimizers see it after the program ran: inputs, the output, expectations, each
 * scorer's score and rationale, and the row's {@code score} (the mean of the scorers that gave one; absent when none
 * did). The reflection model reads these rows; GEPA compares their scores.
 */
public final class OptimizationRows {
    private OptimizationRows() {}

    /** Judges {@code item} (its outputs are the program's) with every scorer. */
    public static ObjectNode judged(EvalItem item, List<Scorer> scorers) {
        ObjectNode row = Json.object();
        row.set("inputs", item.inputs());
        row.put("outputs", item.outputs().isTextual() ? item.outputs().asText() : Json.writeString(item.outputs()));
        row.set("expectations", item.expectations());
        ObjectNode feedback = row.putObject("feedback");
        List<Double> scores = new ArrayList<>();
        for (Scorer s : scorers) {
            Feedback f = s.safely(item);
            Optional<Double> score = f.value().flatMap(OptimizationRows::score);
            score.ifPresent(scores::add);
            ObjectNode one = feedback.putObject(s.name());
            score.ifPresent(v -> one.put("score", v));
            f.rationale().or(f::error).ifPresent(t -> one.put("rationale", t));
        }
        if (!scores.isEmpty()) {
            row.put("score", scores.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        }
        return row;
    }

    /** A verdict as a number: pass 1, fail 0, numbers as they are; other labels do not count. */
    public static Optional<Double> score(FeedbackValue v) {
        return switch (v) {
            case FeedbackValue.Bool b -> Optional.of(b.value() ? 1.0 : 0.0);
            case FeedbackValue.Number n -> Optional.of(n.value());
            case FeedbackValue.Text t -> switch (t.value().strip().toLowerCase(Locale.ROOT)) {
                case "yes", "pass", "true" -> Optional.of(1.0);
                case "no", "fail", "false" -> Optional.of(0.0);
                default -> Optional.empty();
            };
        };
    }
}
