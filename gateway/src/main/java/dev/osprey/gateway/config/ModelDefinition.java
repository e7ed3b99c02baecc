package dev.osprey.gateway.config;

import java.util.Objects;

/** A provider model reachable with a secret: what an endpoint routes to. */
public record ModelDefinition(String modelDefinitionId, String name, String secretId, String provider,
        String modelName, Audit audit) {
    public ModelDefinition {
        Objects.requireNonNull(modelDefinitionId, "modelDefinitionId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secretId, "secretId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(audit, "audit");
    }
}
