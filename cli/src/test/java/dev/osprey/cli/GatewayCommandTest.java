package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code osprey gateway rotate-kek}: secrets stay usable with the new key only, all or nothing. */
class GatewayCommandTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private static Path keyFile(Path dir, String name) throws Exception {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Files.writeString(dir.resolve(name), Base64.getEncoder().encodeToString(raw));
    }

    private static OspreyServer server(Path dir, Path kek) {
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true, Optional.of(KeyEncryptionKey.fromFile(kek,
                        "test")))));
    }

    private HttpResponse<String> post(OspreyServer server, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private HttpResponse<String> chat(OspreyServer server) throws Exception {
        return post(server, "/gateway/mlflow/v1/chat/completions",
                "{\"model\": \"chat\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
    }

    @Test
    void rotateKek_rewrapsEverySecretForTheNewKey() throws Exception {
        Path dir = Files.createTempDirectory("osprey-rotate");
        Path oldKey = keyFile(dir, "old.key");
        Path newKey = keyFile(dir, "new.key");
        Path strayKey = keyFile(dir, "stray.key");
        try (MockProvider mock = new MockProvider()) {
            try (OspreyServer server = server(dir, oldKey)) {
                ObjectNode secret = Json.object().put("secret_name", "openai").put("provider", "openai");
                secret.putObject("secret_value").put("api_key", "sk-rotate-0123456789abcdef");
                secret.putObject("auth_config").put("api_base", mock.baseUrl() + "/v1");
                String secretId = ok(post(server, "/api/3.0/mlflow/gateway/secrets/create", secret.toString()))
                        .at("/secret/secret_id").asText();
                String model = ok(post(server, "/api/3.0/mlflow/gateway/model-definitions/create", Json.object()
                        .put("name", "m").put("secret_id", secretId).put("provider", "openai")
                        .put("model_name", "gpt").toString())).at("/model_definition/model_definition_id").asText();
                ObjectNode endpoint = Json.object().put("name", "chat");
                endpoint.putArray("model_configs").addObject().put("model_definition_id", model);
                ok(post(server, "/api/3.0/mlflow/gateway/endpoints/create", endpoint.toString()));
                assertThat(chat(server).statusCode()).isEqualTo(200);
            }
            String backend = "sqlite:///" + dir + "/osprey.db";

            CliRun wrong = CliRun.of("gateway", "rotate-kek", "--backend-store-uri", backend, "--current-kek-file",
                    strayKey.toString(), "--new-kek-file", newKey.toString());
            assertThat(wrong.code()).isEqualTo(1);
            assertThat(wrong.err()).contains("Nothing was changed");

            CliRun rotated = CliRun.of("gateway", "rotate-kek", "--backend-store-uri", backend, "--current-kek-file",
                    oldKey.toString(), "--new-kek-file", newKey.toString());
            assertThat(rotated.code()).as(rotated.err()).isZero();
            assertThat(rotated.out()).contains("Re-wrapped 1 gateway secret");

            try (OspreyServer server = server(dir, newKey)) {
                HttpResponse<String> answer = chat(server);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            }
            try (OspreyServer server = server(dir, oldKey)) {
                HttpResponse<String> refused = chat(server);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(Json.read(refused.body()).path("detail").asText()).contains("rotate-kek");
            }
        }
    }

    @Test
    void rotateKek_withoutNewKeyFile_isAUsageError() {
        assertThat(CliRun.of("gateway", "rotate-kek").code()).isEqualTo(2);
    }
}
