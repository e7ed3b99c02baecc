package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.osprey.core.OspreyException;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.config.ModelDefinition;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Static gateway setups from a YAML file in MLflow's deployments-server format, applied at start-up:
 *
 * <pre>
 * endpoints:
 *   - name: chat
 *     endpoint_type: llm/v1/chat
 *     model:
 *       provider: openai
 *       name: gpt-4o-mini
 *       config:
 *         openai_api_key: $OPENAI_API_KEY
 *     limit: {renewal_period: minute, calls: 60}
 * </pre>
 *
 * Each endpoint becomes a secret, a model definition and an endpoint named after it (secret and model definition
 * {@code yaml/<name>}); applying the file again updates them. Credentials come from {@code $VAR} references, so the
 * file itself holds none, and are sealed like any other secret.
 */
public final class GatewayYaml {
    private static final Pattern VARIABLE = Pattern.compile("^\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?$");

    private GatewayYaml() {}

    /** Applies every endpoint of the file; returns how many. Errors name the endpoint and the field. */
    public static int apply(Path file, GatewayConfigService config, Map<String, String> env) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw OspreyException.invalid("Cannot read gateway config " + file + ": " + e.getMessage());
        }
        if (root == null || !root.path("endpoints").isArray()) {
            throw OspreyException.invalid("Gateway config " + file + " needs a top-level 'endpoints' list.");
        }
        int applied = 0;
        for (JsonNode e : root.path("endpoints")) {
            String name = e.path("name").asText("");
            if (name.isEmpty()) {
                throw OspreyException.invalid("Gateway config " + file + ": an endpoint has no 'name'.");
            }
            try {
                applyEndpoint(name, e, config, env);
            } catch (OspreyException ex) {
                throw OspreyException.invalid("Gateway config " + file + ", endpoint '" + name + "': "
                        + ex.getMessage());
            }
            applied++;
        }
        return applied;
    }

    private static void applyEndpoint(String name, JsonNode e, GatewayConfigService config, Map<String, String> env) {
        JsonNode model = e.path("model");
        String provider = model.path("provider").asText("").toLowerCase(Locale.ROOT);
        String modelName = model.path("name").asText("");
        if (provider.isEmpty() || modelName.isEmpty()) {
            throw OspreyException.invalid("'model.provider' and 'model.name' are required.");
        }
        ObjectNode values = Json.object();
        ObjectNode authConfig = Json.object();
        model.path("config").properties().forEach(entry -> {
            String key = entry.getKey();
            String bare = key.startsWith(provider + "_") ? key.substring(provider.length() + 1)
                    : key.startsWith("openai_") ? key.substring("openai_".length()) : key;
            String value = resolve(entry.getValue().asText(), key, env);
            if (bare.contains("key") || bare.contains("secret") || bare.contains("token")) {
                values.put(bare, value);
            } else {
                authConfig.put(bare, value);
            }
        });
        if (values.isEmpty()) {
            values.put("api_key", "");
        }
        String resourceName = "yaml/" + name;
        String secretId = upsertSecret(config, resourceName, provider, values, authConfig);
        String definitionId = upsertModel(config, resourceName, secretId, provider, modelName);

        ObjectNode endpoint = Json.object().put("name", name);
        endpoint.putArray("model_configs").addObject().put("model_definition_id", definitionId)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        JsonNode limit = e.path("limit");
        if (limit.isObject()) {
            String period = limit.path("renewal_period").asText("minute");
            if (!period.equals("minute")) {
                throw OspreyException.invalid("'limit.renewal_period' must be 'minute', got '" + period + "'.");
            }
            endpoint.putObject("limits").put("requests_per_minute", limit.path("calls").asLong());
        }
        Optional<GatewayEndpoint> existing = config.endpoints().list(Message.empty()).stream()
                .filter(x -> x.name().equals(name) && x.workspace().equals(dev.osprey.store.WorkspaceStore.DEFAULT))
                .findFirst();
        GatewayEndpoint saved;
        if (existing.isPresent()) {
            endpoint.put("endpoint_id", existing.get().endpointId());
            saved = config.endpoints().update(Message.ofJson(endpoint));
        } else {
            saved = config.endpoints().create(Message.ofJson(endpoint));
        }
        String type = e.path("endpoint_type").asText("");
        if (!type.isEmpty()) {
            config.endpoints().setTag(Message.ofJson(Json.object().put("endpoint_id", saved.endpointId())
                    .put("key", "endpoint_type").put("value", type)));
        }
    }

    private static String resolve(String value, String key, Map<String, String> env) {
        Matcher m = VARIABLE.matcher(value.trim());
        if (!m.matches()) {
            return value;
        }
        String resolved = env.get(m.group(1));
        if (resolved == null) {
            throw OspreyException.invalid("'" + key + "' refers to $" + m.group(1) + ", which is not set.");
        }
        return resolved;
    }

    private static String upsertSecret(GatewayConfigService config, String name, String provider, ObjectNode values,
            ObjectNode authConfig) {
        ObjectNode body = Json.object();
        body.set("secret_value", values);
        body.set("auth_config", authConfig);
        try {
            String id = config.secrets().get(Message.ofJson(Json.object().put("secret_name", name)),
                    dev.osprey.store.WorkspaceStore.DEFAULT).secretId();
            body.put("secret_id", id);
            config.secrets().update(Message.ofJson(body));
            return id;
        } catch (OspreyException missing) {
            if (missing.errorCode() != dev.osprey.core.ErrorCode.RESOURCE_DOES_NOT_EXIST) {
                throw missing;
            }
            body.put("secret_name", name).put("provider", provider);
            return config.secrets().create(Message.ofJson(body)).secretId();
        }
    }

    private static String upsertModel(GatewayConfigService config, String name, String secretId, String provider,
            String modelName) {
        Optional<ModelDefinition> existing = config.modelDefinitions().list(Message.empty()).stream()
                .filter(d -> d.name().equals(name)).findFirst();
        ObjectNode body = Json.object().put("name", name).put("secret_id", secretId).put("provider", provider)
                .put("model_name", modelName);
        if (existing.isPresent()) {
            body.put("model_definition_id", existing.get().modelDefinitionId());
            return config.modelDefinitions().update(Message.ofJson(body)).modelDefinitionId();
        }
        return config.modelDefinitions().create(Message.ofJson(body)).modelDefinitionId();
    }
}
