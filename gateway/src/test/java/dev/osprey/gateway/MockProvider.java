package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local LLM provider speaking OpenAI's, Anthropic's and Gemini's exact wire formats (bodies, SSE streams, error
 * bodies), for gateway tests. Replies echo the last user message; a test can make it fail, slow down or call a tool.
 *
 * <ul>
 *   <li>OpenAI: {@code POST /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/completions},
 *       {@code /v1/responses}, Azure's {@code /openai/deployments/{d}/chat/completions}
 *   <li>Anthropic: {@code POST /v1/messages}
 *   <li>Gemini: {@code POST /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 *       {@code :batchEmbedContents}
 * </ul>
 */
public final class MockProvider implements AutoCloseable {
    /** Tokens every reply reports. */
    public static final int PROMPT_TOKENS = 11;
    public static final int COMPLETION_TOKENS = 7;
    /** What a streamed reply is made of, one delta per piece. */
    public static final List<String> STREAM_PIECES = List.of("Hel", "lo", " there", "!");

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failStatus = 500;
    private volatile long delayMs;
    private volatile long eventGapMs;
    private volatile String scriptedContent;
    private volatile java.util.function.Function<JsonNode, String> script;
    private volatile boolean callTool;
    private volatile java.util.function.Function<String, double[]> embedding;

    /** A request as it arrived. */
    public record Received(String method, String path, Map<String, List<String>> headers, JsonNode body,
            String rawPath, byte[] rawBody) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return "";
        }
    }

    public MockProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code count} calls answer {@code status} with the provider's error body. */
    public MockProvider failNext(int count, int status) {
        failStatus = status;
        failuresLeft.set(count);
        return this;
    }

    public MockProvider delay(long ms) {
        delayMs = ms;
        return this;
    }

    /** Non-streamed OpenAI chat replies say this instead of echoing (null: echo again), e.g. a judge's verdict. */
    public MockProvider replyWith(String content) {
        scriptedContent = content;
        return this;
    }

    /**
     * Non-streamed OpenAI chat replies say what {@code script} makes of the request body (null: the fixed reply or
     * the echo), for tests whose model plays several parts, such as a judge and the model it guards.
     */
    public MockProvider replyBy(java.util.function.Function<JsonNode, String> script) {
        this.script = script;
        return this;
    }

    /** OpenAI embeddings computed from each input text (tests that search by similarity); fixed vectors otherwise. */
    public MockProvider embedBy(java.util.function.Function<String, double[]> embedding) {
        this.embedding = embedding;
        return this;
    }

    /** Pauses between streamed events, to see that they are passed on as they come. */
    public MockProvider eventGap(long ms) {
        eventGapMs = ms;
        return this;
    }

    /** Replies call the first tool the request offers instead of answering in text. */
    public MockProvider callTool(boolean on) {
        callTool = on;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received last() {
        List<Received> all = new ArrayList<>(received);
        return all.get(all.size() - 1);
    }

    public int calls() {
        return received.size();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] bytes = ex.getRequestBody().readAllBytes();
            JsonNode body = bytes.length == 0 ? Json.object() : Json.read(bytes);
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            received.add(new Received(ex.getRequestMethod(), path + (query.isEmpty() ? "" : "?" + query),
                    Map.copyOf(ex.getRequestHeaders()), body, ex.getRequestURI().getRawPath(), bytes));
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            boolean anthropic = path.equals("/v1/messages");
            boolean gemini = path.startsWith("/v1beta/models/");
            boolean bedrock = path.startsWith("/model/");
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                if (bedrock) {
                    ex.getResponseHeaders().set("x-amzn-ErrorType", failStatus == 429 ? "ThrottlingException"
                            : "InternalServerException");
                    json(ex, failStatus, Json.object().put("message", "Mock failure " + failStatus));
                    return;
                }
                error(ex, failStatus, anthropic, gemini);
                return;
            }
            if (bedrock) {
                bedrock(ex, path, body);
            } else if (anthropic) {
                anthropic(ex, body);
            } else if (gemini) {
                gemini(ex, path, body);
            } else if (path.endsWith("/chat/completions")) {
                openAiChat(ex, body);
            } else if (path.endsWith("/embeddings")) {
                json(ex, 200, openAiEmbeddings(body));
            } else if (path.endsWith("/completions")) {
                json(ex, 200, Json.object().put("id", "cmpl-1").put("object", "text_completion")
                        .put("model", body.path("model").asText()).set("choices", Json.MAPPER.createArrayNode()
                                .add(Json.object().put("index", 0).put("text", "echo: " + body.path("prompt")
                                        .asText()).put("finish_reason", "stop"))));
            } else if (path.endsWith("/responses")) {
                ObjectNode r = Json.object().put("id", "resp_1").put("object", "response")
                        .put("model", body.path("model").asText());
                r.putObject("usage").put("input_tokens", PROMPT_TOKENS).put("output_tokens", COMPLETION_TOKENS);
                json(ex, 200, r);
            } else {
                json(ex, 404, Json.object().put("error", "no route " + path));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String lastUser(JsonNode body) {
        String text = "";
        for (JsonNode m : body.path("messages")) {
            if (m.path("role").asText().equals("user")) {
                JsonNode c = m.path("content");
                text = c.isTextual() ? c.asText() : c.path(0).path("text").asText();
            }
        }
        for (JsonNode c : body.path("contents")) {
            if (c.path("role").asText().equals("user")) {
                text = c.path("parts").path(0).path("text").asText(text);
            }
        }
        return text;
    }

    private static void error(HttpExchange ex, int status, boolean anthropic, boolean gemini) throws IOException {
        String message = "Mock failure " + status;
        if (anthropic) {
            json(ex, status, Json.object().put("type", "error").set("error", Json.object()
                    .put("type", status == 429 ? "rate_limit_error" : "api_error").put("message", message)));
        } else if (gemini) {
            json(ex, status, Json.object().set("error", Json.object().put("code", status).put("message", message)
                    .put("status", status == 429 ? "RESOURCE_EXHAUSTED" : "INTERNAL")));
        } else {
            json(ex, status, Json.object().set("error", Json.object().put("message", message)
                    .put("type", status == 429 ? "rate_limit_exceeded" : "server_error").putNull("param")
                    .putNull("code")));
        }
    }

    // ------------------------------------------------------------------ OpenAI

    private void openAiChat(HttpExchange ex, JsonNode body) throws IOException {
        String model = body.path("model").asText();
        boolean tool = callTool && body.path("tools").size() > 0;
        if (body.path("stream").asBoolean(false)) {
            List<String> events = new ArrayList<>();
            events.add(chunk(model, Json.object().put("role", "assistant").put("content", ""), null));
            if (tool) {
                ObjectNode delta = Json.object();
                ObjectNode call = delta.putArray("tool_calls").addObject().put("index", 0).put("id", "call_1")
                        .put("type", "function");
                call.putObject("function").put("name", body.path("tools").path(0).path("function").path("name")
                        .asText()).put("arguments", "{\"city\":\"Paris\"}");
                events.add(chunk(model, delta, null));
                events.add(chunk(model, Json.object(), "tool_calls"));
            } else {
                for (String piece : STREAM_PIECES) {
                    events.add(chunk(model, Json.object().put("content", piece), null));
                }
                events.add(chunk(model, Json.object(), "stop"));
            }
            if (body.path("stream_options").path("include_usage").asBoolean(false)) {
                ObjectNode usage = Json.object().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk")
                        .put("created", 1700000000L).put("model", model);
                usage.putArray("choices");
                usage.set("usage", openAiUsage());
                events.add(Json.writeString(usage));
            }
            events.add("[DONE]");
            sse(ex, events.stream().map(e -> new String[] {"", e}).toList());
            return;
        }
        ObjectNode out = Json.object().put("id", "chatcmpl-mock").put("object", "chat.completion")
                .put("created", 1700000000L).put("model", model);
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (tool) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function");
            call.putObject("function").put("name", body.path("tools").path(0).path("function").path("name").asText())
                    .put("arguments", "{\"city\":\"Paris\"}");
            choice.put("finish_reason", "tool_calls");
        } else {
            java.util.function.Function<JsonNode, String> by = script;
            String scripted = by != null && by.apply(body) != null ? by.apply(body) : scriptedContent;
            message.put("content", scripted != null ? scripted : "echo: " + lastUser(body));
            choice.put("finish_reason", "stop");
        }
        out.set("usage", openAiUsage());
        json(ex, 200, out);
    }

    private static ObjectNode openAiUsage() {
        return Json.object().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
                .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    }

    private static String chunk(String model, ObjectNode delta, String finish) {
        ObjectNode c = Json.object().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk")
                .put("created", 1700000000L).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        // OpenAI sends "usage":null on every chunk when usage was asked for.
        c.putNull("usage");
        return Json.writeString(c);
    }

    private ObjectNode openAiEmbeddings(JsonNode body) {
        ObjectNode out = Json.object().put("object", "list").put("model", body.path("model").asText());
        ArrayNode data = out.putArray("data");
        JsonNode input = body.path("input");
        int n = input.isArray() ? input.size() : 1;
        var byText = embedding;
        for (int i = 0; i < n; i++) {
            ArrayNode vector = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            if (byText != null) {
                for (double v : byText.apply(input.isArray() ? input.get(i).asText() : input.asText())) {
                    vector.add(v);
                }
            } else {
                vector.add(0.1 * (i + 1)).add(0.2).add(0.3);
            }
        }
        out.putObject("usage").put("prompt_tokens", PROMPT_TOKENS).put("total_tokens", PROMPT_TOKENS);
        return out;
    }

    // ------------------------------------------------------------------ Anthropic

    private void anthropic(HttpExchange ex, JsonNode body) throws IOException {
        String model = body.path("model").asText();
        boolean tool = callTool && body.path("tools").size() > 0;
        String toolName = body.path("tools").path(0).path("name").asText();
        if (body.path("stream").asBoolean(false)) {
            List<String[]> events = new ArrayList<>();
            ObjectNode start = Json.object().put("type", "message_start");
            ObjectNode message = start.putObject("message").put("id", "msg_mock").put("type", "message")
                    .put("role", "assistant").put("model", model);
            message.putArray("content");
            message.putNull("stop_reason");
            message.putObject("usage").put("input_tokens", PROMPT_TOKENS).put("output_tokens", 1);
            events.add(new String[] {"message_start", Json.writeString(start)});
            if (tool) {
                ObjectNode blockStart = Json.object().put("type", "content_block_start").put("index", 0);
                blockStart.putObject("content_block").put("type", "tool_use").put("id", "toolu_1")
                        .put("name", toolName).putObject("input");
                events.add(new String[] {"content_block_start", Json.writeString(blockStart)});
                for (String part : List.of("{\"city\":", "\"Paris\"}")) {
                    ObjectNode d = Json.object().put("type", "content_block_delta").put("index", 0);
                    d.putObject("delta").put("type", "input_json_delta").put("partial_json", part);
                    events.add(new String[] {"content_block_delta", Json.writeString(d)});
                }
            } else {
                ObjectNode blockStart = Json.object().put("type", "content_block_start").put("index", 0);
                blockStart.putObject("content_block").put("type", "text").put("text", "");
                events.add(new String[] {"content_block_start", Json.writeString(blockStart)});
                events.add(new String[] {"ping", "{\"type\": \"ping\"}"});
                for (String piece : STREAM_PIECES) {
                    ObjectNode d = Json.object().put("type", "content_block_delta").put("index", 0);
                    d.putObject("delta").put("type", "text_delta").put("text", piece);
                    events.add(new String[] {"content_block_delta", Json.writeString(d)});
                }
            }
            events.add(new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"});
            ObjectNode delta = Json.object().put("type", "message_delta");
            delta.putObject("delta").put("stop_reason", tool ? "tool_use" : "end_turn").putNull("stop_sequence");
            delta.putObject("usage").put("output_tokens", COMPLETION_TOKENS);
            events.add(new String[] {"message_delta", Json.writeString(delta)});
            events.add(new String[] {"message_stop", "{\"type\":\"message_stop\"}"});
            sse(ex, events);
            return;
        }
        ObjectNode out = Json.object().put("id", "msg_mock").put("type", "message").put("role", "assistant")
                .put("model", model);
        ArrayNode content = out.putArray("content");
        if (tool) {
            content.addObject().put("type", "tool_use").put("id", "toolu_1").put("name", toolName)
                    .putObject("input").put("city", "Paris");
        } else {
            content.addObject().put("type", "text").put("text", "echo: " + lastUser(body));
        }
        out.put("stop_reason", tool ? "tool_use" : "end_turn").putNull("stop_sequence");
        out.putObject("usage").put("input_tokens", PROMPT_TOKENS).put("output_tokens", COMPLETION_TOKENS);
        json(ex, 200, out);
    }

    // ------------------------------------------------------------------ Bedrock

    private void bedrock(HttpExchange ex, String path, JsonNode body) throws IOException {
        if (!ex.getRequestHeaders().getFirst("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=")) {
            json(ex, 403, Json.object().put("message", "Missing Authentication Token"));
            return;
        }
        if (path.endsWith("/invoke")) {
            ObjectNode embedding = Json.object().put("inputTextTokenCount", PROMPT_TOKENS);
            embedding.putArray("embedding").add(0.25).add(body.path("inputText").asText().length());
            json(ex, 200, embedding);
            return;
        }
        boolean tool = callTool && body.path("toolConfig").path("tools").size() > 0;
        String toolName = body.path("toolConfig").path("tools").path(0).path("toolSpec").path("name").asText();
        if (path.endsWith("/converse-stream")) {
            ex.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            List<String[]> events = new ArrayList<>();
            events.add(new String[] {"messageStart", "{\"role\":\"assistant\",\"p\":\"abc\"}"});
            if (tool) {
                events.add(new String[] {"contentBlockStart", "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":"
                        + "{\"toolUseId\":\"tooluse_1\",\"name\":\"" + toolName + "\"}}}"});
                for (String part : List.of("{\\\"city\\\":", "\\\"Paris\\\"}")) {
                    events.add(new String[] {"contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":"
                            + "{\"input\":\"" + part + "\"}}}"});
                }
            } else {
                for (String piece : STREAM_PIECES) {
                    events.add(new String[] {"contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\""
                            + piece + "\"}}"});
                }
            }
            events.add(new String[] {"contentBlockStop", "{\"contentBlockIndex\":0}"});
            events.add(new String[] {"messageStop", "{\"stopReason\":\"" + (tool ? "tool_use" : "end_turn") + "\"}"});
            events.add(new String[] {"metadata", "{\"usage\":{\"inputTokens\":" + PROMPT_TOKENS + ",\"outputTokens\":"
                    + COMPLETION_TOKENS + ",\"totalTokens\":" + (PROMPT_TOKENS + COMPLETION_TOKENS)
                    + "},\"metrics\":{\"latencyMs\":12}}"});
            for (String[] e : events) {
                Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put(":event-type", e[0]);
                headers.put(":content-type", "application/json");
                headers.put(":message-type", "event");
                out.write(dev.osprey.gateway.provider.internal.AwsEventStream.frame(headers,
                        e[1].getBytes(StandardCharsets.UTF_8)));
                out.flush();
            }
            return;
        }
        ObjectNode out = Json.object();
        ArrayNode content = out.putObject("output").putObject("message").put("role", "assistant")
                .putArray("content");
        if (tool) {
            content.addObject().putObject("toolUse").put("toolUseId", "tooluse_1").put("name", toolName)
                    .putObject("input").put("city", "Paris");
        } else {
            String text = "";
            for (JsonNode m : body.path("messages")) {
                if (m.path("role").asText().equals("user")) {
                    for (JsonNode c : m.path("content")) {
                        text = c.has("text") ? c.path("text").asText() : text;
                    }
                }
            }
            content.addObject().put("text", "echo: " + text);
        }
        out.put("stopReason", tool ? "tool_use" : "end_turn");
        out.putObject("usage").put("inputTokens", PROMPT_TOKENS).put("outputTokens", COMPLETION_TOKENS)
                .put("totalTokens", PROMPT_TOKENS + COMPLETION_TOKENS);
        json(ex, 200, out);
    }

    // ------------------------------------------------------------------ Gemini

    private void gemini(HttpExchange ex, String path, JsonNode body) throws IOException {
        String model = path.substring("/v1beta/models/".length(), path.lastIndexOf(':'));
        if (path.endsWith(":batchEmbedContents")) {
            ObjectNode out = Json.object();
            ArrayNode embeddings = out.putArray("embeddings");
            for (int i = 0; i < body.path("requests").size(); i++) {
                embeddings.addObject().putArray("values").add(0.5).add(0.25 * (i + 1));
            }
            json(ex, 200, out);
            return;
        }
        boolean tool = callTool && body.path("tools").size() > 0;
        if (path.endsWith(":streamGenerateContent")) {
            List<String[]> events = new ArrayList<>();
            for (int i = 0; i < STREAM_PIECES.size(); i++) {
                boolean last = i == STREAM_PIECES.size() - 1;
                ObjectNode r = Json.object().put("modelVersion", model);
                ObjectNode candidate = r.putArray("candidates").addObject().put("index", 0);
                candidate.putObject("content").put("role", "model").putArray("parts").addObject()
                        .put("text", STREAM_PIECES.get(i));
                if (last) {
                    candidate.put("finishReason", "STOP");
                    r.set("usageMetadata", geminiUsage());
                }
                events.add(new String[] {"", Json.writeString(r)});
            }
            sse(ex, events);
            return;
        }
        ObjectNode r = Json.object().put("modelVersion", model).put("responseId", "gem-mock");
        ObjectNode candidate = r.putArray("candidates").addObject().put("index", 0);
        ArrayNode parts = candidate.putObject("content").put("role", "model").putArray("parts");
        if (tool) {
            parts.addObject().putObject("functionCall").put("name", body.path("tools").path(0)
                    .path("functionDeclarations").path(0).path("name").asText()).putObject("args")
                    .put("city", "Paris");
        } else {
            parts.addObject().put("text", "echo: " + lastUser(body));
        }
        candidate.put("finishReason", "STOP");
        r.set("usageMetadata", geminiUsage());
        json(ex, 200, r);
    }

    private static ObjectNode geminiUsage() {
        return Json.object().put("promptTokenCount", PROMPT_TOKENS).put("candidatesTokenCount", COMPLETION_TOKENS)
                .put("totalTokenCount", PROMPT_TOKENS + COMPLETION_TOKENS);
    }

    // ------------------------------------------------------------------ wire

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.write(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private void sse(HttpExchange ex, List<String[]> events) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (String[] e : events) {
            String frame = (e[0].isEmpty() ? "" : "event: " + e[0] + "\n") + "data: " + e[1] + "\n\n";
            out.write(frame.getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (eventGapMs > 0) {
                try {
                    Thread.sleep(eventGapMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Every request body as text, to search for what must not be there. */
    public List<String> bodies() {
        List<String> out = new ArrayList<>();
        received.forEach(r -> out.add(r.body().toString()));
        return Collections.unmodifiableList(out);
    }
}
