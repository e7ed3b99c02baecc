package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An agent behind an OpenAI-compatible URL (any agent server, a model, this server's gateway) speaking Chat
 * Completions or the Responses API: the conversation goes as {@code messages} (or {@code input}), the case's context
 * as extra top-level fields, the session id in the {@code X-Mlflow-Session-Id} header and the turn's trace as W3C
 * {@code traceparent}; the reply is the first choice's message content (the output text). An answer in neither form
 * is the agent's failure, reported on its conversation.
 */
public final class OpenAiChatAgent implements ConversationAgent {
    public static final String SESSION_HEADER = "X-Mlflow-Session-Id";
    private final OpenAiHttp http;
    private final String model;

    private final Api api;

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
        this(baseUrl, apiKey, model, timeout, Api.CHAT_COMPLETIONS);
    }

    public OpenAiChatAgent(String baseUrl, Optional<String> apiKey, String model, Duration timeout, Api api) {
        this.http = new OpenAiHttp(baseUrl, apiKey, timeout);
        this.model = model;
        this.api = api;
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context) {
        return respond(messages, sessionId, context, TraceContext.random());
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context, TraceContext trace) {
        ObjectNode body = context.deepCopy();
        body.put("model", model);
        ArrayNode list = body.putArray(api.messagesField);
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        HttpResponse<byte[]> response = http.post(api.path, body, "agent " + model,
                java.util.Map.of(SESSION_HEADER, sessionId, "traceparent", trace.traceparent()));
        return api == Api.RESPONSES ? responsesText(response) : OpenAiJudgeModel.reply("agent " + model,
                response.statusCode(), response.body());
    }

    /** The Responses API's answer: {@code output_text} when given, else the output messages' text parts. */
    private String responsesText(HttpResponse<byte[]> response) {
        String name = "agent " + model;
        if (response.statusCode() / 100 != 2) {
            return OpenAiJudgeModel.reply(name, response.statusCode(), response.body());
        }
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = dev.osprey.protocol.Json.read(response.body());
        } catch (java.io.IOException e) {
            throw new JudgeModel.JudgeModelException(name + " did not answer in the Responses API's JSON.", false);
        }
        if (json.path("output_text").isTextual()) {
            return json.path("output_text").asText();
        }
        StringBuilder text = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonNode item : json.path("output")) {
            for (com.fasterxml.jackson.databind.JsonNode part : item.path("content")) {
                if (part.path("type").asText().equals("output_text")) {
                    text.append(part.path("text").asText());
                }
            }
        }
        if (text.isEmpty() && !json.path("output").isArray()) {
            throw new JudgeModel.JudgeModelException(name + " did not answer in the Responses API's JSON.", false);
        }
        return text.toString();
    }
}
