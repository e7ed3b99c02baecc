package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An agent behind an OpenAI-compatible Chat Completions URL (any agent server, a model, this server's gateway): the
 * conversation goes as {@code messages}, the case's context as extra top-level fields, and the session id in the
 * {@code X-Mlflow-Session-Id} header; the reply is the first choice's message content. An answer that is not Chat
 * Completions JSON is the agent's failure, reported on its conversation.
 */
public final class OpenAiChatAgent implements ConversationAgent {
    public static final String SESSION_HEADER = "X-Mlflow-Session-Id";
    private final OpenAiHttp http;
    private final String model;

    public OpenAiChatAgent(String baseUrl, Optional<String> apiKey, String model, Duration timeout) {
        this.http = new OpenAiHttp(baseUrl, apiKey, timeout);
        this.model = model;
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context) {
        ObjectNode body = context.deepCopy();
        body.put("model", model);
        ArrayNode list = body.putArray("messages");
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        HttpResponse<byte[]> response = http.post("/chat/completions", body, "agent " + model,
                java.util.Map.of(SESSION_HEADER, sessionId));
        return OpenAiJudgeModel.reply("agent " + model, response.statusCode(), response.body());
    }
}
