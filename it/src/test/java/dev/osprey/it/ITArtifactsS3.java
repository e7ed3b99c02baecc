package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.s3.S3TestServer;
import dev.osprey.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The server jar with {@code --artifacts-destination s3://...} against a real S3 protocol server, configured the
 * way users configure it (MLFLOW_S3_ENDPOINT_URL and the standard AWS credential variables).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITArtifactsS3 {
    private static final String FILES = "/api/2.0/mlflow-artifacts/artifacts";
    private S3TestServer s3;
    private ServerProcess server;
    private String destinationPrefix;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        s3 = S3TestServer.start();
        URI destination = s3.newLocation();
        destinationPrefix = destination.getPath().substring(1);
        Path dir = Files.createTempDirectory("osprey-it-s3");
        server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                "sqlite:///" + dir + "/osprey.db", destination.toString(), List.of("-Xmx512m"), s3.environment(),
                List.of()));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        s3.close();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create(server.url() + path));
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<byte[]> r = send(at(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return Json.read(r.body());
    }

    @Test
    void proxy_uploadsListsDownloadsAndDeletesInTheBucket() throws Exception {
        assertThat(send(at(FILES + "/1/r/artifacts/model/MLmodel").PUT(HttpRequest.BodyPublishers.ofString(
                "flavors: {}"))).statusCode()).isEqualTo(200);
        assertThat(s3.clients().s3().headObject(b -> b.bucket(S3TestServer.BUCKET)
                .key(destinationPrefix + "/1/r/artifacts/model/MLmodel")).contentLength()).isEqualTo(11);
        HttpResponse<byte[]> range = send(at(FILES + "/1/r/artifacts/model/MLmodel").header("Range", "bytes=9-"));
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(new String(range.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(new String(send(at(FILES + "?path=1/r/artifacts")).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"files\":[{\"path\":\"model\",\"is_dir\":true}]}");
        assertThat(send(at(FILES + "/1/r").DELETE()).statusCode()).isEqualTo(200);
        assertThat(send(at(FILES + "/1/r/artifacts/model/MLmodel")).statusCode()).isEqualTo(404);
        assertThat(send(at(FILES + "/%2e%2e/x").GET()).statusCode()).isEqualTo(400);
    }

    @Test
    void multipart_hasClientsPutPartsToPresignedUrls() throws Exception {
        int partSize = 5 * 1024 * 1024;
        byte[] data = new byte[2 * partSize + 4321];
        new Random(3).nextBytes(data);
        JsonNode create = post("/api/2.0/mlflow-artifacts/mpu/create/2/r/artifacts",
                "{\"path\": \"/tmp/local/weights.bin\", \"num_parts\": 3}");
        ObjectNode complete = Json.object().put("path", "/tmp/local/weights.bin")
                .put("upload_id", create.get("upload_id").asText());
        ArrayNode parts = complete.putArray("parts");
        for (JsonNode credential : create.get("credentials")) {
            String url = credential.get("url").asText();
            assertThat(url).startsWith(s3.endpoint().toString()).contains("X-Amz-Signature");
            int n = credential.get("part_number").asInt();
            byte[] part = Arrays.copyOfRange(data, (n - 1) * partSize, Math.min(data.length, n * partSize));
            HttpResponse<byte[]> sent = send(HttpRequest.newBuilder(URI.create(url))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(part)));
            assertThat(sent.statusCode()).isEqualTo(200);
            parts.addObject().put("part_number", n).put("etag", sent.headers().firstValue("ETag").orElseThrow());
        }
        post("/api/2.0/mlflow-artifacts/mpu/complete/2/r/artifacts", Json.writeString(complete));
        byte[] back = send(at(FILES + "/2/r/artifacts/weights.bin")).body();
        assertThat(MessageDigest.getInstance("SHA-256").digest(back))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));

        JsonNode aborted = post("/api/2.0/mlflow-artifacts/mpu/create/2/r/artifacts",
                "{\"path\": \"other.bin\", \"num_parts\": 1}");
        post("/api/2.0/mlflow-artifacts/mpu/abort/2/r/artifacts", "{\"path\": \"other.bin\", \"upload_id\": \""
                + aborted.get("upload_id").asText() + "\"}");
        assertThat(send(at(FILES + "/2/r/artifacts/other.bin")).statusCode()).isEqualTo(404);
    }

    @Test
    void runsWithAnS3Root_areListedAndServedFromTheBucket() throws Exception {
        URI location = s3.newLocation();
        String exp = post("/api/2.0/mlflow/experiments/create", "{\"name\": \"s3-root\", \"artifact_location\": \""
                + location + "\"}").get("experiment_id").asText();
        JsonNode run = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}").at("/run/info");
        String artifactUri = run.get("artifact_uri").asText();
        assertThat(artifactUri).startsWith(location.toString());
        String key = URI.create(artifactUri).getPath().substring(1) + "/eval/report.json";
        s3.clients().s3().putObject(b -> b.bucket(S3TestServer.BUCKET).key(key),
                RequestBody.fromString("{\"acc\": 0.9}"));
        String runId = run.get("run_id").asText();
        JsonNode listing = Json.read(send(at("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=eval"))
                .body());
        assertThat(listing.get("files").toString())
                .isEqualTo("[{\"path\":\"eval/report.json\",\"is_dir\":false,\"file_size\":12}]");
        assertThat(new String(send(at("/get-artifact?run_id=" + runId + "&path=eval/report.json")).body(),
                StandardCharsets.UTF_8)).isEqualTo("{\"acc\": 0.9}");
    }

    /** MLflow's presigned routes: upload straight into an S3 run root, download from the proxied destination. */
    @Test
    void presignedUrls_letClientsTalkToTheBucketDirectly() throws Exception {
        URI location = s3.newLocation();
        String exp = post("/api/2.0/mlflow/experiments/create", "{\"name\": \"presigned\", \"artifact_location\": \""
                + location + "\"}").get("experiment_id").asText();
        String runId = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}")
                .at("/run/info/run_id").asText();
        JsonNode upload = post("/api/2.0/mlflow/artifacts/presigned-upload-url", "{\"run_id\": \"" + runId
                + "\", \"path\": \"reports/summary.json\", \"expiration\": 120}");
        assertThat(upload.get("presigned_url").asText()).startsWith(s3.endpoint().toString())
                .contains("X-Amz-Signature");
        assertThat(upload.at("/headers/Content-Type").asText()).isEqualTo("application/json");
        HttpResponse<byte[]> put = send(HttpRequest.newBuilder(URI.create(upload.get("presigned_url").asText()))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"f1\": 1}")));
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(new String(send(at("/get-artifact?run_id=" + runId + "&path=reports/summary.json")).body(),
                StandardCharsets.UTF_8)).isEqualTo("{\"f1\": 1}");

        HttpResponse<byte[]> escape = send(at("/api/2.0/mlflow/artifacts/presigned-upload-url")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"run_id\": \"" + runId + "\", \"path\": \"../other-run/x\"}")));
        assertThat(escape.statusCode()).isEqualTo(400);
        String proxied = post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"0\"}").at("/run/info/run_id")
                .asText();
        HttpResponse<byte[]> refused = send(at("/api/2.0/mlflow/artifacts/presigned-upload-url")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"run_id\": \"" + proxied + "\", \"path\": \"x.txt\"}")));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("proxied artifact storage");

        byte[] weights = new byte[70_000];
        new Random(5).nextBytes(weights);
        assertThat(send(at(FILES + "/3/r/artifacts/weights.bin").PUT(HttpRequest.BodyPublishers.ofByteArray(weights)))
                .statusCode()).isEqualTo(200);
        JsonNode download = Json.read(send(at("/api/2.0/mlflow-artifacts/presigned/3/r/artifacts/weights.bin"))
                .body());
        assertThat(download.get("file_size").asLong()).isEqualTo(weights.length);
        assertThat(download.get("headers").isObject()).isTrue();
        assertThat(send(HttpRequest.newBuilder(URI.create(download.get("url").asText()))).body()).isEqualTo(weights);
        assertThat(send(at("/ajax-api/2.0/mlflow-artifacts/presigned/3/r/artifacts/missing.bin")).statusCode())
                .isEqualTo(404);
        assertThat(send(at("/api/2.0/mlflow-artifacts/presigned/%2e%2e/x")).statusCode()).isEqualTo(400);
    }
}
