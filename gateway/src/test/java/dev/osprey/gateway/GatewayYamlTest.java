package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MLflow's deployments-server YAML applied to the gateway, idempotently, with credentials from the environment. */
class GatewayYamlTest {

    private static Path yaml(Path dir, String base, String period) throws Exception {
        return Files.writeString(dir.resolve("gateway.yaml"), """
                endpoints:
                  - name: chat
                    endpoint_type: llm/v1/chat
                    model:
                      provider: openai
                      name: gpt-4o-mini
                      config:
                        openai_api_key: $TEST_OPENAI_KEY
                        openai_api_base: %s/v1
                    limit:
                      renewal_period: %s
                      calls: 2
                """.formatted(base, period));
    }

    @Test
    void endpointsFromYaml_serveCallsAndReapplyInPlace(@TempDir Path dir) throws Exception {
        try (GatewayFixture fx = new GatewayFixture(); MockProvider mock = new MockProvider()) {
            Map<String, String> env = Map.of("TEST_OPENAI_KEY", "sk-from-env-0123456789");
            assertThat(GatewayYaml.apply(yaml(dir, mock.baseUrl(), "minute"), fx.config, env)).isEqualTo(1);
            assertThat(GatewayYaml.apply(yaml(dir, mock.baseUrl(), "minute"), fx.config, env)).isEqualTo(1);
            assertThat(fx.config.endpoints().list(Message.empty())).hasSize(1);
            assertThat(fx.config.secrets().list(Message.empty())).hasSize(1);
            var endpoint = fx.config.endpoints().list(Message.empty()).get(0);
            assertThat(endpoint.limits().requestsPerMinute()).isEqualTo(2);
            assertThat(endpoint.tags()).containsEntry("endpoint_type", "llm/v1/chat");

            fx.gateway.invoke(new Invocation("chat", Operation.CHAT, GatewayFixture.chat("hi"), "u", false,
                    Optional.empty()));
            assertThat(mock.last().header("Authorization")).isEqualTo("Bearer sk-from-env-0123456789");
            assertThat(mock.last().body().path("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(Files.readString(dir.resolve("gateway.yaml"))).doesNotContain("sk-from-env");
        }
    }

    @Test
    void badYaml_namesTheEndpointAndWhatToFix(@TempDir Path dir) throws Exception {
        try (GatewayFixture fx = new GatewayFixture()) {
            assertThatThrownBy(() -> GatewayYaml.apply(yaml(dir, "http://127.0.0.1:1", "minute"), fx.config,
                    Map.of())).hasMessageContaining("endpoint 'chat'").hasMessageContaining("$TEST_OPENAI_KEY");
            assertThatThrownBy(() -> GatewayYaml.apply(yaml(dir, "http://127.0.0.1:1", "hour"), fx.config,
                    Map.of("TEST_OPENAI_KEY", "k"))).hasMessageContaining("renewal_period");
            Path empty = Files.writeString(dir.resolve("empty.yaml"), "routes: []\n");
            assertThatThrownBy(() -> GatewayYaml.apply(empty, fx.config, Map.of()))
                    .hasMessageContaining("'endpoints'");
        }
    }
}
