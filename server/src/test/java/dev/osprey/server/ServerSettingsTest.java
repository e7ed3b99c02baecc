package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServerSettingsTest {
    private static Properties props(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    @Test
    void variablesAndProperties_becomeTypedValues() {
        ServerSettings s = ServerSettings.from(Map.of("OSPREY_MODEL_PRICES", "/etc/prices.json",
                "OSPREY_GATEWAY_ALLOWED_HOSTS", " ollama:11434, ,internal ", "OSPREY_GATEWAY_HTTP_CLIENT", "JDK",
                "OPENAI_API_KEY", "sk-secret", "OSPREY_WEBHOOK_ALLOWED_HOSTS", "hooks.local"),
                props("osprey.db.pool.size", "7", "osprey.db.connection-timeout-ms", "1500",
                        "osprey.webhook.initialBackoffMillis", "20", "user.home", "/home/x"));
        assertThat(s.modelPrices()).contains(Path.of("/etc/prices.json"));
        assertThat(s.gatewayAllowedHosts()).containsExactly("ollama:11434", "internal");
        assertThat(s.gatewayHttpClient()).isEqualTo("jdk");
        assertThat(s.store().poolSize()).isEqualTo(7);
        assertThat(s.store().connectionTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.webhooks().allowedHosts()).containsExactly("hooks.local");
        assertThat(s.webhooks().initialBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(s.webhooks().home()).isEqualTo(Path.of("/home/x"));
        assertThat(s.judges().openAiApiKey()).contains("sk-secret");
        assertThat(s.toString()).as("secrets never printed").doesNotContain("sk-secret");
    }

    @Test
    void malformedValues_areRefusedAtStart_withWhatToSet() {
        assertThatThrownBy(() -> ServerSettings.from(Map.of("OSPREY_GATEWAY_HTTP_CLIENT", "curl"), props()))
                .hasMessageContaining("OSPREY_GATEWAY_HTTP_CLIENT takes helidon or jdk");
        assertThatThrownBy(() -> ServerSettings.from(Map.of(
                "MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX", "(unclosed"), props()))
                .hasMessageContaining("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX is not a valid");
        assertThatThrownBy(() -> ServerSettings.from(Map.of(), props("osprey.db.pool.size", "many")))
                .hasMessageContaining("-Dosprey.db.pool.size takes a whole number");
        assertThatThrownBy(() -> ServerSettings.from(Map.of(), props("osprey.db.pool.size", "0")))
                .hasMessageContaining("at least 1");
    }
}
