package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.protocol.Json;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Server tests whose judges call a mock OpenAI through the server's own gateway endpoint {@code judge}. */
final class JudgeGateway {
    private JudgeGateway() {}

    static byte[] newKek() {
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        return kek;
    }

    /** A server on the SQLite database in {@code dir} that may reach a loopback mock provider. */
    static ServerConfig config(Path dir, byte[] kek) {
        return new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db", Optional.empty(),
                dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true,
                        Optional.of(KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(kek), "test"))));
    }

    /** Creates the gateway endpoint {@code judge} in front of the mock's model {@code gpt-judge}. */
    static void create(RestClient api, String mockBaseUrl) {
        String g = "/api/3.0/mlflow/gateway";
        ObjectNode secret = Json.object().put("secret_name", "judge-key").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", "sk-judge");
        secret.putObject("auth_config").put("api_base", mockBaseUrl + "/v1");
        String secretId = ok(api.post(g + "/secrets/create", secret.toString())).at("/secret/secret_id").asText();
        String model = ok(api.post(g + "/model-definitions/create", Json.object().put("name", "judge-model")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-judge").toString()))
                .at("/model_definition/model_definition_id").asText();
        ObjectNode endpoint = Json.object().put("name", "judge");
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        ok(api.post(g + "/endpoints/create", endpoint.toString()));
    }

    static com.fasterxml.jackson.databind.JsonNode ok(RestClient.Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached in 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
