package dev.osprey.server.gc;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.server.artifacts.ArtifactLocations;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** How garbage collection reaches artifacts: straight through the repositories, or over HTTP to a proxy. */
public final class ArtifactDeleters {
    private ArtifactDeleters() {}

    /**
     * Deletes through the server's own repositories; {@code mlflow-artifacts:} locations go to {@code proxy} when it
     * is set (the tracking server that owns the destination), otherwise straight to the destination.
     */
    public static GarbageCollector.ArtifactDeleter of(ArtifactLocations locations, Optional<URI> proxy) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return uri -> {
            ArtifactLocations.Location location = locations.resolve(uri);
            if (location.path().isRoot()) {
                throw new IOException("refusing to delete a whole artifact root");
            }
            if (proxy.isPresent() && uri.startsWith("mlflow-artifacts:")) {
                deleteOverHttp(http, proxy.get(), location.path());
            } else {
                location.repository().delete(location.path());
            }
        };
    }

    private static void deleteOverHttp(HttpClient http, URI server, ArtifactPath path) throws IOException {
        StringBuilder encoded = new StringBuilder();
        for (String segment : path.segments()) {
            encoded.append('/').append(java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20"));
        }
        String base = server.toString().replaceAll("/+$", "");
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow-artifacts/artifacts"
                + encoded)).timeout(Duration.ofMinutes(10)).DELETE().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("DELETE " + request.uri() + " answered " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
