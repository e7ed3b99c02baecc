package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The server's AI gateway: its configuration (secrets, model definitions, endpoints, usage) and its OpenAI-compatible
 * invocation routes. Obtained from {@link OspreyClient#gateway()}. Secret values go in and never come back: the
 * server answers with masked values only.
 */
public final class GatewayClient {
    private static final String G = "/api/3.0/mlflow/gateway";
    private final Transport transport;

    GatewayClient(Transport transport) {
        this.transport = transport;
    }

    /** A stored secret as the server shows it. */
    public record SecretInfo(String secretId, String name, Optional<String> provider, Map<String, String> maskedValues,
            Map<String, String> authConfig) {}

    public record ModelDefinitionInfo(String modelDefinitionId, String name, String secretId, String provider,
            String modelName) {}

    /** One model of an endpoint: PRIMARY ones share traffic by weight, FALLBACK ones are tried by order. */
    public record ModelRoute(String modelDefinitionId, String linkage, double weight, int fallbackOrder,
            String provider, String modelName) {}

    public record EndpointInfo(String endpointId, String name, List<ModelRoute> models, Optional<String> experimentId,
            boolean usageTracking, Map<String, String> tags) {}

    /** Usage totals of one group (endpoint name, user, day, provider or model). */
    public record UsageRow(String key, long requests, long errors, long inputTokens, long outputTokens, double cost,
            double avgLatencyMs) {}

    /** What an endpoint routes to and how; build with {@link #named}. */
    public static final class EndpointSpec {
        private final ObjectNode body = Json.object();

        private EndpointSpec(String name) {
            body.put("name", name);
            body.putArray("model_configs");
        }

        public static EndpointSpec named(String name) {
            return new EndpointSpec(name);
        }

        public EndpointSpec primary(String modelDefinitionId, double weight) {
            body.withArray("model_configs").addObject().put("model_definition_id", modelDefinitionId)
                    .put("linkage_type", "PRIMARY").put("weight", weight);
            return this;
        }

        /** A fallback tried after the primary fails (rate limit, server error, timeout), in the order added. */
        public EndpointSpec fallback(String modelDefinitionId) {
            ArrayNode configs = body.withArray("model_configs");
            int order = 1;
            for (JsonNode c : configs) {
                if (c.path("linkage_type").asText().equals("FALLBACK")) {
                    order++;
                }
            }
            configs.addObject().put("model_definition_id", modelDefinitionId).put("linkage_type", "FALLBACK")
                    .put("fallback_order", order);
            body.putObject("fallback_config").put("strategy", "SEQUENTIAL").put("max_attempts", order);
            return this;
        }

        /** Trace every call into this experiment (the server creates one named after the endpoint if empty). */
        public EndpointSpec usageTracking(Optional<String> experimentId) {
            body.put("usage_tracking", true);
            experimentId.ifPresent(id -> body.put("experiment_id", id));
            return this;
        }

        public EndpointSpec requestsPerMinute(long perMinute) {
            limits().put("requests_per_minute", perMinute);
            return this;
        }

        public EndpointSpec tokensPerMinute(long perMinute) {
            limits().put("tokens_per_minute", perMinute);
            return this;
        }

        public EndpointSpec timeoutMillis(long millis) {
            limits().put("timeout_ms", millis);
            return this;
        }

        private ObjectNode limits() {
            return body.has("limits") ? (ObjectNode) body.get("limits") : body.putObject("limits");
        }
    }

    // ------------------------------------------------------------ configuration

    private static Map<String, String> map(Message m, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        m.message(field).ifPresent(v -> v.json().properties().forEach(e -> out.put(e.getKey(),
                e.getValue().asText())));
        return out;
    }

    private static SecretInfo secret(Message m) {
        return new SecretInfo(m.requiredString("secret_id"), m.requiredString("secret_name"), m.string("provider"),
                map(m, "masked_values"), map(m, "auth_config"));
    }

    public SecretInfo createSecret(String name, String provider, Map<String, String> values,
            Map<String, String> authConfig) {
        ObjectNode body = Json.object().put("secret_name", name).put("provider", provider);
        values.forEach(body.putObject("secret_value")::put);
        authConfig.forEach(body.putObject("auth_config")::put);
        return secret(transport.post(G + "/secrets/create", body).message("secret").orElseThrow());
    }

    /** Replaces the secret's values (the old ones are gone for good). */
    public SecretInfo updateSecret(String secretId, Map<String, String> values) {
        ObjectNode body = Json.object().put("secret_id", secretId);
        values.forEach(body.putObject("secret_value")::put);
        return secret(transport.post(G + "/secrets/update", body).message("secret").orElseThrow());
    }

    public List<SecretInfo> listSecrets() {
        return transport.get(G + "/secrets/list", Map.of()).messages("secrets").stream().map(GatewayClient::secret)
                .toList();
    }

    public void deleteSecret(String secretId) {
        transport.send("DELETE", G + "/secrets/delete", Json.object().put("secret_id", secretId));
    }

    private static ModelDefinitionInfo definition(Message m) {
        return new ModelDefinitionInfo(m.requiredString("model_definition_id"), m.requiredString("name"),
                m.requiredString("secret_id"), m.requiredString("provider"), m.requiredString("model_name"));
    }

    public ModelDefinitionInfo createModelDefinition(String name, String secretId, String provider,
            String modelName) {
        return definition(transport.post(G + "/model-definitions/create", Json.object().put("name", name)
                .put("secret_id", secretId).put("provider", provider).put("model_name", modelName))
                .message("model_definition").orElseThrow());
    }

    public List<ModelDefinitionInfo> listModelDefinitions() {
        return transport.get(G + "/model-definitions/list", Map.of()).messages("model_definitions").stream()
                .map(GatewayClient::definition).toList();
    }

    public void deleteModelDefinition(String modelDefinitionId) {
        transport.send("DELETE", G + "/model-definitions/delete", Json.object().put("model_definition_id",
                modelDefinitionId));
    }

    private static EndpointInfo endpoint(Message m) {
        List<ModelRoute> models = new ArrayList<>();
        for (Message mm : m.messages("model_mappings")) {
            Optional<Message> d = mm.message("model_definition");
            models.add(new ModelRoute(mm.requiredString("model_definition_id"), mm.string("linkage_type")
                    .orElse("PRIMARY"), mm.doubleValue("weight").orElse(1.0), (int) mm.int64("fallback_order")
                    .orElse(0), d.flatMap(x -> x.string("provider")).orElse(""),
                    d.flatMap(x -> x.string("model_name")).orElse("")));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        m.messages("tags").forEach(t -> tags.put(t.requiredString("key"), t.string("value").orElse("")));
        return new EndpointInfo(m.requiredString("endpoint_id"), m.requiredString("name"), models,
                m.string("experiment_id").filter(s -> !s.isEmpty()), m.bool("usage_tracking").orElse(false), tags);
    }

    public EndpointInfo createEndpoint(EndpointSpec spec) {
        return endpoint(transport.post(G + "/endpoints/create", spec.body.deepCopy()).message("endpoint")
                .orElseThrow());
    }

    public EndpointInfo getEndpoint(String name) {
        return endpoint(transport.get(G + "/endpoints/get", Map.of("name", List.of(name))).message("endpoint")
                .orElseThrow());
    }

    public List<EndpointInfo> listEndpoints() {
        return transport.get(G + "/endpoints/list", Map.of()).messages("endpoints").stream()
                .map(GatewayClient::endpoint).toList();
    }

    public void deleteEndpoint(String endpointId) {
        transport.send("DELETE", G + "/endpoints/delete", Json.object().put("endpoint_id", endpointId));
    }

    /** Usage totals grouped by "endpoint", "user", "day", "provider" or "model", over all time. */
    public List<UsageRow> usage(String groupBy) {
        return transport.get(G + "/usage", Map.of("group_by", List.of(groupBy))).messages("usage").stream()
                .map(r -> new UsageRow(r.requiredString("key"), r.int64("requests").orElse(0),
                        r.int64("errors").orElse(0), r.int64("input_tokens").orElse(0),
                        r.int64("output_tokens").orElse(0), r.doubleValue("cost").orElse(0),
                        r.doubleValue("avg_latency_ms").orElse(0))).toList();
    }

    // ------------------------------------------------------------ invocations

    private HttpRequest invocation(String route, ObjectNode body) {
        return HttpRequest.newBuilder(URI.create(transport.baseUrl() + "/gateway/mlflow/v1/" + route))
                .timeout(transport.requestTimeout()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body))).build();
    }

    private static ObjectNode named(String endpoint, ObjectNode request) {
        ObjectNode body = request.deepCopy();
        body.put("model", endpoint);
        return body;
    }

    /** An OpenAI chat completion through the endpoint; {@code request} is OpenAI's body without {@code model}. */
    public JsonNode chat(String endpoint, ObjectNode request) {
        HttpResponse<byte[]> r = transport.exchange(invocation("chat/completions", named(endpoint, request)),
                HttpResponse.BodyHandlers.ofByteArray(), "gateway endpoint " + endpoint);
        return read(r.body());
    }

    /** The answer's text for one user message. */
    public String chat(String endpoint, String userMessage) {
        ObjectNode body = Json.object();
        body.putArray("messages").addObject().put("role", "user").put("content", userMessage);
        return chat(endpoint, body).at("/choices/0/message/content").asText();
    }

    /** Streams a chat completion: each {@code chat.completion.chunk} as it arrives; returns the assembled text. */
    public String chatStream(String endpoint, ObjectNode request, Consumer<JsonNode> onChunk) {
        ObjectNode body = named(endpoint, request).put("stream", true);
        HttpResponse<Stream<String>> r = transport.exchange(invocation("chat/completions", body),
                HttpResponse.BodyHandlers.ofLines(), "gateway endpoint " + endpoint);
        StringBuilder text = new StringBuilder();
        try (Stream<String> lines = r.body()) {
            lines.filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim())
                    .filter(d -> !d.equals("[DONE]")).forEach(data -> {
                        JsonNode chunk = read(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        if (chunk.has("error")) {
                            throw new OspreyClientException(ErrorCode.TEMPORARILY_UNAVAILABLE, 502,
                                    chunk.at("/error/message").asText());
                        }
                        text.append(chunk.at("/choices/0/delta/content").asText(""));
                        onChunk.accept(chunk);
                    });
        }
        return text.toString();
    }

    /** Embeddings of the inputs, in order. */
    public List<double[]> embeddings(String endpoint, List<String> inputs) {
        ObjectNode body = Json.object();
        inputs.forEach(body.putArray("input")::add);
        HttpResponse<byte[]> r = transport.exchange(invocation("embeddings", named(endpoint, body)),
                HttpResponse.BodyHandlers.ofByteArray(), "gateway endpoint " + endpoint);
        List<double[]> out = new ArrayList<>();
        for (JsonNode item : read(r.body()).path("data")) {
            JsonNode vector = item.path("embedding");
            double[] values = new double[vector.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = vector.get(i).asDouble();
            }
            out.add(values);
        }
        return out;
    }

    private static JsonNode read(byte[] body) {
        try {
            return Json.read(body);
        } catch (IOException e) {
            throw new UncheckedIOException("The gateway answered with invalid JSON", e);
        }
    }
}
