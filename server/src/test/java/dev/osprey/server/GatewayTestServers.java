package dev.osprey.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Servers for tests (of this module, the SDK and the CLI) whose models are a loopback mock behind the server's own
 * gateway.
 */
public final class GatewayTestServers {
    private GatewayTestServers() {}

    /** A server on a fresh SQLite database, with a new gateway key, that may reach loopback providers. */
    public static OspreyServer start(String name) throws IOException {
        Path dir = Files.createTempDirectory("osprey-" + name);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true,
                        Optional.of(KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test")))));
    }

    /** Creates the gateway endpoint {@code name} of the server at {@code baseUrl} in front of the mock's OpenAI API. */
    public static void endpoint(String baseUrl, String name, String mockBaseUrl) throws Exception {
        String g = baseUrl + "/api/3.0/mlflow/gateway";
        ObjectNode secret = Json.object().put("secret_name", name + "-key").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", "sk-test");
        secret.putObject("auth_config").put("api_base", mockBaseUrl + "/v1");
        String secretId = post(g + "/secrets/create", secret).at("/secret/secret_id").asText();
        String model = post(g + "/model-definitions/create", Json.object().put("name", name + "-model")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-test"))
                .at("/model_definition/model_definition_id").asText();
        ObjectNode endpoint = Json.object().put("name", name);
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        post(g + "/endpoints/create", endpoint);
    }

    private static com.fasterxml.jackson.databind.JsonNode post(String url, ObjectNode body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + url + " -> " + r.statusCode() + ": " + r.body());
        }
        return Json.read(r.body());
    }
}
