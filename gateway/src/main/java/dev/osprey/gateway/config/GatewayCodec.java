package dev.osprey.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.crypto.SealedSecret;
import dev.osprey.protocol.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * JSON of the gateway's configuration entities in MLflow's wire shape (spec/genai.md §6.1). The stored form is the
 * same shape plus what clients never see (a secret's sealed value), so one codec serves the API and the database.
 */
public final class GatewayCodec {
    private GatewayCodec() {}

    // --- audit

    private static void putAudit(ObjectNode node, Audit a) {
        node.put("created_at", a.createdAt());
        node.put("last_updated_at", a.updatedAt());
        a.createdBy().ifPresent(v -> node.put("created_by", v));
        a.updatedBy().ifPresent(v -> node.put("last_updated_by", v));
    }

    private static Audit audit(JsonNode n) {
        return new Audit(n.path("created_at").asLong(), n.path("last_updated_at").asLong(),
                text(n, "created_by"), text(n, "last_updated_by"));
    }

    static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    /** A map of strings as a JSON object. */
    public static ObjectNode stringMapJson(Map<String, String> values) {
        ObjectNode node = Json.object();
        values.forEach(node::put);
        return node;
    }

    /** A JSON object of strings as a map (values that are not strings as their JSON text). */
    public static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                    : e.getValue().toString()));
        }
        return out;
    }

    // --- secrets

    /** What clients see: never the sealed value. */
    public static ObjectNode secret(GatewaySecret s) {
        ObjectNode node = Json.object();
        node.put("secret_id", s.secretId());
        node.put("secret_name", s.name());
        node.set("masked_values", stringMapJson(s.maskedValues()));
        s.provider().ifPresent(p -> node.put("provider", p));
        node.set("auth_config", stringMapJson(s.authConfig()));
        putAudit(node, s.audit());
        return node;
    }

    public static String storedSecret(GatewaySecret s) {
        ObjectNode node = secret(s);
        ObjectNode sealed = node.putObject("sealed");
        sealed.put("kek_id", s.sealed().kekId());
        sealed.put("wrapped_key", s.sealed().wrappedKey());
        sealed.put("ciphertext", s.sealed().ciphertext());
        return Json.writeString(node);
    }

    public static GatewaySecret secretFromStore(JsonNode n) {
        JsonNode sealed = n.path("sealed");
        return new GatewaySecret(n.path("secret_id").asText(), n.path("secret_name").asText(), text(n, "provider"),
                stringMap(n.get("masked_values")), stringMap(n.get("auth_config")), new SealedSecret(
                        sealed.path("kek_id").asText(), sealed.path("wrapped_key").asText(),
                        sealed.path("ciphertext").asText()), audit(n));
    }

    // --- model definitions

    public static ObjectNode modelDefinition(ModelDefinition d, Function<String, Optional<String>> secretNames) {
        ObjectNode node = storedModelDefinitionNode(d);
        secretNames.apply(d.secretId()).ifPresent(name -> node.put("secret_name", name));
        return node;
    }

    private static ObjectNode storedModelDefinitionNode(ModelDefinition d) {
        ObjectNode node = Json.object();
        node.put("model_definition_id", d.modelDefinitionId());
        node.put("name", d.name());
        node.put("secret_id", d.secretId());
        node.put("provider", d.provider());
        node.put("model_name", d.modelName());
        putAudit(node, d.audit());
        return node;
    }

    public static String storedModelDefinition(ModelDefinition d) {
        return Json.writeString(storedModelDefinitionNode(d));
    }

    public static ModelDefinition modelDefinitionFromStore(JsonNode n) {
        return new ModelDefinition(n.path("model_definition_id").asText(), n.path("name").asText(),
                n.path("secret_id").asText(), n.path("provider").asText(), n.path("model_name").asText(), audit(n));
    }

    // --- endpoints

    /** The wire form, each mapping with its model definition embedded (when it still exists). */
    public static ObjectNode endpoint(GatewayEndpoint e, Function<String, Optional<ObjectNode>> definitions) {
        ObjectNode node = Json.object();
        node.put("endpoint_id", e.endpointId());
        node.put("name", e.name());
        putAudit(node, e.audit());
        ArrayNode mappings = node.putArray("model_mappings");
        for (GatewayEndpoint.ModelMapping m : e.mappings()) {
            mappings.add(mapping(e.endpointId(), m, definitions.apply(m.modelDefinitionId())));
        }
        ArrayNode tags = node.putArray("tags");
        e.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        node.put("routing_strategy", e.routingStrategy());
        e.fallback().ifPresent(f -> node.putObject("fallback_config").put("strategy", f.strategy())
                .put("max_attempts", f.maxAttempts()));
        e.experimentId().ifPresent(id -> node.put("experiment_id", id));
        node.put("usage_tracking", e.usageTracking());
        if (!e.limits().equals(GatewayEndpoint.Limits.NONE)) {
            node.set("limits", limits(e.limits()));
        }
        return node;
    }

    /** One model mapping of an endpoint, its model definition embedded when given. */
    public static ObjectNode mapping(String endpointId, GatewayEndpoint.ModelMapping m,
            Optional<ObjectNode> definition) {
        ObjectNode mapping = Json.object();
        mapping.put("mapping_id", m.mappingId());
        mapping.put("endpoint_id", endpointId);
        mapping.put("model_definition_id", m.modelDefinitionId());
        definition.ifPresent(d -> mapping.set("model_definition", d));
        mapping.put("weight", m.weight());
        mapping.put("created_at", m.createdAt());
        m.createdBy().ifPresent(v -> mapping.put("created_by", v));
        mapping.put("linkage_type", m.linkage().name());
        mapping.put("fallback_order", m.fallbackOrder());
        return mapping;
    }

    public static ObjectNode limits(GatewayEndpoint.Limits l) {
        ObjectNode node = Json.object();
        node.put("requests_per_minute", l.requestsPerMinute());
        node.put("tokens_per_minute", l.tokensPerMinute());
        node.put("user_requests_per_minute", l.userRequestsPerMinute());
        node.put("user_tokens_per_minute", l.userTokensPerMinute());
        node.put("timeout_ms", l.timeoutMs());
        node.put("retries", l.retries());
        return node;
    }

    public static GatewayEndpoint.Limits limits(JsonNode n) {
        if (n == null || !n.isObject()) {
            return GatewayEndpoint.Limits.NONE;
        }
        return new GatewayEndpoint.Limits(n.path("requests_per_minute").asLong(), n.path("tokens_per_minute").asLong(),
                n.path("user_requests_per_minute").asLong(), n.path("user_tokens_per_minute").asLong(),
                n.path("timeout_ms").asLong(), n.path("retries").asInt());
    }

    public static String storedEndpoint(GatewayEndpoint e) {
        return Json.writeString(endpoint(e, id -> Optional.empty()));
    }

    public static GatewayEndpoint endpointFromStore(JsonNode n) {
        List<GatewayEndpoint.ModelMapping> mappings = new java.util.ArrayList<>();
        for (JsonNode m : n.path("model_mappings")) {
            mappings.add(new GatewayEndpoint.ModelMapping(m.path("mapping_id").asText(),
                    m.path("model_definition_id").asText(),
                    GatewayEndpoint.Linkage.valueOf(m.path("linkage_type").asText("PRIMARY")),
                    m.path("weight").asDouble(1.0), m.path("fallback_order").asInt(), m.path("created_at").asLong(),
                    text(m, "created_by")));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        n.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        JsonNode fallback = n.get("fallback_config");
        return new GatewayEndpoint(n.path("endpoint_id").asText(), n.path("name").asText(), mappings,
                n.path("routing_strategy").asText(GatewayEndpoint.TRAFFIC_SPLIT),
                fallback == null ? Optional.empty() : Optional.of(new GatewayEndpoint.FallbackConfig(
                        fallback.path("strategy").asText("SEQUENTIAL"), fallback.path("max_attempts").asInt())),
                text(n, "experiment_id"), n.path("usage_tracking").asBoolean(), tags, limits(n.get("limits")),
                audit(n), workspace(n));
    }

    // --- budgets

    public static ObjectNode budget(BudgetPolicy b) {
        ObjectNode node = Json.object();
        node.put("budget_policy_id", b.budgetPolicyId());
        node.put("budget_unit", "USD");
        node.put("budget_amount", b.amount());
        node.putObject("duration").put("unit", b.durationUnit().name()).put("value", b.durationValue());
        node.put("target_scope", b.scope().name());
        b.targetValue().ifPresent(v -> node.put("target_value", v));
        node.put("budget_action", b.action().name());
        putAudit(node, b.audit());
        return node;
    }

    public static BudgetPolicy budgetFromStore(JsonNode n) {
        return new BudgetPolicy(n.path("budget_policy_id").asText(), n.path("budget_amount").asDouble(),
                BudgetPolicy.DurationUnit.valueOf(n.path("duration").path("unit").asText()),
                n.path("duration").path("value").asInt(), BudgetPolicy.Scope.valueOf(n.path("target_scope").asText()),
                text(n, "target_value"), BudgetPolicy.Action.valueOf(n.path("budget_action").asText()), audit(n),
                workspace(n));
    }

    /** The workspace {@link ConfigDocuments#parse} read from the document's row (it is not part of the body). */
    private static String workspace(JsonNode n) {
        return n.path(ConfigDocuments.WORKSPACE_FIELD).asText(dev.osprey.store.WorkspaceStore.DEFAULT);
    }
}
