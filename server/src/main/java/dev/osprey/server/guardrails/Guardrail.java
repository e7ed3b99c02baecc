package dev.osprey.server.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import java.util.Objects;
import java.util.Optional;

/**
 * A gateway guardrail (MLflow 3.11): a registered scorer version that judges calls to the endpoints it is attached
 * to, before the provider ({@code BEFORE}, on the request) or after it ({@code AFTER}, on the answer), and either
 * refuses what fails ({@code VALIDATION}) or has the action endpoint's model rewrite it ({@code SANITIZATION}).
 */
record Guardrail(String guardrailId, String name, String scorerId, int scorerVersion, Stage stage, Action action,
        Optional<String> actionEndpointId, Optional<String> createdBy, long createdAt, long lastUpdatedAt,
        String workspace) {

    Guardrail {
        Objects.requireNonNull(guardrailId, "guardrailId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scorerId, "scorerId");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(actionEndpointId, "actionEndpointId");
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(workspace, "workspace");
    }

    enum Stage {
        BEFORE, AFTER
    }

    enum Action {
        VALIDATION, SANITIZATION
    }

    /** A proto enum as proto-JSON sends it: its name, or its number (1 and 2; 0 is unspecified). */
    static <E extends Enum<E>> E parse(Class<E> type, JsonNode value, String field) {
        E[] constants = type.getEnumConstants();
        if (value.isInt() && value.asInt() >= 1 && value.asInt() <= constants.length) {
            return constants[value.asInt() - 1];
        }
        if (value.isTextual()) {
            for (E e : constants) {
                if (e.name().equals(value.asText())) {
                    return e;
                }
            }
        }
        if (value.isMissingNode() || value.isNull()) {
            throw OspreyException.invalid("Missing value for required parameter '" + field + "'.");
        }
        throw OspreyException.invalid("Invalid " + field + ": " + value);
    }

    /** The stored document body. */
    String body() {
        ObjectNode out = Json.object().put("name", name).put("scorer_id", scorerId).put("scorer_version", scorerVersion)
                .put("stage", stage.name()).put("action", action.name()).put("created_at", createdAt)
                .put("last_updated_at", lastUpdatedAt);
        actionEndpointId.ifPresent(id -> out.put("action_endpoint_id", id));
        createdBy.ifPresent(by -> out.put("created_by", by));
        return Json.writeString(out);
    }

    static Guardrail of(String id, String workspace, JsonNode body) {
        return new Guardrail(id, body.path("name").asText(), body.path("scorer_id").asText(),
                body.path("scorer_version").asInt(), Stage.valueOf(body.path("stage").asText()),
                Action.valueOf(body.path("action").asText()), text(body, "action_endpoint_id"),
                text(body, "created_by"), body.path("created_at").asLong(), body.path("last_updated_at").asLong(),
                workspace);
    }

    private static Optional<String> text(JsonNode body, String field) {
        return body.path(field).isTextual() ? Optional.of(body.path(field).asText()) : Optional.empty();
    }

    /** Attached to an endpoint: guardrails run by {@code execution_order} (unordered last), then by id. */
    record Attachment(String endpointId, String guardrailId, java.util.OptionalInt executionOrder,
            Optional<String> createdBy, long createdAt, String workspace) {
        static final java.util.Comparator<Attachment> ORDER = java.util.Comparator
                .comparingInt((Attachment a) -> a.executionOrder().orElse(Integer.MAX_VALUE))
                .thenComparing(a -> a.executionOrder().isEmpty())
                .thenComparing(Attachment::guardrailId);

        /** The document's name: the pair, readable, within the name column's 256 characters. */
        static String name(String endpointId, String guardrailId) {
            return endpointId + "|" + guardrailId;
        }

        /** The document's id: the pair hashed, since two ids side by side overflow the id column's 64. */
        static String id(String endpointId, String guardrailId) {
            return "gc-" + java.util.HexFormat.of().formatHex(dev.osprey.core.Sha256.of(name(endpointId, guardrailId)),
                    0, 16);
        }

        String body() {
            ObjectNode out = Json.object().put("endpoint_id", endpointId).put("guardrail_id", guardrailId)
                    .put("created_at", createdAt);
            executionOrder.ifPresent(o -> out.put("execution_order", o));
            createdBy.ifPresent(by -> out.put("created_by", by));
            return Json.writeString(out);
        }

        static Attachment of(String workspace, JsonNode body) {
            return new Attachment(body.path("endpoint_id").asText(), body.path("guardrail_id").asText(),
                    body.path("execution_order").isInt() ? java.util.OptionalInt.of(body.path("execution_order")
                            .asInt()) : java.util.OptionalInt.empty(), text(body, "created_by"),
                    body.path("created_at").asLong(), workspace);
        }
    }
}
