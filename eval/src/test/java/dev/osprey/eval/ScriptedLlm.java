package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * A fake LLM speaking OpenAI's chat completions wire format, whose replies each test scripts: a queue of message
 * contents (or HTTP statuses), the last one repeated when the queue runs dry. Records every request.
 */
final class ScriptedLlm implements AutoCloseable {
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Object> script = new ConcurrentLinkedQueue<>();
    private final List<JsonNode> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Object last = "{\"result\": \"yes\", \"rationale\": \"default\"}";
    private volatile java.util.function.Function<JsonNode, Object> responder;

    ScriptedLlm() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", ex -> {
            try (ex) {
                JsonNode request = Json.read(ex.getRequestBody().readAllBytes());
                requests.add(request);
                Object reply;
                if (responder != null) {
                    reply = responder.apply(request);
                } else {
                    Object next = script.poll();
                    reply = next == null ? last : next;
                    last = reply;
                }
                if (reply instanceof Integer status) {
                    byte[] body = "{\"error\": {\"message\": \"scripted failure\"}}".getBytes();
                    ex.sendResponseHeaders(status, body.length);
                    ex.getResponseBody().write(body);
                    return;
                }
                ObjectNode out = Json.object().put("id", "chatcmpl-judge").put("object", "chat.completion")
                        .put("model", "judge");
                out.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                        .putObject("message").put("role", "assistant").put("content", (String) reply);
                out.putObject("usage").put("prompt_tokens", 100).put("completion_tokens", 20)
                        .put("total_tokens", 120);
                byte[] body = Json.write(out);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        server.start();
    }

    /** Replies to give, in order: strings are message contents, integers HTTP error statuses. */
    ScriptedLlm then(Object... replies) {
        responder = null;
        script.clear();
        requests.clear();
        for (Object r : replies) {
            script.add(r);
        }
        last = replies[replies.length - 1];
        return this;
    }

    /** Replies computed from each request (a string content, or an integer HTTP status), instead of a script. */
    ScriptedLlm respond(java.util.function.Function<JsonNode, Object> by) {
        responder = by;
        return this;
    }

    List<JsonNode> requests() {
        return new ArrayList<>(requests);
    }

    /** The OpenAI base URL ({@code .../v1}). */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    JudgeModel model() {
        return new OpenAiJudgeModel("http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                java.util.Optional.of("sk-judge"), "judge-model", java.time.Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
