package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.Assessment;
import dev.osprey.eval.Feedback;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
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
        return new Assessment("a-" + UUID.randomUUID().toString().replace("-", ""), traceId, Optional.empty(), true,
                now, now, Json.writeString(f.assessmentJson(sourceId, metadata)));
    }

    /** The bodies of the assessments whose metadata holds {@code key = value}: one run's or one scorer's. */
    static List<JsonNode> tagged(List<Assessment> assessments, String key, String value) {
        return taggedAssessments(assessments, key, value).stream().map(a -> DatasetRecords.parse(a.body())).toList();
    }

    /** {@link #tagged} as the stored assessments, for a caller that needs their ids. */
    static List<Assessment> taggedAssessments(List<Assessment> assessments, String key, String value) {
        List<Assessment> out = new ArrayList<>();
        for (Assessment a : assessments) {
            if (value.equals(DatasetRecords.parse(a.body()).path("metadata").path(key).asText())) {
                out.add(a);
            }
        }
        return out;
    }
}
