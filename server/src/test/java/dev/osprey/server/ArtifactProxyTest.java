package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.server.testing.RawHttp;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mlflow-artifacts proxy through a real socket, including hostile paths sent as raw bytes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArtifactProxyTest {
    private static final String BASE = "/api/2.0/mlflow-artifacts/artifacts";
    private static final String SECRET = "CANARY-CONTENT-7f3a";
    private OspreyServer server;
    private Path root;
    private Path canary;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws IOException {
        Path dir = Files.createTempDirectory("osprey-proxy");
        root = dir.resolve("artifacts");
        canary = Files.writeString(dir.resolve("canary.txt"), SECRET);
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), root, true, "", true));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
    }

    @Test
    void theUisUploadRoute_writesASmallFileIntoTheRun_andRefusesBadInput() throws Exception {
        String runId = Json.read(new String(send(at("/api/2.0/mlflow/runs/create").header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"experiment_id\": \"0\"}"))).body(),
                StandardCharsets.UTF_8)).at("/run/info/run_id").asText();
        String upload = "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=" + runId + "&path=";
        HttpResponse<byte[]> ok = send(at(upload + "notes/readme.md").POST(HttpRequest.BodyPublishers.ofString(
                "# hello")));
        assertThat(ok.statusCode()).as(new String(ok.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        HttpResponse<byte[]> back = send(at("/get-artifact?run_id=" + runId + "&path=notes/readme.md"));
        assertThat(new String(back.body(), StandardCharsets.UTF_8)).isEqualTo("# hello");
        assertThat(send(at(upload + "../../escape.txt").POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode())
                .as("a path leaving the run's artifacts").isEqualTo(400);
        assertThat(send(at(upload + "empty.txt").POST(HttpRequest.BodyPublishers.noBody())).statusCode())
                .isEqualTo(400);
        assertThat(send(at("/ajax-api/2.0/mlflow/upload-artifact?path=a.txt").POST(HttpRequest.BodyPublishers
                .ofString("x"))).statusCode()).isEqualTo(400);
        assertThat(send(at(upload + "big.bin").POST(HttpRequest.BodyPublishers.ofByteArray(
                new byte[10 * 1024 * 1024 + 1]))).statusCode()).as("over MLflow's 10 MB").isEqualTo(400);
        assertThat(send(at("/ajax-api/2.0/mlflow/upload-artifact?run_uuid=" + "f".repeat(32) + "&path=a.txt")
                .POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode()).isEqualTo(404);
    }

    @Test
    void downloadNames_outsideAscii_keepTheirNameInFilenameStar_asMlflowsServerSendsThem() throws Exception {
        String encoded = "r%C3%A9sum%C3%A9%20%E6%97%A5.txt"; // "résumé 日.txt"
        assertThat(send(at(BASE + "/1/names/artifacts/" + encoded).PUT(HttpRequest.BodyPublishers.ofString("hi")))
                .statusCode()).isEqualTo(200);
        assertThat(send(at(BASE + "/1/names/artifacts/" + encoded)).headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"resume .txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E6%97%A5.txt");
        assertThat(send(at(BASE + "/1/names/artifacts/with%20space.txt").PUT(HttpRequest.BodyPublishers
                .ofString("hi"))).statusCode()).isEqualTo(200);
        assertThat(send(at(BASE + "/1/names/artifacts/with%20space.txt")).headers().firstValue(
                "Content-Disposition")).as("quoted only when not a token").hasValue(
                "attachment; filename=\"with space.txt\"");
    }

    @Test
    void uploadDownloadRangeListDelete() throws Exception {
        byte[] content = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> put = send(at(BASE + "/1/run/artifacts/data/file.txt").header("Content-Type",
                "text/plain").PUT(HttpRequest.BodyPublishers.ofByteArray(content)));
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo("{}");

        HttpResponse<byte[]> get = send(at(BASE + "/1/run/artifacts/data/file.txt").GET());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(content);
        assertThat(get.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain"));
        assertThat(get.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=file.txt");
        assertThat(get.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        HttpResponse<byte[]> range = send(at(BASE + "/1/run/artifacts/data/file.txt").header("Range", "bytes=10-")
                .GET());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(new String(range.body(), StandardCharsets.UTF_8)).isEqualTo("abcdef");
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 10-15/16");
        assertThat(send(at(BASE + "/1/run/artifacts/data/file.txt").header("Range", "bytes=99-").GET()).statusCode())
                .isEqualTo(416);

        String listing = new String(send(at(BASE + "?path=1/run/artifacts/data").GET()).body(),
                StandardCharsets.UTF_8);
        assertThat(listing).isEqualTo("{\"files\":[{\"path\":\"file.txt\",\"is_dir\":false,\"file_size\":16}]}");
        assertThat(new String(send(at(BASE + "?path=1/run").GET()).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"files\":[{\"path\":\"artifacts\",\"is_dir\":true}]}");
        assertThat(new String(send(at(BASE + "?path=nothing/here").GET()).body(), StandardCharsets.UTF_8))
                .isEqualTo("{}");

        assertThat(send(at(BASE + "/1/run/artifacts/data").DELETE()).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> gone = send(at(BASE + "/1/run/artifacts/data/file.txt").GET());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(new String(gone.body(), StandardCharsets.UTF_8)).contains("RESOURCE_DOES_NOT_EXIST");
        assertThat(send(at(BASE + "/1/run/artifacts/never").DELETE()).statusCode()).isEqualTo(200);
    }

    /** Presigned URLs need storage that signs them: a local destination answers MLflow's NOT_IMPLEMENTED. */
    @Test
    void presignedUrls_onLocalStorage_areNotImplemented_asInMlflow() throws Exception {
        RestClient api = new RestClient(server.baseUrl());
        send(at(BASE + "/1/run/artifacts/local.txt").PUT(HttpRequest.BodyPublishers.ofString("x")));
        HttpResponse<byte[]> download = send(at("/api/2.0/mlflow-artifacts/presigned/1/run/artifacts/local.txt"));
        assertThat(download.statusCode()).isEqualTo(501);
        assertThat(new String(download.body(), StandardCharsets.UTF_8)).contains("NOT_IMPLEMENTED")
                .contains("not supported for the current artifact repository");
        String runId = api.post("/api/2.0/mlflow/runs/create", "{}").json().at("/run/info/run_id").asText();
        RestClient.Reply proxied = api.post("/api/2.0/mlflow/artifacts/presigned-upload-url", "{\"run_id\": \""
                + runId + "\", \"path\": \"a.txt\"}");
        assertThat(proxied.status()).isEqualTo(400);
        assertThat(proxied.body()).contains("proxied artifact storage (artifact URI scheme: mlflow-artifacts)");
        assertThat(api.post("/api/2.0/mlflow/artifacts/presigned-upload-url", "{\"run_id\": \"" + runId + "\"}")
                .status()).isEqualTo(400);
    }

    @Test
    void runArtifactList_isRelativeToTheRunRoot() throws Exception {
        RestClient api = new RestClient(server.baseUrl());
        String runId = api.post("/api/2.0/mlflow/runs/create", "{}").json().at("/run/info/run_id").asText();
        String prefix = BASE + "/0/" + runId + "/artifacts";
        send(at(prefix + "/model/MLmodel").PUT(HttpRequest.BodyPublishers.ofString("flavors: {}")));
        send(at(prefix + "/notes.txt").PUT(HttpRequest.BodyPublishers.ofString("hi")));
        var top = api.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId).json();
        assertThat(top.get("root_uri").asText()).isEqualTo("mlflow-artifacts:/0/" + runId + "/artifacts");
        assertThat(top.get("files").toString()).isEqualTo("[{\"path\":\"model\",\"is_dir\":true},"
                + "{\"path\":\"notes.txt\",\"is_dir\":false,\"file_size\":2}]");
        assertThat(api.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=model").json().get("files")
                .get(0).get("path").asText()).isEqualTo("model/MLmodel");
        assertThat(api.get("/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=../..").status())
                .isEqualTo(400);
        assertThat(api.get("/api/2.0/mlflow/artifacts/list?run_id=ffffffffffffffffffffffffffffffff").status())
                .isEqualTo(404);

        HttpResponse<byte[]> ui = send(at("/get-artifact?run_uuid=" + runId + "&path=model/MLmodel").GET());
        assertThat(new String(ui.body(), StandardCharsets.UTF_8)).isEqualTo("flavors: {}");
        assertThat(ui.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=MLmodel");
        assertThat(send(at("/get-artifact?run_id=" + runId + "&path=../../../canary.txt").GET()).statusCode())
                .isEqualTo(400);
        assertThat(send(at("/get-artifact?run_id=" + runId + "&path=missing.txt").GET()).statusCode())
                .isEqualTo(404);
        assertThat(send(at("/get-artifact?run_id=" + runId).GET()).statusCode()).isEqualTo(400);
    }

    @Test
    void ajaxPrefix_servesTheSameFiles() throws Exception {
        send(at(BASE + "/ajax/x.bin").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})));
        HttpResponse<byte[]> get = send(at("/ajax-api/2.0/mlflow-artifacts/artifacts/ajax/x.bin").GET());
        assertThat(get.body()).containsExactly(1, 2, 3);
        assertThat(get.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../canary.txt", "/%2e%2e/canary.txt", "/%252e%252e/canary.txt", "/..%2fcanary.txt",
        "/a/../../canary.txt", "/%2Fetc%2Fpasswd", "//etc/passwd", "/..%5ccanary.txt", "/a%00b", "/a;b",
        "/file:%2F%2F%2Fetc%2Fpasswd", "/C:%5Cwindows"})
    void hostilePaths_neverReachOutsideTheRoot(String suffix) throws Exception {
        for (String method : new String[] {"GET", "PUT", "DELETE"}) {
            RawHttp.Response answer = RawHttp.send(server.port(), method, BASE + suffix);
            assertThat(answer.status()).as(method + " " + suffix + " -> " + answer).isIn(400, 404);
            assertThat(answer.body()).doesNotContain(SECRET);
        }
        RawHttp.Response list = RawHttp.send(server.port(), "GET", BASE + "?path=" + suffix.substring(1));
        assertThat(list.status()).as(list.toString()).isIn(200, 400);
        assertThat(list.body()).doesNotContain(SECRET).doesNotContain("\"path\":\"canary.txt\"");
        assertThat(Files.readString(canary)).isEqualTo(SECRET);
        assertThat(Files.exists(root.getParent().resolve("osprey.db"))).isTrue();
    }

    @Test
    void artifactsOnly_servesArtifactsAndRefusesTracking() throws Exception {
        Path dir = Files.createTempDirectory("osprey-artifacts-only");
        try (OspreyServer only = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/o.db",
                Optional.empty(), dir.resolve("a").toString(), true, "", true, true))) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(only.baseUrl() + BASE + "/f.txt"))
                    .PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(200);
            HttpResponse<String> tracking = http.send(HttpRequest.newBuilder(URI.create(only.baseUrl()
                    + "/api/2.0/mlflow/experiments/get?experiment_id=0")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tracking.statusCode()).isEqualTo(503);
            assertThat(tracking.body()).contains("--artifacts-only");
        }
    }

    @Test
    void disabledProxy_answers503PlainText() throws Exception {
        Path dir = Files.createTempDirectory("osprey-proxy-off");
        try (OspreyServer off = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/o.db",
                Optional.empty(), dir.resolve("a"), false, "", true))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(off.baseUrl() + BASE + "/x"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("--no-serve-artifacts");
        }
    }
}
