package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Java SDK's gateway client against the real server and mock providers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayClientTest {
    private OspreyServer server;
    private MockProvider healthy;
    private MockProvider failing;
    private GatewayClient gateway;

    @BeforeAll
    void start() throws Exception {
        healthy = new MockProvider();
        failing = new MockProvider().failNext(1_000_000, 429);
        Path dir = Files.createTempDirectory("osprey-gateway-sdk");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true,
                        Optional.of(KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test")))));
        gateway = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build().gateway();
    }

    @AfterAll
    void stop() {
        server.close();
        healthy.close();
        failing.close();
    }

    private String model(String name, MockProvider mock) {
        GatewayClient.SecretInfo secret = gateway.createSecret(name, "openai",
                Map.of("api_key", "sk-sdk-" + name + "-0123456789"), Map.of("api_base", mock.baseUrl() + "/v1"));
        assertThat(secret.maskedValues().get("api_key")).startsWith("sk-...").doesNotContain(name);
        return gateway.createModelDefinition(name + "-model", secret.secretId(), "openai", "gpt-" + name)
                .modelDefinitionId();
    }

    @Test
    void configureThenCall_plainStreamedAndEmbeddings_withFallbackAndUsage() {
        String primary = model("busy", failing);
        String backup = model("spare", healthy);
        GatewayClient.EndpointInfo endpoint = gateway.createEndpoint(GatewayClient.EndpointSpec.named("assistant")
                .primary(primary, 1.0).fallback(backup).usageTracking(Optional.empty()).timeoutMillis(5_000));
        assertThat(endpoint.models()).extracting(GatewayClient.ModelRoute::linkage)
                .containsExactly("PRIMARY", "FALLBACK");
        assertThat(endpoint.models().get(1).modelName()).isEqualTo("gpt-spare");
        assertThat(endpoint.experimentId()).isPresent();
        assertThat(gateway.getEndpoint("assistant").endpointId()).isEqualTo(endpoint.endpointId());

        assertThat(gateway.chat("assistant", "ping")).isEqualTo("echo: ping");
        ObjectNode request = Json.object();
        request.putArray("messages").addObject().put("role", "user").put("content", "stream");
        List<JsonNode> chunks = new ArrayList<>();
        assertThat(gateway.chatStream("assistant", request, chunks::add))
                .isEqualTo(String.join("", MockProvider.STREAM_PIECES));
        assertThat(chunks).isNotEmpty();
        List<double[]> vectors = gateway.embeddings("assistant", List.of("a", "b", "c"));
        assertThat(vectors).hasSize(3);
        assertThat(vectors.get(2)[0]).isEqualTo(0.3, org.assertj.core.data.Offset.offset(1e-9));

        server.gateway().usage().flush();
        GatewayClient.UsageRow usage = gateway.usage("endpoint").stream().filter(r -> r.key().equals("assistant"))
                .findFirst().orElseThrow();
        assertThat(usage.requests()).isEqualTo(3);
        assertThat(usage.inputTokens()).isEqualTo(3L * MockProvider.PROMPT_TOKENS);
        assertThat(gateway.listSecrets()).extracting(GatewayClient.SecretInfo::name).contains("busy", "spare");
    }

    @Test
    void errors_areTypedAndSayWhy() {
        model("dup", healthy);
        assertThatThrownBy(() -> gateway.createSecret("dup", "openai", Map.of("api_key", "x"), Map.of()))
                .isInstanceOf(OspreyClientException.AlreadyExists.class);
        assertThatThrownBy(() -> gateway.chat("no-such-endpoint", "hi"))
                .isInstanceOfSatisfying(OspreyClientException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("no-such-endpoint");
                });
        assertThatThrownBy(() -> gateway.getEndpoint("no-such-endpoint"))
                .isInstanceOf(OspreyClientException.NotFound.class);
    }
}
