package dev.osprey.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Long GETs reach their handler as they do on MLflow's server; only a request line past 256 KiB is refused. */
class LongRequestLineTest {
    @Test
    void aLongQueryString_isHandled_andAHugeOneIsRefusedWith414() throws Exception {
        Path dir = Files.createTempDirectory("osprey-long-line");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:", Optional.empty(),
                dir.resolve("artifacts"), true, "", true))) {
            HttpClient http = HttpClient.newHttpClient();
            String base = server.baseUrl() + "/api/2.0/mlflow/experiments/get?experiment_id=";
            HttpResponse<String> longOne = http.send(HttpRequest.newBuilder(URI.create(base + "a".repeat(70_000)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(longOne.statusCode()).as("the handler answers, as MLflow's does").isEqualTo(400);
            assertThat(longOne.body()).contains("INVALID_PARAMETER_VALUE").contains("Experiment ID must be a valid integer");
            HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create(base + "a".repeat(300_000)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(huge.statusCode()).isEqualTo(414);
        }
    }
}
