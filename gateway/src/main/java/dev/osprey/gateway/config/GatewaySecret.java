package dev.osprey.gateway.config;

import dev.osprey.gateway.crypto.SealedSecret;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Provider credentials. The values exist here only sealed; {@code maskedValues} (e.g. {@code sk-...xyz1}) is all a
 * client ever sees of them. {@code authConfig} holds non-secret settings such as {@code api_base}.
 */
public record GatewaySecret(String secretId, String name, Optional<String> provider, Map<String, String> maskedValues,
        Map<String, String> authConfig, SealedSecret sealed, Audit audit) {
    public GatewaySecret {
        Objects.requireNonNull(secretId, "secretId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        maskedValues = Map.copyOf(maskedValues);
        authConfig = Map.copyOf(authConfig);
        Objects.requireNonNull(sealed, "sealed");
        Objects.requireNonNull(audit, "audit");
    }

    /** How a secret value is shown: a short prefix and the last four characters, or only stars when short. */
    public static String mask(String value) {
        if (value.length() < 12) {
            return "*".repeat(Math.min(value.length(), 8));
        }
        return value.substring(0, 3) + "..." + value.substring(value.length() - 4);
    }
}
