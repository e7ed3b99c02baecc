package dev.osprey.cli;

import dev.osprey.client.GatewayClient;
import dev.osprey.client.OspreyClient;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** Servers for tests whose models are a loopback mock behind the server's own gateway. */
final class GatewayServers {
    private GatewayServers() {}

    /** A server on a fresh SQLite database, with a new gateway key, that may reach loopback providers. */
    static OspreyServer start(String name) throws IOException {
        Path dir = Files.createTempDirectory("osprey-" + name);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true,
                        Optional.of(KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test")))));
    }

    /** The gateway endpoint {@code name} in front of the mock's OpenAI API ({@code <mock>/v1}). */
    static void endpoint(OspreyClient client, String name, String mockBaseUrl) {
        GatewayClient gateway = client.gateway();
        String secret = gateway.createSecret(name + "-key", "openai", Map.of("api_key", "sk-test"),
                Map.of("api_base", mockBaseUrl + "/v1")).secretId();
        gateway.createEndpoint(GatewayClient.EndpointSpec.named(name).primary(gateway.createModelDefinition(
                name + "-model", secret, "openai", "gpt-test").modelDefinitionId(), 1.0));
    }
}
