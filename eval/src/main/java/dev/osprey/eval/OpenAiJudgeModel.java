package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A judge model behind any OpenAI-compatible chat completions URL: OpenAI itself, or Osprey's gateway
 * ({@code <server>/gateway/mlflow/v1} with the endpoint name as model), which brings its fallbacks, rate limits and
 * usage tracking to judges. Temperature 0, so verdicts are as repeatable as the model allows.
 */
public final class OpenAiJudgeModel implements JudgeModel {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUrl;
    private final Optional<String> apiKey;
    private final String model;
    private final Duration timeout;

    public OpenAiJudgeModel(String baseUrl, Optional<String> apiKey, String model, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.model = model;
        this.timeout = timeout;
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
        ObjectNode body = request(model, system, user);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                .timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        apiKey.ifPresent(k -> request.header("Authorization", "Bearer " + k));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new JudgeModelException("Judge model " + name() + " unreachable: " + e.getClass().getSimpleName(),
                    true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeModelException("Interrupted", false);
        }
        return reply(name(), response.statusCode(), response.body());
    }
}
