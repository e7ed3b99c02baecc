package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** One JSON POST to an OpenAI-compatible API; failures to connect become retryable {@link JudgeModel.JudgeModelException}s. */
final class OpenAiHttp {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUrl;
    private final Optional<String> apiKey;
    private final Duration timeout;

    OpenAiHttp(String baseUrl, Optional<String> apiKey, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    /** POSTs {@code body} to {@code <base><path>}; {@code name} is the model, for error messages. */
    HttpResponse<byte[]> post(String path, ObjectNode body, String name) {
        return post(path, body, name, java.util.Map.of());
    }

    /** As {@link #post(String, ObjectNode, String)}, with extra request headers. */
    HttpResponse<byte[]> post(String path, ObjectNode body, String name, java.util.Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        apiKey.ifPresent(k -> request.header("Authorization", "Bearer " + k));
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new JudgeModel.JudgeModelException("Model " + name + " unreachable: "
                    + e.getClass().getSimpleName(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeModel.JudgeModelException("Interrupted", false);
        }
    }
}
