package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API behind OpenAI chat completions: system messages become {@code system}, tool calls become
 * {@code tool_use} blocks and tool replies {@code tool_result} blocks; stream events (message_start,
 * content_block_*, message_delta) become chat.completion.chunk events one for one.
 */
public final class AnthropicAdapter implements ProviderAdapter {
    static final String DEFAULT_BASE = "https://api.anthropic.com/v1";
    private static final String VERSION = "2023-06-01";
    private static final int DEFAULT_MAX_TOKENS = 4096;

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT;
    }

    @Override
    public UpstreamRequest request(Operation op, ObjectNode chat, Target t, boolean stream) {
        return new UpstreamRequest(uri(t), headers(t), Json.write(body(chat, t, stream)));
    }

    static URI uri(Target t) {
        return URI.create(t.apiBase(DEFAULT_BASE) + "/messages");
    }

    static Map<String, String> headers(Target t) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("x-api-key", t.apiKey().orElseThrow(() -> new ProviderException(400,
                "The secret for anthropic has no api_key.", false)));
        headers.put("anthropic-version", t.setting("version").orElse(VERSION));
        return headers;
    }

    static ObjectNode body(ObjectNode chat, Target t, boolean stream) {
        ObjectNode out = Json.object();
        out.put("model", t.modelName());
        List<String> system = new ArrayList<>();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText();
            switch (role) {
                case "system", "developer" -> system.add(text(m.get("content")));
                case "tool" -> OpenAiShapes.userContent(messages).addObject().put("type", "tool_result")
                        .put("tool_use_id", m.path("tool_call_id").asText()).put("content", text(m.get("content")));
                case "assistant" -> {
                    ObjectNode message = messages.addObject().put("role", "assistant");
                    ArrayNode content = message.putArray("content");
                    String text = text(m.get("content"));
                    if (!text.isEmpty()) {
                        content.addObject().put("type", "text").put("text", text);
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        ObjectNode use = content.addObject().put("type", "tool_use")
                                .put("id", call.path("id").asText()).put("name", call.path("function").path("name")
                                        .asText());
                        JsonNode input = OpenAiShapes.arguments(call.path("function").path("arguments").asText("{}"));
                        use.set("input", input.isObject() ? input : Json.object());
                    }
                }
                default -> OpenAiShapes.userContent(messages).addObject().put("type", "text").put("text", text(m.get("content")));
            }
        }
        if (!system.isEmpty()) {
            out.put("system", String.join("\n", system));
        }
        JsonNode maxTokens = chat.has("max_completion_tokens") ? chat.get("max_completion_tokens")
                : chat.get("max_tokens");
        out.put("max_tokens", maxTokens != null && maxTokens.canConvertToInt() ? maxTokens.asInt() : DEFAULT_MAX_TOKENS);
        copy(chat, out, "temperature", "temperature");
        copy(chat, out, "top_p", "top_p");
        List<String> stops = OpenAiShapes.stops(chat);
        if (!stops.isEmpty()) {
            stops.forEach(out.putArray("stop_sequences")::add);
        }
        if (chat.path("tools").isArray() && !chat.path("tools").isEmpty()) {
            ArrayNode tools = out.putArray("tools");
            for (JsonNode tool : chat.path("tools")) {
                JsonNode fn = tool.path("function");
                ObjectNode t2 = tools.addObject().put("name", fn.path("name").asText());
                if (fn.has("description")) {
                    t2.put("description", fn.path("description").asText());
                }
                t2.set("input_schema", fn.has("parameters") ? fn.get("parameters")
                        : Json.object().put("type", "object"));
            }
            toolChoice(chat.get("tool_choice"), out);
        }
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    private static void toolChoice(JsonNode choice, ObjectNode out) {
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "required" -> out.putObject("tool_choice").put("type", "any");
                case "none" -> out.putObject("tool_choice").put("type", "none");
                default -> out.putObject("tool_choice").put("type", "auto");
            }
        } else {
            out.putObject("tool_choice").put("type", "tool").put("name", choice.path("function").path("name")
                    .asText());
        }
    }

    private static void copy(JsonNode from, ObjectNode to, String field, String as) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) {
            to.set(as, v);
        }
    }

    /** A message's text: a string, or the text parts of a content array. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.has("text")) {
                sb.append(part.path("text").asText());
            }
        }
        return sb.toString();
    }

    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens" -> "length";
            case "tool_use" -> "tool_calls";
            case "" -> "";
            default -> "stop";
        };
    }

    @Override
    public ObjectNode response(Operation op, JsonNode r, Target t) {
        ObjectNode out = Json.object();
        out.put("id", r.path("id").asText());
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", r.path("model").asText(t.modelName()));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode block : r.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> OpenAiShapes.toolCall(calls, block.path("id").asText(),
                        block.path("name").asText(), Json.writeString(block.path("input")));
                default -> { }
            }
        }
        OpenAiShapes.message(message, text, calls);
        choice.put("finish_reason", finishReason(r.path("stop_reason").asText()));
        out.set("usage", OpenAiShapes.usage(r.path("usage").path("input_tokens").asLong(),
                r.path("usage").path("output_tokens").asLong()));
        return out;
    }

    @Override
    public StreamTranslator stream(Operation op, Target t, boolean clientAskedForUsage) {
        return new AnthropicStream(t, clientAskedForUsage);
    }

    /** One Anthropic stream's state: message id and model from message_start, tool call indexes by block. */
    private static final class AnthropicStream implements StreamTranslator {
        private final Target target;
        private final boolean includeUsage;
        private final Map<Integer, Integer> toolIndexByBlock = new LinkedHashMap<>();
        private String id = "";
        private String model;
        private long created = System.currentTimeMillis() / 1000;
        private long inputTokens;
        private long outputTokens;

        AnthropicStream(Target target, boolean includeUsage) {
            this.target = target;
            this.includeUsage = includeUsage;
            this.model = target.modelName();
        }

        private ObjectNode chunk(ObjectNode delta, String finishReason) {
            return OpenAiShapes.chunk(id, created, model, delta, finishReason);
        }

        @Override
        public List<String> onEvent(String event, String data) {
            JsonNode e;
            try {
                e = Json.read(data);
            } catch (IOException ex) {
                throw new ProviderException(502, "Anthropic sent a malformed stream event.", false);
            }
            String type = e.path("type").asText(event);
            switch (type) {
                case "message_start" -> {
                    JsonNode m = e.path("message");
                    id = m.path("id").asText();
                    model = m.path("model").asText(model);
                    inputTokens = m.path("usage").path("input_tokens").asLong();
                    outputTokens = m.path("usage").path("output_tokens").asLong();
                    return List.of(Json.writeString(chunk(Json.object().put("role", "assistant").put("content", ""),
                            null)));
                }
                case "content_block_start" -> {
                    JsonNode block = e.path("content_block");
                    if (block.path("type").asText().equals("tool_use")) {
                        int index = toolIndexByBlock.size();
                        toolIndexByBlock.put(e.path("index").asInt(), index);
                        ObjectNode delta = Json.object();
                        ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index)
                                .put("id", block.path("id").asText()).put("type", "function");
                        call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                        return List.of(Json.writeString(chunk(delta, null)));
                    }
                    return List.of();
                }
                case "content_block_delta" -> {
                    JsonNode d = e.path("delta");
                    if (d.path("type").asText().equals("input_json_delta")) {
                        ObjectNode delta = Json.object();
                        delta.putArray("tool_calls").addObject()
                                .put("index", toolIndexByBlock.getOrDefault(e.path("index").asInt(), 0))
                                .putObject("function").put("arguments", d.path("partial_json").asText());
                        return List.of(Json.writeString(chunk(delta, null)));
                    }
                    if (d.has("text")) {
                        return List.of(Json.writeString(chunk(Json.object().put("content", d.path("text").asText()),
                                null)));
                    }
                    return List.of();
                }
                case "message_delta" -> {
                    outputTokens = e.path("usage").path("output_tokens").asLong(outputTokens);
                    ObjectNode last = chunk(Json.object(), finishReason(e.path("delta").path("stop_reason")
                            .asText("end_turn")));
                    if (includeUsage) {
                        last.set("usage", OpenAiShapes.usage(inputTokens, outputTokens));
                    }
                    return List.of(Json.writeString(last));
                }
                case "error" -> throw new ProviderException(502, "Anthropic stream error: "
                        + e.path("error").path("message").asText("unknown"), false);
                default -> {
                    return List.of();
                }
            }
        }

        @Override
        public Usage usage() {
            return new Usage(inputTokens, outputTokens);
        }

        @Override
        public String toString() {
            return "AnthropicStream[" + target + "]";
        }
    }
}
