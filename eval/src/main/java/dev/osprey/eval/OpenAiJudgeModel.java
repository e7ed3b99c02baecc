package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A judge model behind any OpenAI-compatible chat completions URL: OpenAI itself, or Osprey's gateway
 * ({@code <server>/gateway/mlflow/v1} with the endpoint name as model), which brings its fallbacks, rate limits and
 * usage tracking to judges. Temperature 0, so verdicts are as repeatable as the model allows.
 */
public final class OpenAiJudgeModel implements JudgeModel {
    private final OpenAiHttp http;
    private final String model;

    public OpenAiJudgeModel(String baseUrl, Optional<String> apiKey, String model, Duration timeout) {
        this.http = new OpenAiHttp(baseUrl, apiKey, timeout);
        this.model = model;
    }

    @Override
    public String name() {
        return "openai:/" + model;
    }

    /** The chat completions request a judge sends: the two messages, temperature 0. */
    public static ObjectNode request(String model, String system, String user) {
        ObjectNode body = Json.object().put("model", model).put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", user);
        return body;
    }

    /**
     * The verdict text of a chat completions answer; a refusal (429 and 5xx retryable) or an answer without message
     * content is a {@link JudgeModelException}.
     */
    public static String reply(String name, int status, byte[] body) {
        if (status / 100 != 2) {
            throw new JudgeModelException("Judge model " + name + " answered HTTP " + status,
                    status == 429 || status >= 500);
        }
        try {
            JsonNode answer = Json.read(body);
            JsonNode content = answer.path("choices").path(0).path("message").path("content");
            if (!content.isTextual()) {
                throw new JudgeModelException("Judge model " + name + " answered without message content", true);
            }
            return content.asText();
        } catch (IOException e) {
            throw new JudgeModelException("Judge model " + name + " answered with invalid JSON", true);
        }
    }

    @Override
    public String complete(String system, String user) {
        HttpResponse<byte[]> response = http.post("/chat/completions", request(model, system, user), name());
        return reply(name(), response.statusCode(), response.body());
    }
}
