package dev.osprey.gateway.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A named gateway endpoint: the models it routes to (PRIMARY ones share traffic by weight, FALLBACK ones are tried in
 * {@code fallbackOrder} when a call fails), where its traces go, Osprey's limits and the workspace it is in (its
 * calls count towards that workspace's usage and budgets).
 */
public record GatewayEndpoint(String endpointId, String name, List<ModelMapping> mappings, String routingStrategy,
        Optional<FallbackConfig> fallback, Optional<String> experimentId, boolean usageTracking,
        Map<String, String> tags, Limits limits, Audit audit, String workspace) {

    public static final String TRAFFIC_SPLIT = "REQUEST_BASED_TRAFFIC_SPLIT";

    public GatewayEndpoint {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(name, "name");
        mappings = List.copyOf(mappings);
        Objects.requireNonNull(routingStrategy, "routingStrategy");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(experimentId, "experimentId");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(workspace, "workspace");
    }

    public enum Linkage {
        PRIMARY,
        FALLBACK
    }

    /** One model attached to the endpoint. */
    public record ModelMapping(String mappingId, String modelDefinitionId, Linkage linkage, double weight,
            int fallbackOrder, long createdAt, Optional<String> createdBy) {
        public ModelMapping {
            Objects.requireNonNull(mappingId, "mappingId");
            Objects.requireNonNull(modelDefinitionId, "modelDefinitionId");
            Objects.requireNonNull(linkage, "linkage");
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }

    /** MLflow's fallback settings: strategy SEQUENTIAL, at most {@code maxAttempts} fallbacks after the primary. */
    public record FallbackConfig(String strategy, int maxAttempts) {}

    /**
     * Osprey's per-endpoint limits; 0 means none. Per-user limits apply to each caller separately.
     *
     * @param timeoutMs per-attempt timeout for the upstream call (first byte for streams)
     * @param retries extra attempts on the same model after a retryable failure, with jittered backoff
     */
    public record Limits(long requestsPerMinute, long tokensPerMinute, long userRequestsPerMinute,
            long userTokensPerMinute, long timeoutMs, int retries) {
        public static final Limits NONE = new Limits(0, 0, 0, 0, 0, 0);
    }

    public GatewayEndpoint withMappings(List<ModelMapping> next, Audit changed) {
        return new GatewayEndpoint(endpointId, name, next, routingStrategy, fallback, experimentId, usageTracking,
                tags, limits, changed, workspace);
    }

    public GatewayEndpoint withTags(Map<String, String> next, Audit changed) {
        return new GatewayEndpoint(endpointId, name, mappings, routingStrategy, fallback, experimentId, usageTracking,
                next, limits, changed, workspace);
    }
}
