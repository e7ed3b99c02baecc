package dev.osprey.gateway.config;

import static dev.osprey.gateway.config.ConfigDocuments.ENDPOINT;
import static dev.osprey.gateway.config.ConfigFields.given;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.gateway.config.GatewayEndpoint.ModelMapping;
import dev.osprey.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Endpoints: their models (primary by weight, fallbacks in order), limits, tags and usage tracking. */
public final class GatewayEndpoints {
    private static final Pattern ENDPOINT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,255}");

    private final ConfigDocuments docs;
    private final ModelDefinitions models;
    private final EndpointBindings bindings;
    private static final String DEFAULT_WORKSPACE = dev.osprey.store.WorkspaceStore.DEFAULT;
    private final java.util.function.BiFunction<String, String, String> experimentForEndpoint;

    /**
     * @param experimentForEndpoint the experiment id usage traces of an endpoint without one go to (created if
     *     needed), given the endpoint name
     */
    public GatewayEndpoints(ConfigDocuments docs, ModelDefinitions models, EndpointBindings bindings,
            java.util.function.BiFunction<String, String, String> experimentForEndpoint) {
        this.docs = docs;
        this.models = models;
        this.bindings = bindings;
        this.experimentForEndpoint = experimentForEndpoint;
    }

    /** The wire form, with each model definition embedded. */
    public ObjectNode json(GatewayEndpoint e) {
        Map<String, ObjectNode> definitions = new LinkedHashMap<>();
        for (ModelMapping mm : e.mappings()) {
            models.find(mm.modelDefinitionId()).ifPresent(d -> definitions.put(d.modelDefinitionId(),
                    models.json(d)));
        }
        return GatewayCodec.endpoint(e, id -> Optional.ofNullable(definitions.get(id)));
    }

    /** A mapping as attach answers it, with its model definition embedded. */
    public ObjectNode json(String endpointId, ModelMapping mapping) {
        return GatewayCodec.mapping(endpointId, mapping, models.find(mapping.modelDefinitionId()).map(models::json));
    }

    /** An endpoint of the default workspace. */
    public GatewayEndpoint create(Message m) {
        return create(m, DEFAULT_WORKSPACE);
    }

    /**
     * @param workspace where the endpoint is made: with usage tracking and no experiment given, its traces go to
     *     an experiment of this workspace
     */
    public GatewayEndpoint create(Message m, String workspace) {
        String name = ConfigFields.name(m, "name");
        checkName(name);
        long now = docs.now();
        Optional<String> by = m.string("created_by");
        List<ModelMapping> mappings = mappings(m, by, now);
        boolean usageTracking = m.bool("usage_tracking").orElse(false);
        Optional<String> experimentId = given(m, "experiment_id");
        if (usageTracking && experimentId.isEmpty()) {
            experimentId = Optional.of(experimentForEndpoint.apply(name, workspace));
        }
        GatewayEndpoint e = new GatewayEndpoint(ConfigDocuments.newId("ep-"), name, mappings,
                given(m, "routing_strategy").orElse(GatewayEndpoint.TRAFFIC_SPLIT), fallback(m), experimentId,
                usageTracking, Map.of(), limits(m, GatewayEndpoint.Limits.NONE), Audit.created(now, by), workspace);
        docs.insert(ENDPOINT, e.endpointId(), name, GatewayCodec.storedEndpoint(e), now, workspace);
        return e;
    }

    /** By {@code endpoint_id}, else by {@code name} in the workspace. */
    public GatewayEndpoint get(Message m, String workspace) {
        return docs.byIdOrName(m, ENDPOINT, "GatewayEndpoint", "endpoint_id", "name", workspace,
                GatewayCodec::endpointFromStore);
    }

    /** The endpoint with that id, or not found. */
    public GatewayEndpoint byId(String id) {
        return docs.require(ENDPOINT, id, "GatewayEndpoint", "endpoint_id", GatewayCodec::endpointFromStore);
    }

    /** An endpoint of the default workspace. */
    public GatewayEndpoint update(Message m) {
        return update(m, DEFAULT_WORKSPACE);
    }

    /** @param workspace the endpoint's: where its traces' experiment is made when tracking is turned on */
    public GatewayEndpoint update(Message m, String workspace) {
        GatewayEndpoint current = byId(m.requiredString("endpoint_id"));
        long now = docs.now();
        Optional<String> by = m.string("updated_by");
        String name = given(m, "name").orElse(current.name());
        checkName(name);
        List<ModelMapping> mappings = m.count("model_configs") > 0 ? mappings(m, by, now) : current.mappings();
        boolean usageTracking = m.bool("usage_tracking").orElse(current.usageTracking());
        Optional<String> experimentId = given(m, "experiment_id").or(current::experimentId);
        if (usageTracking && experimentId.isEmpty()) {
            experimentId = Optional.of(experimentForEndpoint.apply(name, workspace));
        }
        return save(new GatewayEndpoint(current.endpointId(), name, mappings,
                given(m, "routing_strategy").orElse(current.routingStrategy()),
                m.message("fallback_config").isPresent() ? fallback(m) : current.fallback(), experimentId,
                usageTracking, current.tags(), limits(m, current.limits()), current.audit().updated(now, by),
                current.workspace()));
    }

    /** Its bindings go with it. */
    public void delete(String id) {
        byId(id);
        docs.store().delete(ENDPOINT, id);
        bindings.deleteAllOf(id);
        docs.changed();
    }

    /** Every endpoint, or those using a model definition of {@code provider} / {@code secret_id} when given. */
    public List<GatewayEndpoint> list(Message m) {
        if (given(m, "provider").isEmpty() && given(m, "secret_id").isEmpty()) {
            return docs.endpoints();
        }
        List<String> definitions = models.list(m).stream().map(ModelDefinition::modelDefinitionId).toList();
        return docs.endpoints().stream().filter(e -> e.mappings().stream()
                .anyMatch(mm -> definitions.contains(mm.modelDefinitionId()))).toList();
    }

    public ModelMapping attachModel(Message m) {
        GatewayEndpoint e = byId(m.requiredString("endpoint_id"));
        Message config = m.message("model_config").orElseThrow(() -> Message.missing("model_config"));
        long now = docs.now();
        ModelMapping mapping = mapping(config, m.string("created_by"), now);
        List<ModelMapping> next = new ArrayList<>(e.mappings());
        next.add(mapping);
        save(e.withMappings(next, e.audit().updated(now, m.string("created_by"))));
        return mapping;
    }

    public void detachModel(Message m) {
        GatewayEndpoint e = byId(m.requiredString("endpoint_id"));
        String definitionId = m.requiredString("model_definition_id");
        List<ModelMapping> next = e.mappings().stream().filter(mm -> !mm.modelDefinitionId().equals(definitionId))
                .toList();
        if (next.size() == e.mappings().size()) {
            throw OspreyException.notFound("Model definition " + definitionId + " is not attached to endpoint "
                    + e.endpointId() + ".");
        }
        save(e.withMappings(next, e.audit().updated(docs.now(), Optional.empty())));
    }

    public void setTag(Message m) {
        GatewayEndpoint e = byId(m.requiredString("endpoint_id"));
        Map<String, String> tags = new LinkedHashMap<>(e.tags());
        tags.put(m.requiredString("key"), m.string("value").orElse(""));
        save(e.withTags(tags, e.audit().updated(docs.now(), Optional.empty())));
    }

    public void deleteTag(Message m) {
        GatewayEndpoint e = byId(m.requiredString("endpoint_id"));
        Map<String, String> tags = new LinkedHashMap<>(e.tags());
        tags.remove(m.requiredString("key"));
        save(e.withTags(tags, e.audit().updated(docs.now(), Optional.empty())));
    }

    private GatewayEndpoint save(GatewayEndpoint e) {
        docs.update(ENDPOINT, e.endpointId(), e.name(), GatewayCodec.storedEndpoint(e), e.audit());
        return e;
    }

    private List<ModelMapping> mappings(Message m, Optional<String> by, long now) {
        List<ModelMapping> out = new ArrayList<>();
        for (Message c : m.messages("model_configs")) {
            out.add(mapping(c, by, now));
        }
        return out;
    }

    private ModelMapping mapping(Message c, Optional<String> by, long now) {
        String definitionId = c.requiredString("model_definition_id");
        models.get(definitionId);
        GatewayEndpoint.Linkage linkage = given(c, "linkage_type")
                .map(s -> ConfigFields.parseEnum(GatewayEndpoint.Linkage.class, "linkage_type", s))
                .orElse(GatewayEndpoint.Linkage.PRIMARY);
        double weight = c.doubleValue("weight").orElse(1.0);
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw OspreyException.invalid("'weight' must be a non-negative number, got " + weight + ".");
        }
        int order = (int) c.int64("fallback_order").orElse(0);
        return new ModelMapping(ConfigDocuments.newId("mm-"), definitionId, linkage, weight, order, now, by);
    }

    private static Optional<GatewayEndpoint.FallbackConfig> fallback(Message m) {
        return m.message("fallback_config").map(f -> {
            long attempts = f.int64("max_attempts").orElse(1);
            if (attempts < 0 || attempts > 10) {
                throw OspreyException.invalid("'fallback_config.max_attempts' must be 0 to 10, got " + attempts
                        + ".");
            }
            return new GatewayEndpoint.FallbackConfig(given(f, "strategy").orElse("SEQUENTIAL")
                    .toUpperCase(Locale.ROOT), (int) attempts);
        });
    }

    private static GatewayEndpoint.Limits limits(Message m, GatewayEndpoint.Limits current) {
        Optional<Message> l = m.message("limits");
        if (l.isEmpty()) {
            return current;
        }
        Message v = l.get();
        return new GatewayEndpoint.Limits(nonNegative(v, "requests_per_minute"), nonNegative(v, "tokens_per_minute"),
                nonNegative(v, "user_requests_per_minute"), nonNegative(v, "user_tokens_per_minute"),
                nonNegative(v, "timeout_ms"), (int) Math.min(5, nonNegative(v, "retries")));
    }

    private static long nonNegative(Message m, String field) {
        long v = m.int64(field).orElse(0);
        if (v < 0) {
            throw OspreyException.invalid("'limits." + field + "' must not be negative, got " + v + ".");
        }
        return v;
    }

    private static void checkName(String name) {
        if (!ENDPOINT_NAME.matcher(name).matches()) {
            throw OspreyException.invalid("Invalid endpoint name '" + name + "': use letters, digits, '.', '_' and "
                    + "'-' (it appears in URLs), starting with a letter or digit, at most 256 characters.");
        }
    }
}
