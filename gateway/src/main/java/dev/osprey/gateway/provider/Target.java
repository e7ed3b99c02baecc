package dev.osprey.gateway.provider;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One model to call, resolved from a model definition and its secret. {@code credentials} are the opened secret
 * values: they live only in memory and are left out of {@link #toString()}.
 */
public record Target(String provider, String modelName, String modelDefinitionId, Map<String, String> credentials,
        Map<String, String> authConfig) {
    public Target {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelDefinitionId, "modelDefinitionId");
        credentials = Map.copyOf(credentials);
        authConfig = Map.copyOf(authConfig);
    }

    /** A setting from the auth config, else from the secret (MLflow accepts some in either place). */
    public Optional<String> setting(String key) {
        String v = authConfig.get(key);
        if (v == null || v.isBlank()) {
            v = credentials.get(key);
        }
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    /** The {@code api_base} setting, else {@code defaultBase}, without a trailing slash. */
    public String apiBase(String defaultBase) {
        String base = setting("api_base").orElse(defaultBase);
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** The API key: {@code api_key}, or the only value of a one-value secret. */
    public Optional<String> apiKey() {
        String v = credentials.get("api_key");
        if (v == null && credentials.size() == 1) {
            v = credentials.values().iterator().next();
        }
        return Optional.ofNullable(v).filter(s -> !s.isBlank());
    }

    @Override
    public String toString() {
        return "Target[" + provider + "/" + modelName + "]";
    }
}
