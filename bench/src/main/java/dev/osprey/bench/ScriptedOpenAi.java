package dev.osprey.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A model for benchmarks that speaks OpenAI's chat completions and embeddings wire format: replies come from a
 * script reading the request, each call waits a fixed latency (a provider's time), and calls are counted.
 */
final class ScriptedOpenAi implements AutoCloseable {
    private final HttpServer server;
    private final AtomicLong calls = new AtomicLong();

    ScriptedOpenAi(Function<JsonNode, String> chat, Function<String, double[]> embedding, long latencyMs)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", ex -> answer(ex, latencyMs, body -> {
            ObjectNode out = Json.object().put("id", "c").put("object", "chat.completion").put("model", "m");
            out.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                    .putObject("message").put("role", "assistant").put("content", chat.apply(body));
            out.putObject("usage").put("prompt_tokens", 50).put("completion_tokens", 5).put("total_tokens", 55);
            return out;
        }));
        server.createContext("/v1/embeddings", ex -> answer(ex, latencyMs, body -> {
            ObjectNode out = Json.object().put("object", "list").put("model", body.path("model").asText());
            ArrayNode data = out.putArray("data");
            for (int i = 0; i < body.path("input").size(); i++) {
                ArrayNode v = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
                for (double x : embedding.apply(body.path("input").get(i).asText())) {
                    v.add(x);
                }
            }
            out.putObject("usage").put("prompt_tokens", 10).put("total_tokens", 10);
            return out;
        }));
        server.start();
    }

    private void answer(HttpExchange ex, long latencyMs, Function<JsonNode, ObjectNode> reply) throws IOException {
        try (ex) {
            JsonNode body = Json.read(ex.getRequestBody().readAllBytes());
            calls.incrementAndGet();
            Thread.sleep(latencyMs);
            byte[] bytes = Json.write(reply.apply(body));
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The OpenAI base URL ({@code .../v1}). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    long calls() {
        return calls.get();
    }

    void resetCalls() {
        calls.set(0);
    }

    /**
     * Creates the gateway endpoint {@code name} of the server at {@code base} in front of this model (a secret, a
     * model definition, the endpoint).
     */
    void addEndpoint(String base, String name) throws IOException, InterruptedException {
        String g = base + "/api/3.0/mlflow/gateway";
        ObjectNode secret = Json.object().put("secret_name", name + "-key").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", "sk-bench");
        secret.putObject("auth_config").put("api_base", baseUrl());
        String secretId = Json.read(Bench.post(g + "/secrets/create", secret.toString())).at("/secret/secret_id")
                .asText();
        String model = Json.read(Bench.post(g + "/model-definitions/create", Json.object().put("name", name + "-model")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-bench").toString()))
                .at("/model_definition/model_definition_id").asText();
        ObjectNode endpoint = Json.object().put("name", name);
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        Bench.post(g + "/endpoints/create", endpoint.toString());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
