package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, finding 4: the official MLflow Java client's contract through nginx with its default {@code proxy_pass}
 * (HTTP/1.0 to the upstream), plus the answers that are streamed (chunked to HTTP/1.1 clients) and large bodies.
 */
class ITMlflowClientBehindNginx extends MlflowJavaClientContract {
    private Nginx nginx;

    @Override
    protected String backendStoreUri() {
        return Backends.freshSqlite();
    }

    @Override
    protected String clientUrl(ServerProcess server) throws Exception {
        nginx = Nginx.proxyTo(server.port());
        return nginx.url();
    }

    @Override
    protected void stopProxy() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void streamedAnswersAndLargeArtifacts_passThroughTheProxy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] blob = new byte[5 * 1024 * 1024 + 17];
        ThreadLocalRandom.current().nextBytes(blob);
        String artifact = nginx.url() + "/api/2.0/mlflow-artifacts/artifacts/0/nginx/blob.bin";
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(artifact))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(artifact)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(blob);

        String traceId = java.util.HexFormat.of().formatHex(randomBytes(16));
        long now = System.currentTimeMillis() * 1_000_000L;
        String spans = """
                {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"%s","name":"through-nginx",
                "kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}""".formatted(traceId,
                java.util.HexFormat.of().formatHex(randomBytes(8)), now, now + 1_000_000);
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(nginx.url() + "/v1/traces"))
                .header("Content-Type", "application/json").header("x-mlflow-experiment-id", "0")
                .POST(HttpRequest.BodyPublishers.ofString(spans)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
        // GetTrace streams (chunked to HTTP/1.1): through nginx's HTTP/1.0 hop it must arrive whole.
        HttpResponse<String> trace = http.send(HttpRequest.newBuilder(URI.create(nginx.url()
                + "/api/3.0/mlflow/traces/get?trace_id=tr-" + traceId)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(trace.statusCode()).isEqualTo(200);
        assertThat(trace.body()).contains("\"through-nginx\"").endsWith("}");
        assertThat(nginx.errorLog()).doesNotContain("upstream sent", "505", "prematurely closed");
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
