package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;

/**
 * Judges written in MLflow's serialized scorer form (its {@code SerializedScorer} dataclass: every kind's fields
 * present, all but one kind's null), so a judge Osprey made loads in Python MLflow and in {@link ScorerSpecs}.
 */
public final class SerializedScorers {
    private static final String[] KIND_FIELDS = {"builtin_scorer_class", "builtin_scorer_pydantic_data", "call_source",
        "call_signature", "original_func_name", "instructions_judge_pydantic_data", "memory_augmented_judge_data",
        "third_party_scorer_data"};

    private SerializedScorers() {}

    /** The fields every serialized scorer has, no kind filled in yet. */
    static ObjectNode envelope(String name, String mlflowVersion) {
        ObjectNode out = Json.object().put("name", name);
        out.putNull("aggregations");
        out.putNull("description");
        out.put("is_session_level_scorer", false).put("mlflow_version", mlflowVersion).put("serialization_version", 1);
        for (String field : KIND_FIELDS) {
            out.putNull(field);
        }
        return out;
    }

    /** A {@code make_judge} judge: its instructions, model URI and value type as JSON schema (as MLflow 3.11 writes). */
    public static ObjectNode instructionsJudge(LlmJudge judge, String mlflowVersion) {
        ObjectNode out = envelope(judge.name(), mlflowVersion);
        out.put("is_session_level_scorer", judge.sessionLevel());
        ObjectNode data = out.putObject("instructions_judge_pydantic_data")
                .put("instructions", judge.instructions()).put("model", judge.model().name());
        data.set("feedback_value_type", valueTypeSchema(judge.type()));
        return out;
    }

    private static ObjectNode valueTypeSchema(JudgeValueType type) {
        return switch (type) {
            case JudgeValueType.YesNo y -> {
                ObjectNode schema = Json.object();
                schema.putArray("enum").add("yes").add("no");
                yield schema.put("type", "string");
            }
            case JudgeValueType.Scale s -> Json.object().put("type", "number");
            case JudgeValueType.Categories c -> {
                ObjectNode schema = Json.object();
                c.labels().forEach(schema.putArray("enum")::add);
                yield schema.put("type", "string");
            }
        };
    }
}
