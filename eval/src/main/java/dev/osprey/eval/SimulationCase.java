package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One conversation to simulate (MLflow's simulator test case): what the simulated user wants, who they are, extra
 * arguments for the agent, the session's ground truth and how the user should behave.
 *
 * @param context extra arguments handed to the agent on every turn; MLflow's reserved keys are refused
 * @param expectations session-level ground truth for the session judges
 */
public record SimulationCase(String goal, Optional<String> persona, ObjectNode context, ObjectNode expectations,
        List<String> guidelines) {
    /** The keys the simulator itself passes to the agent (history and session id), as MLflow reserves them. */
    public static final Set<String> RESERVED_CONTEXT_KEYS = Set.of("input", "messages", "mlflow_session_id");
    public static final String DEFAULT_PERSONA = "An inquisitive person having a natural conversation.";

    public SimulationCase {
        if (goal == null || goal.isBlank()) {
            throw new IllegalArgumentException("A simulation case needs a goal: what the simulated user wants.");
        }
        Objects.requireNonNull(persona, "persona");
        context = context.deepCopy();
        expectations = expectations.deepCopy();
        guidelines = List.copyOf(guidelines);
        Set<String> reserved = new TreeSet<>();
        context.fieldNames().forEachRemaining(k -> {
            if (RESERVED_CONTEXT_KEYS.contains(k)) {
                reserved.add(k);
            }
        });
        if (!reserved.isEmpty()) {
            throw new IllegalArgumentException("Context keys " + reserved + " are reserved by the simulator (it passes "
                    + "the history as 'input'/'messages' and the session id as 'mlflow_session_id'); rename them.");
        }
    }

    public static SimulationCase of(String goal) {
        return new SimulationCase(goal, Optional.empty(), Json.object(), Json.object(), List.of());
    }

    /**
     * A case in MLflow's form: {@code goal}, {@code persona}, {@code context}, {@code expectations} and
     * {@code simulation_guidelines} (a string or a list).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static SimulationCase fromJson(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("A simulation case is a JSON object with at least a 'goal'.");
        }
        JsonNode g = node.path("simulation_guidelines");
        List<String> guidelines = g.isArray() ? Json.MAPPER.convertValue(g, Json.MAPPER.getTypeFactory()
                .constructCollectionType(List.class, String.class)) : g.isTextual() ? List.of(g.asText()) : List.of();
        return new SimulationCase(node.path("goal").asText(""), Optional.ofNullable(node.path("persona").textValue())
                .filter(p -> !p.isBlank()), object(node.path("context"), "context"),
                object(node.path("expectations"), "expectations"), guidelines);
    }

    private static ObjectNode object(JsonNode value, String field) {
        if (value.isMissingNode() || value.isNull()) {
            return Json.object();
        }
        if (!value.isObject()) {
            throw new IllegalArgumentException("'" + field + "' of a simulation case must be a JSON object.");
        }
        return (ObjectNode) value;
    }

    public String personaOrDefault() {
        return persona.orElse(DEFAULT_PERSONA);
    }
}
