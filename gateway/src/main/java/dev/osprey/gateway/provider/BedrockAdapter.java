package dev.osprey.gateway.provider;

import dev.osprey.gateway.provider.internal.AwsEventStream;
import dev.osprey.gateway.provider.internal.SigV4;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * AWS Bedrock's Converse API behind OpenAI chat completions, signed with SigV4 (service {@code bedrock}): system
 * messages become {@code system} blocks, tool calls {@code toolUse} blocks, tool replies {@code toolResult} blocks;
 * ConverseStream's binary event stream ({@link AwsEventStream}) becomes chat.completion.chunk events. Credentials
 * are the secret's {@code aws_access_key_id}, {@code aws_secret_access_key} and optional {@code aws_session_token};
 * the region is {@code aws_region} in the auth config (default us-east-1), {@code api_base} overrides the endpoint.
 */
public final class BedrockAdapter implements ProviderAdapter {
    private static final int DEFAULT_MAX_TOKENS = 4096;

    @Override
    public boolean supports(Operation operation) {
        return operation != Operation.COMPLETIONS;
    }

    @Override
    public boolean binaryEventStream() {
        return true;
    }

    @Override
    public UpstreamRequest request(Operation op, ObjectNode chat, Target t, boolean stream) {
        String region = t.setting("aws_region").or(() -> t.setting("region")).orElse("us-east-1");
        String base = t.apiBase("https://bedrock-runtime." + region + ".amazonaws.com");
        // Model ids carry ':' (anthropic.claude-...-v1:0): legal in a path segment, and HTTP clients send it as is,
        // so it stays raw here and the signature covers the path exactly as it goes on the wire.
        URI uri = URI.create(base + "/model/" + SigV4.encode(t.modelName()).replace("%3A", ":")
                + (stream ? "/converse-stream" : "/converse"));
        SigV4.Credentials credentials = new SigV4.Credentials(
                t.credentials().getOrDefault("aws_access_key_id", ""),
                t.credentials().getOrDefault("aws_secret_access_key", ""),
                Optional.ofNullable(t.credentials().get("aws_session_token")).filter(s -> !s.isBlank()));
        if (credentials.accessKeyId().isEmpty() || credentials.secretAccessKey().isEmpty()) {
            throw new ProviderException(400, "The secret for bedrock needs aws_access_key_id and "
                    + "aws_secret_access_key.", false);
        }
        if (op == Operation.EMBEDDINGS) {
            // Titan text embeddings take one text per call: the gateway accepts one input here.
            JsonNode input = chat.path("input");
            if (input.isArray() && input.size() != 1) {
                throw new ProviderException(400, "Bedrock embeddings take one input per request, got "
                        + input.size() + ".", false);
            }
            uri = URI.create(base + "/model/" + SigV4.encode(t.modelName()).replace("%3A", ":") + "/invoke");
            byte[] embedBody = Json.write(Json.object().put("inputText", input.isArray() ? input.path(0).asText()
                    : input.asText()));
            Map<String, String> embedHeaders = new LinkedHashMap<>();
            embedHeaders.put("Content-Type", "application/json");
            return new UpstreamRequest(uri, SigV4.sign(uri, embedHeaders, embedBody, credentials, region, "bedrock",
                    Instant.now()), embedBody);
        }
        byte[] body = Json.write(body(chat));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        return new UpstreamRequest(uri, SigV4.sign(uri, headers, body, credentials, region, "bedrock", Instant.now()),
                body);
    }

    static ObjectNode body(ObjectNode chat) {
        ObjectNode out = Json.object();
        ArrayNode messages = out.putArray("messages");
        ArrayNode system = Json.MAPPER.createArrayNode();
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText();
            String text = AnthropicAdapter.text(m.get("content"));
            switch (role) {
                case "system", "developer" -> system.addObject().put("text", text);
                case "assistant" -> {
                    ArrayNode content = messages.addObject().put("role", "assistant").putArray("content");
                    if (!text.isEmpty()) {
                        content.addObject().put("text", text);
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        content.addObject().putObject("toolUse").put("toolUseId", call.path("id").asText())
                                .put("name", call.path("function").path("name").asText())
                                .set("input", OpenAiShapes.arguments(call.path("function").path("arguments")
                                        .asText("{}")));
                    }
                }
                case "tool" -> OpenAiShapes.userContent(messages).addObject().putObject("toolResult")
                        .put("toolUseId", m.path("tool_call_id").asText()).putArray("content").addObject()
                        .put("text", text);
                default -> OpenAiShapes.userContent(messages).addObject().put("text", text);
            }
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        ObjectNode config = out.putObject("inferenceConfig");
        JsonNode maxTokens = chat.has("max_completion_tokens") ? chat.get("max_completion_tokens")
                : chat.get("max_tokens");
        config.put("maxTokens", maxTokens != null && maxTokens.canConvertToInt() ? maxTokens.asInt()
                : DEFAULT_MAX_TOKENS);
        if (chat.hasNonNull("temperature")) {
            config.set("temperature", chat.get("temperature"));
        }
        if (chat.hasNonNull("top_p")) {
            config.set("topP", chat.get("top_p"));
        }
        List<String> stops = OpenAiShapes.stops(chat);
        if (!stops.isEmpty()) {
            stops.forEach(config.putArray("stopSequences")::add);
        }
        if (chat.path("tools").isArray() && !chat.path("tools").isEmpty()) {
            ObjectNode toolConfig = out.putObject("toolConfig");
            ArrayNode tools = toolConfig.putArray("tools");
            for (JsonNode tool : chat.path("tools")) {
                JsonNode fn = tool.path("function");
                ObjectNode spec = tools.addObject().putObject("toolSpec").put("name", fn.path("name").asText());
                if (fn.has("description")) {
                    spec.put("description", fn.path("description").asText());
                }
                spec.putObject("inputSchema").set("json", fn.has("parameters") ? fn.get("parameters")
                        : Json.object().put("type", "object"));
            }
            JsonNode choice = chat.get("tool_choice");
            if (choice != null && choice.isTextual() && choice.asText().equals("required")) {
                toolConfig.putObject("toolChoice").putObject("any");
            } else if (choice != null && choice.isObject()) {
                toolConfig.putObject("toolChoice").putObject("tool").put("name", choice.path("function")
                        .path("name").asText());
            }
        }
        return out;
    }

    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens" -> "length";
            case "tool_use" -> "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            case "" -> "";
            default -> "stop";
        };
    }

    @Override
    public ObjectNode response(Operation op, JsonNode r, Target t) {
        ObjectNode out = Json.object();
        if (op == Operation.EMBEDDINGS) {
            out.put("object", "list").put("model", t.modelName());
            out.putArray("data").addObject().put("object", "embedding").put("index", 0)
                    .set("embedding", r.path("embedding"));
            long tokens = r.path("inputTextTokenCount").asLong();
            out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
            return out;
        }
        out.put("id", "chatcmpl-" + UUID.randomUUID());
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", t.modelName());
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode block : r.path("output").path("message").path("content")) {
            if (block.has("text")) {
                text.append(block.path("text").asText());
            } else if (block.has("toolUse")) {
                JsonNode use = block.path("toolUse");
                OpenAiShapes.toolCall(calls, use.path("toolUseId").asText(), use.path("name").asText(),
                        Json.writeString(use.path("input")));
            }
        }
        OpenAiShapes.message(message, text, calls);
        choice.put("finish_reason", finishReason(r.path("stopReason").asText()));
        out.set("usage", OpenAiShapes.usage(r.path("usage").path("inputTokens").asLong(),
                r.path("usage").path("outputTokens").asLong()));
        return out;
    }

    @Override
    public String errorMessage(JsonNode body, String raw) {
        JsonNode message = body.has("message") ? body.get("message") : body.get("Message");
        return message != null && message.isTextual() ? message.asText() : ProviderAdapter.super.errorMessage(body, raw);
    }

    @Override
    public StreamTranslator stream(Operation op, Target t, boolean clientAskedForUsage) {
        String id = "chatcmpl-" + UUID.randomUUID();
        long created = System.currentTimeMillis() / 1000;
        return new StreamTranslator() {
            private final Map<Integer, Integer> toolIndexByBlock = new LinkedHashMap<>();
            private long inputTokens;
            private long outputTokens;
            private ObjectNode held;

            private ObjectNode chunk(ObjectNode delta, String finish) {
                return OpenAiShapes.chunk(id, created, t.modelName(), delta, finish);
            }

            @Override
            public List<String> onEvent(String event, String data) {
                JsonNode e;
                try {
                    e = Json.read(data);
                } catch (IOException ex) {
                    throw new ProviderException(502, "Bedrock sent a malformed stream event.", false);
                }
                List<String> out = new ArrayList<>();
                switch (event) {
                    case "messageStart" -> out.add(Json.writeString(chunk(Json.object().put("role", "assistant")
                            .put("content", ""), null)));
                    case "contentBlockStart" -> {
                        JsonNode use = e.path("start").path("toolUse");
                        if (use.isObject()) {
                            int index = toolIndexByBlock.size();
                            toolIndexByBlock.put(e.path("contentBlockIndex").asInt(), index);
                            ObjectNode delta = Json.object();
                            ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index)
                                    .put("id", use.path("toolUseId").asText()).put("type", "function");
                            call.putObject("function").put("name", use.path("name").asText()).put("arguments", "");
                            out.add(Json.writeString(chunk(delta, null)));
                        }
                    }
                    case "contentBlockDelta" -> {
                        JsonNode d = e.path("delta");
                        if (d.has("text")) {
                            out.add(Json.writeString(chunk(Json.object().put("content", d.path("text").asText()),
                                    null)));
                        } else if (d.has("toolUse")) {
                            ObjectNode delta = Json.object();
                            delta.putArray("tool_calls").addObject()
                                    .put("index", toolIndexByBlock.getOrDefault(e.path("contentBlockIndex").asInt(), 0))
                                    .putObject("function").put("arguments", d.path("toolUse").path("input").asText());
                            out.add(Json.writeString(chunk(delta, null)));
                        }
                    }
                    // The finish reason comes before the usage metadata; hold it so usage can ride on it.
                    case "messageStop" -> held = chunk(Json.object(), finishReason(e.path("stopReason").asText()));
                    case "metadata" -> {
                        inputTokens = e.path("usage").path("inputTokens").asLong();
                        outputTokens = e.path("usage").path("outputTokens").asLong();
                        if (held != null) {
                            if (clientAskedForUsage) {
                                held.set("usage", OpenAiShapes.usage(inputTokens, outputTokens));
                            }
                            out.add(Json.writeString(held));
                            held = null;
                        }
                    }
                    default -> { }
                }
                return out;
            }

            @Override
            public List<String> finish() {
                if (held == null) {
                    return List.of();
                }
                String last = Json.writeString(held);
                held = null;
                return List.of(last);
            }

            @Override
            public Usage usage() {
                return new Usage(inputTokens, outputTokens);
            }
        };
    }
}
