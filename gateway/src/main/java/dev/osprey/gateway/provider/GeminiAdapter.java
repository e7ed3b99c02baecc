package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Google Gemini's {@code generateContent} (and {@code streamGenerateContent?alt=sse}, {@code batchEmbedContents})
 * behind OpenAI's shapes. Roles map user→user, assistant→model; tool calls are {@code functionCall} parts and tool
 * replies {@code functionResponse} parts.
 */
public final class GeminiAdapter implements ProviderAdapter {
    static final String DEFAULT_BASE = "https://generativelanguage.googleapis.com/v1beta";

    @Override
    public boolean supports(Operation operation) {
        return operation != Operation.COMPLETIONS;
    }

    @Override
    public UpstreamRequest request(Operation op, ObjectNode body, Target t, boolean stream) {
        Map<String, String> headers = headers(t);
        if (op == Operation.EMBEDDINGS) {
            ObjectNode out = Json.object();
            ArrayNode requests = out.putArray("requests");
            JsonNode input = body.path("input");
            for (JsonNode text : input.isArray() ? input : Json.MAPPER.createArrayNode().add(input)) {
                ObjectNode r = requests.addObject().put("model", "models/" + t.modelName());
                r.putObject("content").putArray("parts").addObject().put("text", text.asText());
            }
            return new UpstreamRequest(modelUri(t, ":batchEmbedContents"), headers, Json.write(out));
        }
        return new UpstreamRequest(modelUri(t, generateAction(stream)), headers, Json.write(chat(body)));
    }

    static String generateAction(boolean stream) {
        return stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    }

    static URI modelUri(Target t, String action) {
        return URI.create(t.apiBase(DEFAULT_BASE) + "/models/" + URLEncoder.encode(t.modelName(),
                StandardCharsets.UTF_8) + action);
    }

    static Map<String, String> headers(Target t) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-goog-api-key", t.apiKey().orElseThrow(() -> new ProviderException(400,
                "The secret for gemini has no api_key.", false)));
        return headers;
    }

    static ObjectNode chat(ObjectNode chat) {
        ObjectNode out = Json.object();
        ArrayNode contents = out.putArray("contents");
        StringBuilder system = new StringBuilder();
        Map<String, String> toolNames = new LinkedHashMap<>();
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText();
            String text = AnthropicAdapter.text(m.get("content"));
            switch (role) {
                case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n").append(text);
                case "assistant" -> {
                    ArrayNode parts = contents.addObject().put("role", "model").putArray("parts");
                    if (!text.isEmpty()) {
                        parts.addObject().put("text", text);
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        String name = call.path("function").path("name").asText();
                        toolNames.put(call.path("id").asText(), name);
                        parts.addObject().putObject("functionCall").put("name", name)
                                .set("args", OpenAiShapes.arguments(call.path("function").path("arguments")
                                        .asText("{}")));
                    }
                }
                case "tool" -> {
                    ObjectNode fr = contents.addObject().put("role", "user").putArray("parts").addObject()
                            .putObject("functionResponse");
                    fr.put("name", toolNames.getOrDefault(m.path("tool_call_id").asText(), m.path("name").asText()));
                    fr.putObject("response").put("content", text);
                }
                default -> contents.addObject().put("role", "user").putArray("parts").addObject().put("text", text);
            }
        }
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
        }
        ObjectNode config = Json.object();
        copy(chat, "temperature", config, "temperature");
        copy(chat, "top_p", config, "topP");
        copy(chat, "max_tokens", config, "maxOutputTokens");
        copy(chat, "max_completion_tokens", config, "maxOutputTokens");
        copy(chat, "n", config, "candidateCount");
        List<String> stops = OpenAiShapes.stops(chat);
        if (!stops.isEmpty()) {
            stops.forEach(config.putArray("stopSequences")::add);
        }
        if ("json_object".equals(chat.path("response_format").path("type").asText())) {
            config.put("responseMimeType", "application/json");
        }
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        if (chat.path("tools").isArray() && !chat.path("tools").isEmpty()) {
            ArrayNode decls = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (JsonNode tool : chat.path("tools")) {
                JsonNode fn = tool.path("function");
                ObjectNode d = decls.addObject().put("name", fn.path("name").asText());
                if (fn.has("description")) {
                    d.put("description", fn.path("description").asText());
                }
                if (fn.has("parameters")) {
                    d.set("parameters", fn.get("parameters"));
                }
            }
        }
        return out;
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) {
            to.set(as, v);
        }
    }

    static String finishReason(String reason) {
        return switch (reason) {
            case "" -> "";
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII" -> "content_filter";
            default -> "stop";
        };
    }

    /** One candidate's content as an OpenAI message or delta. */
    private static ObjectNode message(JsonNode candidate, boolean delta) {
        ObjectNode message = Json.object();
        if (!delta) {
            message.put("role", "assistant");
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.has("text")) {
                text.append(part.path("text").asText());
            } else if (part.has("functionCall")) {
                ObjectNode call = OpenAiShapes.toolCall(calls, "call_" + UUID.randomUUID().toString().replace("-", "")
                        .substring(0, 24), part.path("functionCall").path("name").asText(),
                        Json.writeString(part.path("functionCall").path("args")));
                if (delta) {
                    call.put("index", calls.size() - 1);
                }
            }
        }
        if (!text.isEmpty() || calls.isEmpty()) {
            message.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        return message;
    }

    private static String finishOf(JsonNode candidate, ObjectNode message) {
        String reason = finishReason(candidate.path("finishReason").asText());
        return reason.equals("stop") && message.has("tool_calls") ? "tool_calls" : reason;
    }

    private static ObjectNode usageJson(JsonNode r) {
        JsonNode u = r.path("usageMetadata");
        return OpenAiShapes.usage(u.path("promptTokenCount").asLong(), u.path("candidatesTokenCount").asLong());
    }

    @Override
    public ObjectNode response(Operation op, JsonNode r, Target t) {
        ObjectNode out = Json.object();
        if (op == Operation.EMBEDDINGS) {
            out.put("object", "list");
            ArrayNode data = out.putArray("data");
            int i = 0;
            for (JsonNode e : r.path("embeddings")) {
                data.addObject().put("object", "embedding").put("index", i++).set("embedding", e.path("values"));
            }
            out.put("model", t.modelName());
            out.putObject("usage").put("prompt_tokens", 0).put("total_tokens", 0);
            return out;
        }
        out.put("id", r.path("responseId").asText("chatcmpl-" + UUID.randomUUID()));
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", r.path("modelVersion").asText(t.modelName()));
        ArrayNode choices = out.putArray("choices");
        int index = 0;
        for (JsonNode candidate : r.path("candidates")) {
            ObjectNode message = message(candidate, false);
            ObjectNode choice = choices.addObject().put("index", index++);
            choice.set("message", message);
            choice.put("finish_reason", finishOf(candidate, message));
        }
        out.set("usage", usageJson(r));
        return out;
    }

    @Override
    public StreamTranslator stream(Operation op, Target t, boolean clientAskedForUsage) {
        String id = "chatcmpl-" + UUID.randomUUID();
        long created = System.currentTimeMillis() / 1000;
        return new StreamTranslator() {
            private Usage usage = Usage.NONE;

            @Override
            public List<String> onEvent(String event, String data) {
                JsonNode r;
                try {
                    r = Json.read(data);
                } catch (IOException e) {
                    throw new ProviderException(502, "Gemini sent a malformed stream event.", false);
                }
                if (r.has("usageMetadata")) {
                    JsonNode u = usageJson(r);
                    usage = new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong());
                }
                ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk")
                        .put("created", created).put("model", r.path("modelVersion").asText(t.modelName()));
                ArrayNode choices = chunk.putArray("choices");
                int index = 0;
                for (JsonNode candidate : r.path("candidates")) {
                    ObjectNode delta = message(candidate, true);
                    ObjectNode choice = choices.addObject().put("index", index++);
                    choice.set("delta", delta);
                    String reason = finishOf(candidate, delta);
                    if (reason.isEmpty()) {
                        choice.putNull("finish_reason");
                    } else {
                        choice.put("finish_reason", reason);
                        if (clientAskedForUsage) {
                            chunk.set("usage", usageJson(r));
                        }
                    }
                }
                return choices.isEmpty() ? List.of() : List.of(Json.writeString(chunk));
            }

            @Override
            public Usage usage() {
                return usage;
            }
        };
    }
}
