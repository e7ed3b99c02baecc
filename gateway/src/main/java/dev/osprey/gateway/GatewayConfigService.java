package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.config.Audit;
import dev.osprey.gateway.config.BudgetPolicy;
import dev.osprey.gateway.config.GatewayCodec;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.config.GatewayEndpoint.ModelMapping;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.gateway.config.ModelDefinition;
import dev.osprey.gateway.crypto.Envelope;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.Providers;
import dev.osprey.gateway.provider.Target;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.GatewayStore.GatewayDocument;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The gateway's configuration API (spec/genai.md §6.1): secrets sealed with the key-encryption key before they are
 * stored, model definitions, endpoints and budgets. After every change it rebuilds the {@link Snapshot} invocations
 * read, so the hot path never touches the database or decrypts anything.
 */
public final class GatewayConfigService {
    static final String SECRET = "secret";
    static final String MODEL = "model_definition";
    static final String ENDPOINT = "endpoint";
    static final String BUDGET = "budget_policy";
    static final String BINDING = "endpoint_binding";
    private static final Pattern ENDPOINT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,255}");
    private static final int MAX_NAME = 256;

    private final GatewayStore store;
    private final Optional<KeyEncryptionKey> kek;
    private final UrlGuard guard;
    private final Clock clock;
    private final Budgets budgets;
    private final Function<String, String> experimentForEndpoint;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), List.of());

    /**
     * @param experimentForEndpoint the experiment id usage traces of an endpoint without one go to (created if
     *     needed), given the endpoint name
     */
    public GatewayConfigService(GatewayStore store, Optional<KeyEncryptionKey> kek, UrlGuard guard, Clock clock,
            Budgets budgets, Function<String, String> experimentForEndpoint) {
        this.store = store;
        this.kek = kek;
        this.guard = guard;
        this.clock = clock;
        this.budgets = budgets;
        this.experimentForEndpoint = experimentForEndpoint;
        reload();
    }

    // ------------------------------------------------------------------ snapshot for invocations

    /**
     * One model of an endpoint, ready to call: its provider's adapter looked up once, here, not per request;
     * {@code target} is empty with a reason when it cannot be called.
     */
    public record ResolvedModel(ModelMapping mapping, ModelDefinition definition, ProviderAdapter adapter,
            Optional<Target> target, String unavailableReason) {}

    public record ResolvedEndpoint(GatewayEndpoint endpoint, List<ResolvedModel> models) {}

    /** Immutable view of every endpoint by name. */
    public record Snapshot(Map<String, ResolvedEndpoint> byName, List<ResolvedEndpoint> all) {}

    public Snapshot snapshot() {
        return snapshot;
    }

    public Optional<ResolvedEndpoint> endpoint(String name) {
        return Optional.ofNullable(snapshot.byName().get(name));
    }

    /** Re-reads the configuration and rebuilds the snapshot (also for changes made by another server). */
    public synchronized void reload() {
        Map<String, GatewaySecret> secrets = new LinkedHashMap<>();
        store.list(SECRET).forEach(d -> secrets.put(d.id(), GatewayCodec.secretFromStore(parse(d))));
        Map<String, ModelDefinition> models = new LinkedHashMap<>();
        store.list(MODEL).forEach(d -> models.put(d.id(), GatewayCodec.modelDefinitionFromStore(parse(d))));
        Map<String, Target> targets = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        for (ModelDefinition m : models.values()) {
            GatewaySecret secret = secrets.get(m.secretId());
            if (secret == null) {
                reasons.put(m.modelDefinitionId(), "its secret was deleted");
            } else if (kek.isEmpty()) {
                reasons.put(m.modelDefinitionId(), "no key-encryption key is configured to open its secret");
            } else {
                try {
                    targets.put(m.modelDefinitionId(), new Target(m.provider(), m.modelName(), m.modelDefinitionId(),
                            openValues(secret), secret.authConfig()));
                } catch (RuntimeException e) {
                    reasons.put(m.modelDefinitionId(), e.getMessage());
                }
            }
        }
        Map<String, ResolvedEndpoint> byName = new LinkedHashMap<>();
        List<ResolvedEndpoint> all = new ArrayList<>();
        for (GatewayDocument d : store.list(ENDPOINT)) {
            GatewayEndpoint e = GatewayCodec.endpointFromStore(parse(d));
            List<ResolvedModel> resolved = new ArrayList<>();
            for (ModelMapping mapping : e.mappings()) {
                ModelDefinition definition = models.get(mapping.modelDefinitionId());
                if (definition != null) {
                    resolved.add(new ResolvedModel(mapping, definition, Providers.adapter(definition.provider()),
                            Optional.ofNullable(targets.get(definition.modelDefinitionId())),
                            reasons.getOrDefault(definition.modelDefinitionId(), "")));
                }
            }
            ResolvedEndpoint r = new ResolvedEndpoint(e, List.copyOf(resolved));
            byName.put(e.name(), r);
            all.add(r);
        }
        budgets.setPolicies(store.list(BUDGET).stream().map(d -> GatewayCodec.budgetFromStore(parse(d))).toList());
        snapshot = new Snapshot(Map.copyOf(byName), List.copyOf(all));
    }

    private Map<String, String> openValues(GatewaySecret secret) {
        byte[] plain = Envelope.open(kek.orElseThrow(), secret.secretId(), secret.sealed());
        try {
            return GatewayCodec.stringMap(Json.read(plain));
        } catch (IOException e) {
            throw new IllegalStateException("A gateway secret holds no JSON object.");
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
    }

    private static JsonNode parse(GatewayDocument d) {
        try {
            return Json.read(d.body());
        } catch (IOException e) {
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, "Stored gateway " + d.kind() + " " + d.id()
                    + " is not JSON.", e);
        }
    }

    // ------------------------------------------------------------------ secrets

    private KeyEncryptionKey requireKek() {
        return kek.orElseThrow(() -> new OspreyException(ErrorCode.FEATURE_DISABLED, "This server has no gateway "
                + "key-encryption key, so it cannot store secrets. " + KeyEncryptionKey.HOW_TO_SET));
    }

    public boolean secretsAvailable() {
        return kek.isPresent();
    }

    private static Map<String, String> stringMap(Message m, String field) {
        Optional<Message> nested = m.message(field);
        if (nested.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        nested.get().json().properties().forEach(e -> {
            if (!e.getValue().isTextual()) {
                throw OspreyException.invalid("Invalid value for '" + field + "." + e.getKey() + "': expected a "
                        + "string.");
            }
            out.put(e.getKey(), e.getValue().textValue());
        });
        return out;
    }

    private static String name(Message m, String field) {
        String name = m.requiredString(field);
        if (name.length() > MAX_NAME || name.isBlank()) {
            throw OspreyException.invalid("'" + field + "' must be 1 to " + MAX_NAME + " characters and not blank.");
        }
        return name;
    }

    private void checkAuthConfig(Map<String, String> authConfig) {
        String base = authConfig.get("api_base");
        if (base != null && !base.isBlank()) {
            guard.check(base);
        }
    }

    public GatewaySecret createSecret(Message m) {
        KeyEncryptionKey key = requireKek();
        String name = name(m, "secret_name");
        Map<String, String> values = stringMap(m, "secret_value");
        if (values.isEmpty()) {
            throw Message.missing("secret_value");
        }
        Optional<String> provider = m.string("provider").filter(p -> !p.isBlank());
        provider.ifPresent(Providers::adapter);
        Map<String, String> authConfig = stringMap(m, "auth_config");
        checkAuthConfig(authConfig);
        String id = "s-" + UUID.randomUUID().toString().replace("-", "");
        GatewaySecret secret = new GatewaySecret(id, name, provider, masked(values), authConfig,
                Envelope.seal(key, id, Json.write(GatewayCodec.stringMapJson(values))),
                Audit.created(clock.millis(), m.string("created_by")));
        store.insert(new GatewayDocument(SECRET, id, name, GatewayCodec.storedSecret(secret), clock.millis(),
                clock.millis()));
        reload();
        return secret;
    }

    private static Map<String, String> masked(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, GatewaySecret.mask(v)));
        return out;
    }

    public GatewaySecret getSecret(Message m) {
        Optional<GatewayDocument> doc = m.string("secret_id").filter(s -> !s.isEmpty())
                .map(id -> store.get(SECRET, id).orElseThrow(() -> notFound("GatewaySecret", "secret_id", id)))
                .or(() -> m.string("secret_name").filter(s -> !s.isEmpty()).map(n -> store.byName(SECRET, n)
                        .orElseThrow(() -> notFound("GatewaySecret", "secret_name", n))));
        return GatewayCodec.secretFromStore(parse(doc.orElseThrow(() -> Message.missing("secret_id"))));
    }

    private GatewaySecret secret(String id) {
        return GatewayCodec.secretFromStore(parse(store.get(SECRET, id)
                .orElseThrow(() -> notFound("GatewaySecret", "secret_id", id))));
    }

    static OspreyException notFound(String entity, String field, String value) {
        return OspreyException.notFound(entity + " with " + field + "='" + value + "' not found");
    }

    public GatewaySecret updateSecret(Message m) {
        GatewaySecret current = secret(m.requiredString("secret_id"));
        Map<String, String> values = stringMap(m, "secret_value");
        Map<String, String> authConfig = m.message("auth_config").isPresent() ? stringMap(m, "auth_config")
                : current.authConfig();
        checkAuthConfig(authConfig);
        GatewaySecret next = new GatewaySecret(current.secretId(), current.name(), current.provider(),
                values.isEmpty() ? current.maskedValues() : masked(values), authConfig,
                values.isEmpty() ? current.sealed() : Envelope.seal(requireKek(), current.secretId(),
                        Json.write(GatewayCodec.stringMapJson(values))),
                current.audit().updated(clock.millis(), m.string("updated_by")));
        store.update(new GatewayDocument(SECRET, next.secretId(), next.name(), GatewayCodec.storedSecret(next),
                next.audit().createdAt(), next.audit().updatedAt()));
        reload();
        return next;
    }

    public void deleteSecret(Message m) {
        String id = m.requiredString("secret_id");
        secret(id);
        List<String> users = store.list(MODEL).stream().map(d -> GatewayCodec.modelDefinitionFromStore(parse(d)))
                .filter(d -> d.secretId().equals(id)).map(ModelDefinition::name).toList();
        if (!users.isEmpty()) {
            throw OspreyException.invalid("Secret " + id + " is used by model definitions " + users
                    + "; delete or update them first.");
        }
        store.delete(SECRET, id);
        reload();
    }

    public List<GatewaySecret> listSecrets(Message m) {
        Optional<String> provider = m.string("provider").filter(p -> !p.isEmpty());
        return store.list(SECRET).stream().map(d -> GatewayCodec.secretFromStore(parse(d)))
                .filter(s -> provider.isEmpty() || s.provider().equals(provider)).toList();
    }

    /** Re-wraps every secret's data key with {@code next}, all in one transaction. Returns how many. */
    public int rotateKek(KeyEncryptionKey current, KeyEncryptionKey next) {
        List<GatewayDocument> rewrapped = new ArrayList<>();
        for (GatewayDocument d : store.list(SECRET)) {
            GatewaySecret s = GatewayCodec.secretFromStore(parse(d));
            if (s.sealed().kekId().equals(next.id())) {
                continue;
            }
            GatewaySecret r = new GatewaySecret(s.secretId(), s.name(), s.provider(), s.maskedValues(),
                    s.authConfig(), Envelope.rewrap(current, next, s.secretId(), s.sealed()), s.audit());
            rewrapped.add(new GatewayDocument(SECRET, d.id(), d.name(), GatewayCodec.storedSecret(r), d.createdAt(),
                    d.updatedAt()));
        }
        if (!rewrapped.isEmpty()) {
            store.updateAll(rewrapped);
        }
        return rewrapped.size();
    }

    // ------------------------------------------------------------------ model definitions

    public ObjectNode json(ModelDefinition d) {
        return GatewayCodec.modelDefinition(d, id -> store.get(SECRET, id).map(GatewayDocument::name));
    }

    public ModelDefinition createModelDefinition(Message m) {
        String name = name(m, "name");
        String secretId = m.requiredString("secret_id");
        secret(secretId);
        String provider = m.requiredString("provider").toLowerCase(Locale.ROOT);
        Providers.adapter(provider);
        String modelName = m.requiredString("model_name");
        String id = "md-" + UUID.randomUUID().toString().replace("-", "");
        ModelDefinition d = new ModelDefinition(id, name, secretId, provider, modelName,
                Audit.created(clock.millis(), m.string("created_by")));
        store.insert(new GatewayDocument(MODEL, id, name, GatewayCodec.storedModelDefinition(d), clock.millis(),
                clock.millis()));
        reload();
        return d;
    }

    public ModelDefinition getModelDefinition(String id) {
        return GatewayCodec.modelDefinitionFromStore(parse(store.get(MODEL, id)
                .orElseThrow(() -> notFound("GatewayModelDefinition", "model_definition_id", id))));
    }

    public ModelDefinition updateModelDefinition(Message m) {
        ModelDefinition current = getModelDefinition(m.requiredString("model_definition_id"));
        String secretId = m.string("secret_id").filter(s -> !s.isEmpty()).orElse(current.secretId());
        secret(secretId);
        String provider = m.string("provider").filter(s -> !s.isEmpty()).map(p -> p.toLowerCase(Locale.ROOT))
                .orElse(current.provider());
        Providers.adapter(provider);
        ModelDefinition next = new ModelDefinition(current.modelDefinitionId(),
                m.string("name").filter(s -> !s.isEmpty()).orElse(current.name()), secretId, provider,
                m.string("model_name").filter(s -> !s.isEmpty()).orElse(current.modelName()),
                current.audit().updated(clock.millis(), m.string("updated_by")));
        store.update(new GatewayDocument(MODEL, next.modelDefinitionId(), next.name(),
                GatewayCodec.storedModelDefinition(next), next.audit().createdAt(), next.audit().updatedAt()));
        reload();
        return next;
    }

    public void deleteModelDefinition(String id) {
        getModelDefinition(id);
        List<String> users = endpoints().stream().filter(e -> e.mappings().stream()
                .anyMatch(mm -> mm.modelDefinitionId().equals(id))).map(GatewayEndpoint::name).toList();
        if (!users.isEmpty()) {
            throw OspreyException.invalid("Model definition " + id + " is used by endpoints " + users
                    + "; detach it first.");
        }
        store.delete(MODEL, id);
        reload();
    }

    public List<ModelDefinition> listModelDefinitions(Message m) {
        Optional<String> provider = m.string("provider").filter(p -> !p.isEmpty());
        Optional<String> secretId = m.string("secret_id").filter(p -> !p.isEmpty());
        return store.list(MODEL).stream().map(d -> GatewayCodec.modelDefinitionFromStore(parse(d)))
                .filter(d -> provider.isEmpty() || provider.get().equalsIgnoreCase(d.provider()))
                .filter(d -> secretId.isEmpty() || secretId.get().equals(d.secretId())).toList();
    }

    // ------------------------------------------------------------------ endpoints

    public ObjectNode json(GatewayEndpoint e) {
        Map<String, ObjectNode> definitions = new LinkedHashMap<>();
        for (ModelMapping mm : e.mappings()) {
            store.get(MODEL, mm.modelDefinitionId()).ifPresent(d -> definitions.put(d.id(),
                    json(GatewayCodec.modelDefinitionFromStore(parse(d)))));
        }
        return GatewayCodec.endpoint(e, id -> Optional.ofNullable(definitions.get(id)));
    }

    /** A mapping as attach answers it, with its model definition embedded. */
    public ObjectNode json(String endpointId, ModelMapping mapping) {
        return GatewayCodec.mapping(endpointId, mapping, store.get(MODEL, mapping.modelDefinitionId())
                .map(d -> json(GatewayCodec.modelDefinitionFromStore(parse(d)))));
    }

    private List<GatewayEndpoint> endpoints() {
        return store.list(ENDPOINT).stream().map(d -> GatewayCodec.endpointFromStore(parse(d))).toList();
    }

    private ModelMapping mapping(Message c, Optional<String> by, long now) {
        String definitionId = c.requiredString("model_definition_id");
        getModelDefinition(definitionId);
        GatewayEndpoint.Linkage linkage = c.string("linkage_type").filter(s -> !s.isEmpty())
                .map(s -> parseEnum(GatewayEndpoint.Linkage.class, "linkage_type", s))
                .orElse(GatewayEndpoint.Linkage.PRIMARY);
        double weight = c.doubleValue("weight").orElse(1.0);
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw OspreyException.invalid("'weight' must be a non-negative number, got " + weight + ".");
        }
        int order = (int) c.int64("fallback_order").orElse(0);
        return new ModelMapping("mm-" + UUID.randomUUID().toString().replace("-", ""), definitionId, linkage, weight,
                order, now, by);
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("Invalid value '" + value + "' for '" + field + "'. Allowed: "
                    + List.of(type.getEnumConstants()) + ".");
        }
    }

    private List<ModelMapping> mappings(Message m, Optional<String> by, long now) {
        List<ModelMapping> out = new ArrayList<>();
        for (Message c : m.messages("model_configs")) {
            out.add(mapping(c, by, now));
        }
        return out;
    }

    private static Optional<GatewayEndpoint.FallbackConfig> fallback(Message m) {
        return m.message("fallback_config").map(f -> {
            long attempts = f.int64("max_attempts").orElse(1);
            if (attempts < 0 || attempts > 10) {
                throw OspreyException.invalid("'fallback_config.max_attempts' must be 0 to 10, got " + attempts
                        + ".");
            }
            return new GatewayEndpoint.FallbackConfig(f.string("strategy").filter(s -> !s.isEmpty())
                    .orElse("SEQUENTIAL").toUpperCase(Locale.ROOT), (int) attempts);
        });
    }

    private static GatewayEndpoint.Limits limits(Message m, GatewayEndpoint.Limits current) {
        Optional<Message> l = m.message("limits");
        if (l.isEmpty()) {
            return current;
        }
        Message v = l.get();
        GatewayEndpoint.Limits limits = new GatewayEndpoint.Limits(
                nonNegative(v, "requests_per_minute"), nonNegative(v, "tokens_per_minute"),
                nonNegative(v, "user_requests_per_minute"), nonNegative(v, "user_tokens_per_minute"),
                nonNegative(v, "timeout_ms"), (int) Math.min(5, nonNegative(v, "retries")));
        return limits;
    }

    private static long nonNegative(Message m, String field) {
        long v = m.int64(field).orElse(0);
        if (v < 0) {
            throw OspreyException.invalid("'limits." + field + "' must not be negative, got " + v + ".");
        }
        return v;
    }

    private static void checkEndpointName(String name) {
        if (!ENDPOINT_NAME.matcher(name).matches()) {
            throw OspreyException.invalid("Invalid endpoint name '" + name + "': use letters, digits, '.', '_' and "
                    + "'-' (it appears in URLs), starting with a letter or digit, at most 256 characters.");
        }
    }

    public GatewayEndpoint createEndpoint(Message m) {
        String name = name(m, "name");
        checkEndpointName(name);
        long now = clock.millis();
        Optional<String> by = m.string("created_by");
        List<ModelMapping> mappings = mappings(m, by, now);
        boolean usageTracking = m.bool("usage_tracking").orElse(false);
        Optional<String> experimentId = m.string("experiment_id").filter(s -> !s.isEmpty());
        if (usageTracking && experimentId.isEmpty()) {
            experimentId = Optional.of(experimentForEndpoint.apply(name));
        }
        GatewayEndpoint e = new GatewayEndpoint("ep-" + UUID.randomUUID().toString().replace("-", ""), name,
                mappings, m.string("routing_strategy").filter(s -> !s.isEmpty()).orElse(GatewayEndpoint.TRAFFIC_SPLIT),
                fallback(m), experimentId, usageTracking, Map.of(), limits(m, GatewayEndpoint.Limits.NONE),
                Audit.created(now, by));
        store.insert(new GatewayDocument(ENDPOINT, e.endpointId(), name, GatewayCodec.storedEndpoint(e), now, now));
        reload();
        return e;
    }

    public GatewayEndpoint getEndpoint(Message m) {
        Optional<GatewayDocument> doc = m.string("endpoint_id").filter(s -> !s.isEmpty())
                .map(id -> store.get(ENDPOINT, id).orElseThrow(() -> notFound("GatewayEndpoint", "endpoint_id", id)))
                .or(() -> m.string("name").filter(s -> !s.isEmpty()).map(n -> store.byName(ENDPOINT, n)
                        .orElseThrow(() -> notFound("GatewayEndpoint", "name", n))));
        return GatewayCodec.endpointFromStore(parse(doc.orElseThrow(() -> Message.missing("endpoint_id"))));
    }

    private GatewayEndpoint endpointById(String id) {
        return GatewayCodec.endpointFromStore(parse(store.get(ENDPOINT, id)
                .orElseThrow(() -> notFound("GatewayEndpoint", "endpoint_id", id))));
    }

    private GatewayEndpoint save(GatewayEndpoint e) {
        store.update(new GatewayDocument(ENDPOINT, e.endpointId(), e.name(), GatewayCodec.storedEndpoint(e),
                e.audit().createdAt(), e.audit().updatedAt()));
        reload();
        return e;
    }

    public GatewayEndpoint updateEndpoint(Message m) {
        GatewayEndpoint current = endpointById(m.requiredString("endpoint_id"));
        long now = clock.millis();
        Optional<String> by = m.string("updated_by");
        String name = m.string("name").filter(s -> !s.isEmpty()).orElse(current.name());
        checkEndpointName(name);
        List<ModelMapping> mappings = m.count("model_configs") > 0 ? mappings(m, by, now) : current.mappings();
        boolean usageTracking = m.bool("usage_tracking").orElse(current.usageTracking());
        Optional<String> experimentId = m.string("experiment_id").filter(s -> !s.isEmpty())
                .or(current::experimentId);
        if (usageTracking && experimentId.isEmpty()) {
            experimentId = Optional.of(experimentForEndpoint.apply(name));
        }
        return save(new GatewayEndpoint(current.endpointId(), name, mappings,
                m.string("routing_strategy").filter(s -> !s.isEmpty()).orElse(current.routingStrategy()),
                m.message("fallback_config").isPresent() ? fallback(m) : current.fallback(), experimentId,
                usageTracking, current.tags(), limits(m, current.limits()), current.audit().updated(now, by)));
    }

    public void deleteEndpoint(String id) {
        endpointById(id);
        store.delete(ENDPOINT, id);
        // Bindings name the endpoint; they go with it.
        store.list(BINDING).stream().filter(d -> d.id().startsWith(id + "|"))
                .forEach(d -> store.delete(BINDING, d.id()));
        reload();
    }

    // ------------------------------------------------------------------ bindings (endpoint <-> MLflow resource)

    /** Binds an endpoint to a resource that calls it (e.g. a scorer job); the binding's body is its wire form. */
    public JsonNode createBinding(Message m) {
        String endpointId = m.requiredString("endpoint_id");
        endpointById(endpointId);
        String type = m.requiredString("resource_type");
        String resourceId = m.requiredString("resource_id");
        long now = clock.millis();
        ObjectNode binding = Json.object().put("endpoint_id", endpointId).put("resource_type", type)
                .put("resource_id", resourceId).put("created_at", now).put("last_updated_at", now);
        m.string("created_by").ifPresent(by -> binding.put("created_by", by).put("last_updated_by", by));
        String id = endpointId + "|" + type + "|" + resourceId;
        store.insert(new GatewayDocument(BINDING, id, id, Json.writeString(binding), now, now));
        return binding;
    }

    public void deleteBinding(Message m) {
        String id = m.requiredString("endpoint_id") + "|" + m.requiredString("resource_type") + "|"
                + m.requiredString("resource_id");
        if (!store.delete(BINDING, id)) {
            throw OspreyException.notFound("No binding of endpoint " + m.requiredString("endpoint_id") + " to "
                    + m.requiredString("resource_type") + " " + m.requiredString("resource_id") + ".");
        }
    }

    /** Bindings, filtered by any of endpoint id, resource type and resource id. */
    public List<JsonNode> listBindings(Message m) {
        Optional<String> endpointId = m.string("endpoint_id").filter(s -> !s.isEmpty());
        Optional<String> type = m.string("resource_type").filter(s -> !s.isEmpty());
        Optional<String> resourceId = m.string("resource_id").filter(s -> !s.isEmpty());
        return store.list(BINDING).stream().map(GatewayConfigService::parse)
                .filter(b -> endpointId.isEmpty() || endpointId.get().equals(b.path("endpoint_id").asText()))
                .filter(b -> type.isEmpty() || type.get().equals(b.path("resource_type").asText()))
                .filter(b -> resourceId.isEmpty() || resourceId.get().equals(b.path("resource_id").asText()))
                .toList();
    }

    public List<GatewayEndpoint> listEndpoints(Message m) {
        Optional<String> provider = m.string("provider").filter(p -> !p.isEmpty());
        Optional<String> secretId = m.string("secret_id").filter(p -> !p.isEmpty());
        if (provider.isEmpty() && secretId.isEmpty()) {
            return endpoints();
        }
        List<String> definitions = listModelDefinitions(m).stream().map(ModelDefinition::modelDefinitionId).toList();
        return endpoints().stream().filter(e -> e.mappings().stream()
                .anyMatch(mm -> definitions.contains(mm.modelDefinitionId()))).toList();
    }

    public ModelMapping attachModel(Message m) {
        GatewayEndpoint e = endpointById(m.requiredString("endpoint_id"));
        Message config = m.message("model_config").orElseThrow(() -> Message.missing("model_config"));
        long now = clock.millis();
        ModelMapping mapping = mapping(config, m.string("created_by"), now);
        List<ModelMapping> next = new ArrayList<>(e.mappings());
        next.add(mapping);
        save(e.withMappings(next, e.audit().updated(now, m.string("created_by"))));
        return mapping;
    }

    public void detachModel(Message m) {
        GatewayEndpoint e = endpointById(m.requiredString("endpoint_id"));
        String definitionId = m.requiredString("model_definition_id");
        List<ModelMapping> next = e.mappings().stream().filter(mm -> !mm.modelDefinitionId().equals(definitionId))
                .toList();
        if (next.size() == e.mappings().size()) {
            throw OspreyException.notFound("Model definition " + definitionId + " is not attached to endpoint "
                    + e.endpointId() + ".");
        }
        save(e.withMappings(next, e.audit().updated(clock.millis(), Optional.empty())));
    }

    public void setTag(Message m) {
        GatewayEndpoint e = endpointById(m.requiredString("endpoint_id"));
        Map<String, String> tags = new LinkedHashMap<>(e.tags());
        tags.put(m.requiredString("key"), m.string("value").orElse(""));
        save(e.withTags(tags, e.audit().updated(clock.millis(), Optional.empty())));
    }

    public void deleteTag(Message m) {
        GatewayEndpoint e = endpointById(m.requiredString("endpoint_id"));
        Map<String, String> tags = new LinkedHashMap<>(e.tags());
        tags.remove(m.requiredString("key"));
        save(e.withTags(tags, e.audit().updated(clock.millis(), Optional.empty())));
    }

    // ------------------------------------------------------------------ budgets

    public BudgetPolicy createBudget(Message m) {
        String id = "bp-" + UUID.randomUUID().toString().replace("-", "");
        BudgetPolicy p = budget(m, id, Audit.created(clock.millis(), m.string("created_by")), Optional.empty());
        store.insert(new GatewayDocument(BUDGET, id, id, Json.writeString(GatewayCodec.budget(p)), clock.millis(),
                clock.millis()));
        reload();
        return p;
    }

    private BudgetPolicy budget(Message m, String id, Audit audit, Optional<BudgetPolicy> current) {
        double amount = m.doubleValue("budget_amount").orElseGet(() -> current.map(BudgetPolicy::amount)
                .orElseThrow(() -> Message.missing("budget_amount")));
        if (!(amount > 0) || Double.isInfinite(amount)) {
            throw OspreyException.invalid("'budget_amount' must be a positive number, got " + amount + ".");
        }
        Optional<Message> duration = m.message("duration");
        BudgetPolicy.DurationUnit unit = duration.flatMap(d -> d.string("unit")).map(u -> parseEnum(
                BudgetPolicy.DurationUnit.class, "duration.unit", u)).or(() -> current.map(BudgetPolicy::durationUnit))
                .orElseThrow(() -> Message.missing("duration.unit"));
        long value = duration.flatMap(d -> d.int64("value").stream().boxed().findFirst())
                .orElseGet(() -> current.map(c -> (long) c.durationValue()).orElse(1L));
        if (value < 1 || value > 1000) {
            throw OspreyException.invalid("'duration.value' must be 1 to 1000, got " + value + ".");
        }
        BudgetPolicy.Scope scope = m.string("target_scope").filter(s -> !s.isEmpty())
                .map(s -> parseEnum(BudgetPolicy.Scope.class, "target_scope", s))
                .or(() -> current.map(BudgetPolicy::scope)).orElse(BudgetPolicy.Scope.GLOBAL);
        Optional<String> target = m.string("target_value").filter(s -> !s.isEmpty())
                .or(() -> current.flatMap(BudgetPolicy::targetValue));
        if ((scope == BudgetPolicy.Scope.ENDPOINT || scope == BudgetPolicy.Scope.USER) && target.isEmpty()) {
            throw OspreyException.invalid("'target_value' is required for target_scope " + scope + ".");
        }
        BudgetPolicy.Action action = m.string("budget_action").filter(s -> !s.isEmpty())
                .map(s -> parseEnum(BudgetPolicy.Action.class, "budget_action", s))
                .or(() -> current.map(BudgetPolicy::action)).orElse(BudgetPolicy.Action.REJECT);
        String unitName = m.string("budget_unit").orElse("USD");
        if (!unitName.isEmpty() && !unitName.equalsIgnoreCase("USD")) {
            throw OspreyException.invalid("Invalid 'budget_unit' '" + unitName + "': only USD is supported.");
        }
        return new BudgetPolicy(id, amount, unit, (int) value, scope, target, action, audit);
    }

    public BudgetPolicy getBudget(String id) {
        return GatewayCodec.budgetFromStore(parse(store.get(BUDGET, id)
                .orElseThrow(() -> notFound("GatewayBudgetPolicy", "budget_policy_id", id))));
    }

    public BudgetPolicy updateBudget(Message m) {
        BudgetPolicy current = getBudget(m.requiredString("budget_policy_id"));
        BudgetPolicy next = budget(m, current.budgetPolicyId(), current.audit().updated(clock.millis(),
                m.string("updated_by")), Optional.of(current));
        store.update(new GatewayDocument(BUDGET, next.budgetPolicyId(), next.budgetPolicyId(),
                Json.writeString(GatewayCodec.budget(next)), next.audit().createdAt(), next.audit().updatedAt()));
        reload();
        return next;
    }

    public void deleteBudget(String id) {
        getBudget(id);
        store.delete(BUDGET, id);
        reload();
    }

    public List<BudgetPolicy> listBudgets() {
        return store.list(BUDGET).stream().map(d -> GatewayCodec.budgetFromStore(parse(d)))
                .sorted(Comparator.comparingLong(p -> p.audit().createdAt())).toList();
    }
}
