package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.gateway.crypto.Envelope;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.crypto.SealedSecret;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Secrets are sealed per secret, bound to their id, re-wrapped on rotation and never stored or shown in clear. */
class SecretsTest {
    private static final String API_KEY = "sk-live-SECRET-abcdef0123456789";

    @Test
    void envelope_roundTripsAndBindsTheSecretId() {
        KeyEncryptionKey kek = KeyEncryptionKey.parse(GatewayFixture.randomKey(), "t");
        SealedSecret sealed = Envelope.seal(kek, "s-1", API_KEY.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(Envelope.open(kek, "s-1", sealed), StandardCharsets.UTF_8)).isEqualTo(API_KEY);
        assertThat(sealed.ciphertext() + sealed.wrappedKey()).doesNotContain(API_KEY);
        assertThatThrownBy(() -> Envelope.open(kek, "s-2", sealed)).hasMessageContaining("does not open");
        KeyEncryptionKey other = KeyEncryptionKey.parse(GatewayFixture.randomKey(), "t");
        assertThatThrownBy(() -> Envelope.open(other, "s-1", sealed)).hasMessageContaining("rotate-kek");
        SealedSecret rewrapped = Envelope.rewrap(kek, other, "s-1", sealed);
        assertThat(rewrapped.ciphertext()).isEqualTo(sealed.ciphertext());
        assertThat(rewrapped.kekId()).isEqualTo(other.id());
        assertThat(new String(Envelope.open(other, "s-1", rewrapped), StandardCharsets.UTF_8)).isEqualTo(API_KEY);
    }

    @Test
    void kek_comesFromEnvOrFileAndBadKeysSayHowToFixThem(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        String key = GatewayFixture.randomKey();
        Path file = dir.resolve("kek");
        Files.writeString(file, key + "\n");
        assertThat(KeyEncryptionKey.fromEnvironment(Map.of(KeyEncryptionKey.FILE_ENV, file.toString())).orElseThrow()
                .id()).isEqualTo(KeyEncryptionKey.parse(key, "x").id());
        assertThat(KeyEncryptionKey.fromEnvironment(Map.of())).isEmpty();
        assertThatThrownBy(() -> KeyEncryptionKey.fromEnvironment(Map.of(KeyEncryptionKey.ENV, "c2hvcnQ=")))
                .hasMessageContaining("32 bytes").hasMessageContaining("openssl rand -base64 32");
        assertThat(KeyEncryptionKey.parse(key, "x").toString()).doesNotContain(key);
    }

    @Test
    void mask_showsOnlyAPrefixAndTheLastFour() {
        assertThat(GatewaySecret.mask("sk-abcdefghijklmnop")).isEqualTo("sk-...mnop");
        assertThat(GatewaySecret.mask("short")).isEqualTo("*****");
    }

    @Test
    void storedSecret_holdsNoPlaintext_andRotationKeepsItUsable() throws IOException {
        try (GatewayFixture fx = new GatewayFixture(); MockProvider mock = new MockProvider()) {
            ObjectNode body = Json.object().put("secret_name", "openai-prod").put("provider", "openai");
            body.putObject("secret_value").put("api_key", API_KEY);
            body.putObject("auth_config").put("api_base", mock.baseUrl() + "/v1");
            GatewaySecret secret = fx.config.secrets().create(GatewayFixture.message(body));
            assertThat(secret.maskedValues()).containsEntry("api_key", "sk-...6789");
            String stored = fx.store.gateway().get("secret", secret.secretId()).orElseThrow().body();
            assertThat(stored).doesNotContain(API_KEY).doesNotContain("SECRET-abcdef");

            KeyEncryptionKey next = KeyEncryptionKey.parse(GatewayFixture.randomKey(), "t");
            assertThat(fx.config.secrets().rotateKek(fx.kek, next)).isEqualTo(1);
            assertThat(fx.config.secrets().rotateKek(fx.kek, next)).as("already rotated").isZero();
            UrlGuard guard = new UrlGuard(List.of(), "Provider base URL", "", true);
            GatewayConfigService reopened = new GatewayConfigService(fx.store.gateway(), Optional.of(next), guard,
                    Clock.systemUTC(), new Budgets(fx.store.gateway(), System::currentTimeMillis), (n, ws) -> "0");
            String modelId = reopened.modelDefinitions().create(GatewayFixture.message(Json.object().put("name", "m")
                    .put("secret_id", secret.secretId()).put("provider", "openai").put("model_name", "gpt")))
                    .modelDefinitionId();
            assertThat(reopened.endpoint(dev.osprey.store.WorkspaceStore.DEFAULT, "x")).isEmpty();
            ObjectNode endpoint = Json.object().put("name", "rotated");
            endpoint.putArray("model_configs").addObject().put("model_definition_id", modelId);
            reopened.endpoints().create(GatewayFixture.message(endpoint));
            assertThat(reopened.endpoint(dev.osprey.store.WorkspaceStore.DEFAULT, "rotated").orElseThrow().models().get(0).target()).isPresent()
                    .hasValueSatisfying(t -> assertThat(t.apiKey()).contains(API_KEY));
        }
    }

    @Test
    void withoutKek_secretsAreRefusedWithInstructions() throws IOException {
        try (GatewayFixture fx = new GatewayFixture()) {
            GatewayConfigService noKey = new GatewayConfigService(fx.store.gateway(), Optional.empty(),
                    new UrlGuard(List.of(), "Provider base URL", "", false), Clock.systemUTC(),
                    new Budgets(fx.store.gateway(), System::currentTimeMillis), (n, ws) -> "0");
            ObjectNode body = Json.object().put("secret_name", "x");
            body.putObject("secret_value").put("api_key", API_KEY);
            assertThatThrownBy(() -> noKey.secrets().create(GatewayFixture.message(body)))
                    .isInstanceOfSatisfying(OspreyException.class, e -> {
                        assertThat(e.errorCode()).isEqualTo(ErrorCode.FEATURE_DISABLED);
                        assertThat(e.getMessage()).contains("OSPREY_GATEWAY_KEK").doesNotContain(API_KEY);
                    });
        }
    }

    @Test
    void privateBaseUrls_areRefusedUnlessAllowed() throws IOException {
        try (GatewayFixture fx = new GatewayFixture()) {
            GatewayConfigService guarded = new GatewayConfigService(fx.store.gateway(), Optional.of(fx.kek),
                    new UrlGuard(List.of(), "Provider base URL", "Use --gateway-allow-private-targets.", false),
                    Clock.systemUTC(), new Budgets(fx.store.gateway(), System::currentTimeMillis), (n, ws) -> "0");
            for (String base : List.of("http://127.0.0.1:8080/v1", "http://2130706433/v1", "http://0x7f000001/v1",
                    "http://[::ffff:127.0.0.1]/v1", "http://169.254.169.254/latest", "http://10.0.0.8/v1")) {
                ObjectNode body = Json.object().put("secret_name", "s" + base.hashCode());
                body.putObject("secret_value").put("api_key", API_KEY);
                body.putObject("auth_config").put("api_base", base);
                assertThatThrownBy(() -> guarded.secrets().create(GatewayFixture.message(body)))
                        .as(base).isInstanceOfSatisfying(OspreyException.class, e -> {
                            assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE);
                            assertThat(e.getMessage()).doesNotContain(API_KEY);
                        });
            }
        }
    }
}
