package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Constant memory: a 1 GiB artifact goes up and comes back through the proxy of a server limited to a 256 MiB heap,
 * byte-exact (SHA-256 of what was sent against what came back).
 */
class ITLargeArtifact {
    private static final long SIZE = 1L << 30;

    @Test
    void oneGibibyte_throughA256MibHeap_isChecksumExact() throws Exception {
        Path dir = Files.createTempDirectory("osprey-large");
        ServerProcess.Launch launch = new ServerProcess.Launch(ServerProcess.freePort(),
                "sqlite:///" + dir + "/osprey.db", dir.resolve("artifacts").toString(), List.of("-Xmx256m"),
                Map.of(), List.of());
        try (ServerProcess server = ServerProcess.start(launch)) {
            HttpClient http = HttpClient.newHttpClient();
            URI file = URI.create(server.url() + "/api/2.0/mlflow-artifacts/artifacts/0/big/artifacts/blob.bin");
            GeneratedBytes sent = new GeneratedBytes(SIZE, 42);
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(file)
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> sent), SIZE)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(Files.size(dir.resolve("artifacts/0/big/artifacts/blob.bin"))).isEqualTo(SIZE);

            HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(file).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
            String received;
            try (InputStream body = get.body()) {
                received = GeneratedBytes.sha256(body);
            }
            assertThat(received).isEqualTo(sent.sha256());
            assertThat(server.log()).doesNotContain("OutOfMemoryError");
        } finally {
            Files.deleteIfExists(dir.resolve("artifacts/0/big/artifacts/blob.bin"));
        }
    }
}
