package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An agent behind an OpenAI-compatible URL (any agent server, a model, this server's gateway) speaking Chat
 * Completions or the Responses API, streamed or not: the conversation goes as {@code messages} (or {@code input}),
 * the case's context as extra top-level fields, the session id in the {@code X-Mlflow-Session-Id} header and the
 * turn's trace as W3C {@code traceparent}; the reply is the first choice's message content (the output text; a
 * stream's deltas joined). An answer in none of these forms is the agent's failure, reported on its conversation.
 */
public final class OpenAiChatAgent implements ConversationAgent {
    public static final String SESSION_HEADER = "X-Mlflow-Session-Id";
    private final OpenAiHttp http;
    private final String model;
    private final Api api;
    private final boolean stream;

    /** Which OpenAI API the agent speaks: Chat Completions ({@code messages}) or Responses ({@code input}). */
    public enum Api {
        CHAT_COMPLETIONS("/chat/completions", "messages"), RESPONSES("/responses", "input");

        private final String path;
        private final String messagesField;

        Api(String path, String messagesField) {
            this.path = path;
            this.messagesField = messagesField;
        }
    }

    public OpenAiChatAgent(String baseUrl, Optional<String> apiKey, String model, Duration timeout) {
        this(baseUrl, apiKey, model, timeout, Api.CHAT_COMPLETIONS, false);
    }

    /** @param stream ask for server-sent events ({@code "stream": true}) and join the text deltas */
    public OpenAiChatAgent(String baseUrl, Optional<String> apiKey, String model, Duration timeout, Api api,
            boolean stream) {
        this.http = new OpenAiHttp(baseUrl, apiKey, timeout);
        this.model = model;
        this.api = api;
        this.stream = stream;
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context) {
        return respond(messages, sessionId, context, TraceContext.random());
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context, TraceContext trace) {
        ObjectNode body = context.deepCopy();
        body.put("model", model);
        if (stream) {
            body.put("stream", true);
        }
        ArrayNode list = body.putArray(api.messagesField);
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        HttpResponse<byte[]> response = http.post(api.path, body, name(), Map.of(SESSION_HEADER, sessionId,
                "traceparent", trace.traceparent()));
        if (response.statusCode() / 100 != 2) {
            return OpenAiJudgeModel.reply(name(), response.statusCode(), response.body());
        }
        if (stream) {
            return streamed(new String(response.body(), StandardCharsets.UTF_8));
        }
        return api == Api.RESPONSES ? responsesText(parse(response.body())) : OpenAiJudgeModel.reply(name(),
                response.statusCode(), response.body());
    }

    private String name() {
        return "agent " + model;
    }

    private JsonNode parse(byte[] body) {
        try {
            return Json.read(body);
        } catch (IOException e) {
            throw garbage();
        }
    }

    private JudgeModel.JudgeModelException garbage() {
        return new JudgeModel.JudgeModelException(name() + " did not answer in " + (api == Api.RESPONSES
                ? "the Responses API's" : "Chat Completions") + (stream ? " stream" : " JSON") + " form.", false);
    }

    /** The Responses API's answer: {@code output_text} when given, else the output messages' text parts. */
    private String responsesText(JsonNode json) {
        if (json.path("output_text").isTextual()) {
            return json.path("output_text").asText();
        }
        if (!json.path("output").isArray()) {
            throw garbage();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode item : json.path("output")) {
            for (JsonNode part : item.path("content")) {
                if (part.path("type").asText().equals("output_text")) {
                    text.append(part.path("text").asText());
                }
            }
        }
        return text.toString();
    }

    /**
     * A stream's text: Chat Completions' {@code choices[0].delta.content} chunks up to {@code [DONE]}, or the
     * Responses API's {@code response.output_text.delta} events (its {@code response.completed} event's output when
     * no delta came).
     */
    private String streamed(String events) {
        StringBuilder text = new StringBuilder();
        Optional<JsonNode> completed = Optional.empty();
        boolean sawEvent = false;
        for (String line : events.split("\\R")) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                sawEvent = true;
                break;
            }
            JsonNode event = parse(data.getBytes(StandardCharsets.UTF_8));
            sawEvent = true;
            if (api == Api.CHAT_COMPLETIONS) {
                JsonNode content = event.path("choices").path(0).path("delta").path("content");
                if (content.isTextual()) {
                    text.append(content.asText());
                }
            } else if (event.path("type").asText().equals("response.output_text.delta")) {
                text.append(event.path("delta").asText());
            } else if (event.path("type").asText().equals("response.completed")) {
                completed = Optional.of(event.path("response"));
            }
        }
        if (!sawEvent) {
            throw garbage();
        }
        if (text.isEmpty() && completed.isPresent()) {
            return responsesText(completed.get());
        }
        return text.toString();
    }
}
