package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.FeedbackValue;
import dev.osprey.protocol.Json;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** A scorer's {@link Feedback} as an MLflow feedback assessment on a trace. */
final class FeedbackAssessments {
    /** MLflow's metadata key linking an assessment to the evaluation run that made it. */
    static final String SOURCE_RUN_ID = "mlflow.assessment.sourceRunId";
    /** Marks assessments the online scorer wrote, with the scorer id: how re-scans know a trace is done. */
    static final String ONLINE_SCORER_ID = "osprey.onlineScoring.scorerId";

    private FeedbackAssessments() {}

    static Assessment of(String traceId, Feedback f, String sourceId, Map<String, String> metadata, long now) {
        ObjectNode body = Json.object().put("assessment_name", f.name());
        body.putObject("source").put("source_type", f.source()).put("source_id", sourceId);
        ObjectNode feedback = body.putObject("feedback");
        f.value().ifPresent(v -> {
            switch (v) {
                case FeedbackValue.Bool b -> feedback.put("value", b.value());
                case FeedbackValue.Number n -> feedback.put("value", n.value());
                case FeedbackValue.Text t -> feedback.put("value", t.value());
            }
        });
        f.error().ifPresent(e -> feedback.putObject("error").put("error_code", "SCORER_ERROR")
                .put("error_message", e));
        f.rationale().ifPresent(r -> body.put("rationale", r));
        if (!metadata.isEmpty()) {
            ObjectNode m = body.putObject("metadata");
            metadata.forEach(m::put);
        }
        return new Assessment("a-" + UUID.randomUUID().toString().replace("-", ""), traceId, Optional.empty(), true,
                now, now, Json.writeString(body));
    }
}
