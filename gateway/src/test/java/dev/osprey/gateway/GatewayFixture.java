package dev.osprey.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.usage.GatewayMetrics;
import dev.osprey.gateway.usage.UsageRecorder;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** A gateway over a real SQLite store, allowed to call local mock providers. */
public final class GatewayFixture implements AutoCloseable {
    public final StorageComponent store;
    public final KeyEncryptionKey kek;
    public final GatewayConfigService config;
    public final Gateway gateway;
    public final UsageRecorder usage;

    public GatewayFixture() throws IOException {
        store = Stores.open("sqlite:///" + Files.createTempDirectory("osprey-gw") + "/osprey.db");
        kek = KeyEncryptionKey.parse(randomKey(), "test");
        UrlGuard guard = new UrlGuard(List.of(), "Provider base URL", "", true);
        Budgets budgets = new Budgets(store.gateway(), System::currentTimeMillis);
        config = new GatewayConfigService(store.gateway(), Optional.of(kek), guard, Clock.systemUTC(), budgets,
                (name, ws) -> "0");
        usage = new UsageRecorder(store.gateway(), 10_000, List.of());
        gateway = new Gateway(config, Gateway.defaultClient(guard), guard, budgets, usage, new GatewayMetrics(),
                (model, in, out) -> (in * 1.0 + out * 2.0) / 1_000_000, Clock.systemUTC());
    }

    public static String randomKey() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    public static Message message(ObjectNode json) {
        return Message.ofJson(json);
    }

    /** Creates a secret and a model definition; returns the model definition id. */
    public String model(String provider, String modelName, String apiKey, String apiBase) {
        return model(provider, modelName, java.util.Map.of("api_key", apiKey), apiBase);
    }

    /** As {@link #model(String, String, String, String)} with any secret values (AWS keys for Bedrock). */
    public String model(String provider, String modelName, java.util.Map<String, String> values, String apiBase) {
        ObjectNode secret = Json.object().put("secret_name", "sec-" + provider + "-" + System.nanoTime())
                .put("provider", provider);
        ObjectNode secretValue = secret.putObject("secret_value");
        values.forEach(secretValue::put);
        secret.putObject("auth_config").put("api_base", apiBase);
        String secretId = config.secrets().create(message(secret)).secretId();
        return config.modelDefinitions().create(message(Json.object().put("name", "md-" + System.nanoTime())
                .put("secret_id", secretId).put("provider", provider).put("model_name", modelName)))
                .modelDefinitionId();
    }

    /** Creates an endpoint over PRIMARY models (equal weights) and FALLBACK models (in order). */
    public String endpoint(String name, List<String> primaries, List<String> fallbacks, ObjectNode extra) {
        ObjectNode body = extra.deepCopy().put("name", name);
        ArrayNode configs = body.putArray("model_configs");
        primaries.forEach(id -> configs.addObject().put("model_definition_id", id).put("linkage_type", "PRIMARY")
                .put("weight", 1.0));
        List<String> ordered = new ArrayList<>(fallbacks);
        for (int i = 0; i < ordered.size(); i++) {
            configs.addObject().put("model_definition_id", ordered.get(i)).put("linkage_type", "FALLBACK")
                    .put("fallback_order", i + 1);
        }
        if (!fallbacks.isEmpty() && !body.has("fallback_config")) {
            body.putObject("fallback_config").put("strategy", "SEQUENTIAL").put("max_attempts", fallbacks.size());
        }
        return config.endpoints().create(message(body)).endpointId();
    }

    public static ObjectNode chat(String text) {
        ObjectNode body = Json.object();
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    @Override
    public void close() {
        usage.close();
        store.close();
    }
}
