package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One scorer's verdict on one item. A scorer that could not judge reports an {@code error} (and no value) instead of
 * failing the evaluation.
 *
 * @param source who judged: {@code CODE} for deterministic scorers, {@code LLM_JUDGE} for judges
 */
public record Feedback(String name, Optional<FeedbackValue> value, Optional<String> rationale, String source,
        Optional<String> error) {
    public static final String CODE = "CODE";
    public static final String LLM_JUDGE = "LLM_JUDGE";

    public Feedback {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(rationale, "rationale");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(error, "error");
        if (value.isPresent() == error.isPresent()) {
            throw new IllegalArgumentException("A feedback has either a value or an error.");
        }
    }

    public static Feedback of(String name, FeedbackValue value, String rationale, String source) {
        return new Feedback(name, Optional.of(value), Optional.of(rationale).filter(r -> !r.isEmpty()), source,
                Optional.empty());
    }

    public static Feedback error(String name, String source, String error) {
        return new Feedback(name, Optional.empty(), Optional.empty(), source, Optional.of(error));
    }

    /**
     * The feedback as the body of an MLflow feedback assessment: name, source, value or error, rationale and
     * {@code metadata}. The server stores it as is; the SDK posts it.
     */
    public ObjectNode assessmentJson(String sourceId,
            Map<String, String> metadata) {
        ObjectNode body = Json.object()
                .put("assessment_name", name);
        body.putObject("source").put("source_type", source).put("source_id", sourceId);
        ObjectNode feedback = body.putObject("feedback");
        value.ifPresent(v -> {
            switch (v) {
                case FeedbackValue.Bool b -> feedback.put("value", b.value());
                case FeedbackValue.Number n -> feedback.put("value", n.value());
                case FeedbackValue.Text t -> feedback.put("value", t.value());
            }
        });
        error.ifPresent(e -> feedback.putObject("error").put("error_code", "SCORER_ERROR").put("error_message", e));
        rationale.ifPresent(r -> body.put("rationale", r));
        if (!metadata.isEmpty()) {
            ObjectNode m = body.putObject("metadata");
            metadata.forEach(m::put);
        }
        return body;
    }

    /** Whether the value counts as a pass: true, a positive number, or the label "yes"/"pass". */
    public boolean passed() {
        return value.map(v -> switch (v) {
            case FeedbackValue.Bool b -> b.value();
            case FeedbackValue.Number n -> n.value() > 0;
            case FeedbackValue.Text t -> t.value().equalsIgnoreCase("yes") || t.value().equalsIgnoreCase("pass");
        }).orElse(false);
    }
}
