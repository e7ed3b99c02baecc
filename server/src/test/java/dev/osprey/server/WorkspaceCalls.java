package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * REST calls to a test server in a workspace ({@code X-MLFLOW-WORKSPACE}; null: none, the default one), optionally
 * with basic credentials.
 */
record WorkspaceCalls(String baseUrl, Optional<String> userAndPassword) {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    HttpResponse<String> send(String workspace, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        userAndPassword.ifPresent(u -> b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                u.getBytes(StandardCharsets.UTF_8))));
        if (workspace != null) {
            b.header("X-MLFLOW-WORKSPACE", workspace);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The answer of a call that must succeed (200). */
    JsonNode ok(String workspace, String method, String path, String json) throws Exception {
        HttpResponse<String> r = send(workspace, method, path, json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }
}
