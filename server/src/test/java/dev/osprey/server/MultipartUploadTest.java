package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Multipart uploads through the proxy into a local destination: create, parts to this server, complete, abort. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultipartUploadTest {
    private static final String MPU = "/api/2.0/mlflow-artifacts/mpu";
    private static final String FILES = "/api/2.0/mlflow-artifacts/artifacts";
    private OspreyServer server;
    private Path root;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-mpu");
        root = dir.resolve("artifacts");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), root, true, "", true));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String url, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void createPartsComplete_storesTheFileUnderTheDirectoryWithTheClientsBaseName() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 99];
        new Random(5).nextBytes(data);
        int partSize = 1024 * 1024 + 1;
        int numParts = (data.length + partSize - 1) / partSize;
        HttpResponse<String> created = post(MPU + "/create/1/run/artifacts/model",
                "{\"path\": \"/home/me/work/weights.bin\", \"num_parts\": " + numParts + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode create = Json.read(created.body());
        String uploadId = create.get("upload_id").asText();
        assertThat(create.get("credentials")).hasSize(numParts);

        ObjectNode complete = Json.object().put("path", "/home/me/work/weights.bin").put("upload_id", uploadId);
        ArrayNode parts = complete.putArray("parts");
        for (JsonNode credential : create.get("credentials")) {
            int n = credential.get("part_number").asInt();
            assertThat(credential.get("url").asText()).startsWith(server.baseUrl() + MPU + "/parts/" + uploadId);
            byte[] part = Arrays.copyOfRange(data, (n - 1) * partSize, Math.min(data.length, n * partSize));
            HttpResponse<String> sent = put(credential.get("url").asText(), part);
            assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
            parts.addObject().put("part_number", n).put("etag", sent.headers().firstValue("ETag").orElseThrow())
                    .put("url", credential.get("url").asText());
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + FILES
                + "/1/run/artifacts/model/weights.bin")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("nothing visible before completion").isEqualTo(404);

        HttpResponse<String> done = post(MPU + "/complete/1/run/artifacts/model", Json.writeString(complete));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        byte[] stored = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + FILES
                + "/1/run/artifacts/model/weights.bin")).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(MessageDigest.getInstance("SHA-256").digest(stored))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
        assertThat(Files.list(root.resolve(".osprey-upload-parts"))).isEmpty();
        String listing = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + FILES + "?path=")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(listing).doesNotContain(".osprey");
    }

    @Test
    void abort_dropsTheParts_andBadRequestsAre400() throws Exception {
        JsonNode create = Json.read(post(MPU + "/create/x", "{\"path\": \"C:\\\\data\\\\f.bin\", \"num_parts\": 2}")
                .body());
        String uploadId = create.get("upload_id").asText();
        put(create.get("credentials").get(0).get("url").asText(), "abc".getBytes(StandardCharsets.UTF_8));
        assertThat(post(MPU + "/complete/x", "{\"path\": \"f.bin\", \"upload_id\": \"" + uploadId
                + "\", \"parts\": [{\"part_number\": 1, \"etag\": \"\\\"wrong\\\"\"}]}").statusCode()).isEqualTo(400);
        assertThat(post(MPU + "/complete/x", "{\"path\": \"f.bin\", \"upload_id\": \"" + uploadId
                + "\", \"parts\": [{\"part_number\": 2, \"etag\": \"e\"}]}").statusCode()).as("never uploaded")
                .isEqualTo(400);
        assertThat(post(MPU + "/abort/x", "{\"path\": \"f.bin\", \"upload_id\": \"" + uploadId + "\"}")
                .statusCode()).isEqualTo(200);
        assertThat(Files.exists(root.resolve(".osprey-upload-parts").resolve(uploadId))).isFalse();
        assertThat(Files.exists(root.resolve("x/f.bin"))).isFalse();

        for (String[] bad : new String[][] {
            {"/create/x", "{\"path\": \"f.bin\", \"num_parts\": 0}"},
            {"/create/x", "{\"path\": \"f.bin\", \"num_parts\": 10001}"},
            {"/create/x", "{\"num_parts\": 1}"},
            {"/create/x", "{\"path\": \"..\", \"num_parts\": 1}"},
            {"/create/..%2f..", "{\"path\": \"f.bin\", \"num_parts\": 1}"},
            {"/create/x", "not json"},
            {"/complete/x", "{\"path\": \"f.bin\", \"upload_id\": \"../../etc\", \"parts\": [{\"part_number\": 1}]}"},
            {"/complete/x", "{\"path\": \"f.bin\", \"upload_id\": \"" + uploadId + "\"}"},
            {"/abort/x", "{\"path\": \"f.bin\", \"upload_id\": \"..\"}"}}) {
            HttpResponse<String> r = post(MPU + bad[0], bad[1]);
            assertThat(r.statusCode()).as(bad[0] + " " + bad[1] + " -> " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains("INVALID_PARAMETER_VALUE");
        }
        assertThat(put(server.baseUrl() + MPU + "/parts/" + uploadId + "/1", new byte[1]).statusCode())
                .as("parts of a finished upload").isEqualTo(404);
        assertThat(put(server.baseUrl() + MPU + "/parts/../1", new byte[1]).statusCode()).isIn(400, 404);
        assertThat(post(MPU + "/unknown/x", "{}").statusCode()).isEqualTo(404);
    }
}
