package dev.osprey.gateway;

import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.config.BudgetPolicies;
import dev.osprey.gateway.config.ConfigDocuments;
import dev.osprey.gateway.config.EndpointBindings;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.config.GatewayEndpoint.ModelMapping;
import dev.osprey.gateway.config.GatewayEndpoints;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.gateway.config.GatewaySecrets;
import dev.osprey.gateway.config.ModelDefinition;
import dev.osprey.gateway.config.ModelDefinitions;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.Providers;
import dev.osprey.gateway.provider.Target;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.store.GatewayStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The gateway's configuration (spec/genai.md §6.1), one aggregate each — {@link #secrets()},
 * {@link #modelDefinitions()}, {@link #endpoints()}, {@link #bindings()}, {@link #budgetPolicies()} — and the
 * {@link Snapshot} invocations read. Every change rebuilds the snapshot, so the hot path never touches the database
 * or decrypts anything.
 */
public final class GatewayConfigService {
    private final ConfigDocuments docs;
    private final GatewaySecrets secrets;
    private final ModelDefinitions modelDefinitions;
    private final GatewayEndpoints endpoints;
    private final EndpointBindings bindings;
    private final BudgetPolicies budgetPolicies;
    private final Budgets budgets;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), List.of());

    /**
     * @param experimentForEndpoint the experiment id usage traces of an endpoint without one go to (created if
     *     needed), given the endpoint name and its workspace
     */
    public GatewayConfigService(GatewayStore store, Optional<KeyEncryptionKey> kek, UrlGuard guard, Clock clock,
            Budgets budgets, java.util.function.BiFunction<String, String, String> experimentForEndpoint) {
        this.docs = new ConfigDocuments(store, clock, this::reload);
        this.secrets = new GatewaySecrets(docs, kek, guard);
        this.modelDefinitions = new ModelDefinitions(docs, secrets);
        this.bindings = new EndpointBindings(docs);
        this.endpoints = new GatewayEndpoints(docs, modelDefinitions, bindings, experimentForEndpoint);
        this.budgetPolicies = new BudgetPolicies(docs);
        this.budgets = budgets;
        reload();
    }

    public GatewaySecrets secrets() {
        return secrets;
    }

    public ModelDefinitions modelDefinitions() {
        return modelDefinitions;
    }

    public GatewayEndpoints endpoints() {
        return endpoints;
    }

    public EndpointBindings bindings() {
        return bindings;
    }

    public BudgetPolicies budgetPolicies() {
        return budgetPolicies;
    }

    // ------------------------------------------------------------------ snapshot for invocations

    /**
     * One model of an endpoint, ready to call: its provider's adapter looked up once, here, not per request;
     * {@code target} is empty with a reason when it cannot be called.
     */
    public record ResolvedModel(ModelMapping mapping, ModelDefinition definition, ProviderAdapter adapter,
            Optional<Target> target, String unavailableReason) {}

    public record ResolvedEndpoint(GatewayEndpoint endpoint, List<ResolvedModel> models) {}

    /** An endpoint's name in its workspace (names are unique per workspace). */
    public record EndpointName(String workspace, String name) {}

    /** Immutable view of every endpoint by workspace and name. */
    public record Snapshot(Map<EndpointName, ResolvedEndpoint> byName, List<ResolvedEndpoint> all) {}

    public Snapshot snapshot() {
        return snapshot;
    }

    /** The endpoint of that name in the workspace. */
    public Optional<ResolvedEndpoint> endpoint(String workspace, String name) {
        return Optional.ofNullable(snapshot.byName().get(new EndpointName(workspace, name)));
    }

    /** Re-reads the configuration and rebuilds the snapshot (also for changes made by another server). */
    public synchronized void reload() {
        Map<String, GatewaySecret> secretsById = new LinkedHashMap<>();
        docs.secrets().forEach(s -> secretsById.put(s.secretId(), s));
        Map<String, ModelDefinition> models = new LinkedHashMap<>();
        docs.modelDefinitions().forEach(m -> models.put(m.modelDefinitionId(), m));
        Map<String, Target> targets = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        for (ModelDefinition m : models.values()) {
            GatewaySecret secret = secretsById.get(m.secretId());
            if (secret == null) {
                reasons.put(m.modelDefinitionId(), "its secret was deleted");
            } else if (!secrets.available()) {
                reasons.put(m.modelDefinitionId(), "no key-encryption key is configured to open its secret");
            } else {
                try {
                    targets.put(m.modelDefinitionId(), new Target(m.provider(), m.modelName(), m.modelDefinitionId(),
                            secrets.open(secret), secret.authConfig()));
                } catch (RuntimeException e) {
                    reasons.put(m.modelDefinitionId(), e.getMessage());
                }
            }
        }
        Map<EndpointName, ResolvedEndpoint> byName = new LinkedHashMap<>();
        List<ResolvedEndpoint> all = new ArrayList<>();
        for (GatewayEndpoint e : docs.endpoints()) {
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
            byName.put(new EndpointName(e.workspace(), e.name()), r);
            all.add(r);
        }
        budgets.setPolicies(docs.budgets());
        snapshot = new Snapshot(Map.copyOf(byName), List.copyOf(all));
    }
}
