package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.protocol.Json;
import dev.osprey.server.testing.RawHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The hostile-input suite: the real jar with basic auth on, attacked over raw sockets where a client library would
 * normalise the request. A canary file and directory sit next to (outside) the artifact root, and a canary listener
 * on loopback stands for the server's internal network: after every test the canary is unread, unchanged and
 * undeleted, and the listener has had no connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITHostileInput {
    private static final String SECRET = "CANARY-" + UUID.randomUUID();
    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "hostile-admin-1";
    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private Path canary;
    private Path canaryDir;
    private Set<String> outsideRoot;
    private ServerSocket canaryListener;
    private final AtomicInteger canaryConnections = new AtomicInteger();
    private HttpServer redirector;
    private final AtomicInteger redirectorHits = new AtomicInteger();
    private ServerProcess server;
    private String experimentId;
    private String runId;
    private String traceId;
    private String loggedModelId;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-hostile");
        canary = Files.writeString(dir.resolve("canary.txt"), SECRET);
        canaryDir = Files.createDirectories(dir.resolve("canary-dir"));
        Files.writeString(canaryDir.resolve("keep.txt"), SECRET);
        canaryListener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!canaryListener.isClosed()) {
                try {
                    canaryListener.accept().close();
                    canaryConnections.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        });
        // An allowed host that redirects to the canary: a redirect must never be followed into the network.
        redirector = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 0);
        redirector.createContext("/", exchange -> {
            redirectorHits.incrementAndGet();
            exchange.getResponseHeaders().add("Location", canaryUrl() + "/stolen");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        redirector.start();
        String redirectHost = "127.0.0.2:" + redirector.getAddress().getPort();
        byte[] kek = new byte[32];
        new java.security.SecureRandom().nextBytes(kek);
        server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                "sqlite:///" + dir + "/osprey.db", dir.resolve("artifacts").toString(), List.of("-Xmx512m"),
                Map.of("OSPREY_ADMIN_USERNAME", ADMIN, "OSPREY_ADMIN_PASSWORD", ADMIN_PASSWORD,
                        "OSPREY_GATEWAY_KEK", Base64.getEncoder().encodeToString(kek),
                        "OSPREY_WEBHOOK_ALLOWED_HOSTS", redirectHost, "OSPREY_GATEWAY_ALLOWED_HOSTS", redirectHost),
                List.of("--app-name", "basic-auth")));
        seed();
        outsideRoot = outsideTheRoot();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        canaryListener.close();
        redirector.stop(0);
    }

    /** Files of the data directory outside the artifact root (the database and its journal may change). */
    private Set<String> outsideTheRoot() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return new TreeSet<>(files.map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.startsWith("artifacts") && !p.startsWith("osprey.db") && !p.startsWith("osprey-"))
                    .toList());
        }
    }

    @AfterEach
    void canaryIsUntouched() throws IOException {
        assertThat(Files.readString(canary)).isEqualTo(SECRET);
        assertThat(Files.readString(canaryDir.resolve("keep.txt"))).isEqualTo(SECRET);
        assertThat(outsideTheRoot()).as("nothing created or deleted outside the artifact root")
                .isEqualTo(outsideRoot);
        assertThat(canaryConnections.get()).as("connections to the internal canary listener").isZero();
    }

    private String canaryUrl() {
        return "http://127.0.0.1:" + canaryListener.getLocalPort();
    }

    // --- HTTP

    private static String basic(String user, String password) {
        return "Authorization: Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static final String AS_ADMIN = basic(ADMIN, ADMIN_PASSWORD);
    private static final String AS_ALICE = basic("alice", "alice-pass-1");
    private static final String AS_BOB = basic("bob", "bob-pass-123");

    private HttpResponse<String> call(String auth, String method, String path, String json) throws Exception {
        int colon = auth.indexOf(':');
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Authorization", auth.substring(colon + 1).trim()).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String auth, String method, String path, String json) throws Exception {
        HttpResponse<String> r = call(auth, method, path, json);
        assertThat(r.statusCode()).as(method + " " + path + " -> " + r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private RawHttp.Response raw(String method, String target, String... headers) throws IOException {
        return RawHttp.send(server.port(), method, target, headers);
    }

    private RawHttp.Response rawBody(String method, String target, String contentType, String body,
            String... headers) throws IOException {
        StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            request.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(bytes.length)
                .append("\r\nConnection: close\r\n\r\n").append(body);
        return RawHttp.exchange(server.port(), request.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void seed() throws Exception {
        for (String[] user : new String[][] {{"alice", "alice-pass-1"}, {"bob", "bob-pass-123"}}) {
            ok(AS_ADMIN, "POST", "/api/2.0/mlflow/users/create", "{\"username\": \"" + user[0]
                    + "\", \"password\": \"" + user[1] + "\"}");
        }
        experimentId = ok(AS_ALICE, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"alice-private\"}")
                .path("experiment_id").asText();
        runId = ok(AS_ALICE, "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + experimentId + "\"}")
                .at("/run/info/run_id").asText();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId + "/artifacts/notes.txt"))
                .header("Authorization", AS_ALICE.substring(AS_ALICE.indexOf(':') + 1).trim())
                .PUT(HttpRequest.BodyPublishers.ofString("alice's notes")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        traceId = "tr-" + "cd".repeat(16);
        ok(AS_ALICE, "POST", "/api/3.0/mlflow/traces", "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + traceId
                + "\", \"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                + experimentId + "\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}");
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"alice-model\"}");
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"alice-model\", \"source\": "
                + "\"runs:/" + runId + "/model\", \"run_id\": \"" + runId + "\"}");
        loggedModelId = ok(AS_ALICE, "POST", "/api/2.0/mlflow/logged-models", "{\"experiment_id\": \""
                + experimentId + "\", \"name\": \"alice-logged\"}").at("/model/info/model_id").asText();
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/experiments/permissions/create", "{\"experiment_id\": \""
                + experimentId + "\", \"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}");
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/registered-models/permissions/create", "{\"name\": \"alice-model\", "
                + "\"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}");
    }

    // --- the suite

    @Test
    void unauthenticatedUserCreation_isRefused_andCreatesNobody() throws Exception {
        String json = "{\"username\": \"mallory\", \"password\": \"mallory-pass-1\"}";
        for (String path : List.of("/api/2.0/mlflow/users/create", "/ajax-api/2.0/mlflow/users/create",
                "/api/2.0/mlflow/users/create-ui", "/signup", "/api/2.0/mlflow/users/update-admin")) {
            assertThat(rawBody("POST", path, "application/json", json).status()).as(path).isEqualTo(401);
            assertThat(rawBody("POST", path, "application/x-www-form-urlencoded",
                    "username=mallory&password=mallory-pass-1").status()).as(path).isEqualTo(401);
        }
        // A non-admin cannot create users or make itself admin either.
        assertThat(call(AS_BOB, "POST", "/api/2.0/mlflow/users/create", json).statusCode()).isEqualTo(403);
        assertThat(call(AS_BOB, "PATCH", "/api/2.0/mlflow/users/update-admin",
                "{\"username\": \"bob\", \"is_admin\": true}").statusCode()).isEqualTo(403);
        assertThat(raw("GET", "/api/2.0/mlflow/experiments/search", basic("mallory", "mallory-pass-1")).status())
                .isEqualTo(401);
        assertThat(ok(AS_ADMIN, "GET", "/api/2.0/mlflow/users/list", null).toString()).doesNotContain("mallory");
    }

    /** The canary as seen from where artifacts land (root/exp/run/artifacts), in many spellings. */
    private List<String> traversals() {
        String up = "../".repeat(8);
        String abs = canary.toString();
        List<String> out = new ArrayList<>(List.of(up + "canary.txt", "../canary.txt",
                up.replace("../", "%2e%2e/") + "canary.txt", up.replace("../", "%2e%2e%2f") + "canary.txt",
                up.replace("../", "..%2f") + "canary.txt", up.replace("../", "%252e%252e%252f") + "canary.txt",
                up.replace("../", "..%5c") + "canary.txt", up.replace("../", "..\\") + "canary.txt",
                up.replace("../", "%c0%ae%c0%ae/") + "canary.txt", up.replace("../", "....//") + "canary.txt",
                up.replace("../", ".%2e/") + "canary.txt", up + "canary-dir/keep.txt", up + "canary-dir",
                abs, "/" + abs, URLEncoder.encode(abs, StandardCharsets.UTF_8), "file:" + abs, "file://" + abs,
                "a/%00/../../" + up + "canary.txt", "%2F" + abs.substring(1).replace("/", "%2F")));
        return out;
    }

    private void noLeak(String what, RawHttp.Response r) {
        assertThat(r.body()).as(what + " -> " + r.status()).doesNotContain(SECRET);
        assertThat(r.status()).as(what + " -> " + r).isNotEqualTo(500);
        assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void pathTraversal_inEveryArtifactAndDownloadRoute_neverReachesTheCanary() throws Exception {
        String run = experimentId + "/" + runId + "/artifacts/";
        int tried = 0;
        for (String p : traversals()) {
            for (String prefix : List.of("/api/2.0/mlflow-artifacts/artifacts/", "/ajax-api/2.0/mlflow-artifacts/"
                    + "artifacts/")) {
                for (String target : List.of(prefix + p, prefix + run + p, prefix + experimentId + "/" + p)) {
                    for (String method : List.of("GET", "PUT", "DELETE")) {
                        RawHttp.Response r = raw(method, target, AS_ADMIN);
                        noLeak(method + " " + target, r);
                        // A 2xx is either the UI page (dots normalised away) or a write that stayed inside the
                        // root under a segment such as "file:"; the canary checks after the test cover both.
                        tried++;
                    }
                }
                noLeak("list " + p, raw("GET", prefix.substring(0, prefix.length() - 1) + "?path=" + p, AS_ADMIN));
            }
            String q = URLEncoder.encode(p, StandardCharsets.UTF_8);
            for (String target : List.of("/get-artifact?run_id=" + runId + "&path=" + p,
                    "/get-artifact?run_id=" + runId + "&path=" + q,
                    "/model-versions/get-artifact?name=alice-model&version=1&path=" + p,
                    "/model-versions/get-artifact?name=alice-model&version=1&path=" + q,
                    "/ajax-api/2.0/mlflow/logged-models/" + loggedModelId + "/artifacts/files?artifact_file_path=" + q,
                    "/api/2.0/mlflow/artifacts/list?run_id=" + runId + "&path=" + q,
                    "/api/2.0/mlflow/logged-models/" + loggedModelId + "/artifacts/directories?artifact_directory_path="
                            + q,
                    "/api/3.0/mlflow/traces/get?trace_id=" + q, "/ajax-api/2.0/mlflow/get-trace-artifact?request_id="
                            + q, "/assets/" + p, "/static-files/" + p, "/" + p)) {
                noLeak(target, raw("GET", target, AS_ADMIN));
                tried++;
            }
            RawHttp.Response mpu = rawBody("POST", "/api/2.0/mlflow-artifacts/mpu/create/" + p, "application/json",
                    "{\"path\": \"" + p.replace("\\", "\\\\") + "\", \"num_parts\": 1}", AS_ADMIN);
            noLeak("mpu " + p, mpu);
        }
        assertThat(tried).isGreaterThan(500);
        // The run's own file is still served: the routes work, they only refuse to leave the root.
        assertThat(raw("GET", "/get-artifact?run_id=" + runId + "&path=notes.txt", AS_ADMIN).body())
                .isEqualTo("alice's notes");
    }

    @Test
    void modelVersionSources_cannotPointOutsideTheRoots_evenDressedAsPrompts() throws Exception {
        String promptTag = "\"tags\": [{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}]";
        List<String> sources = List.of(canary.toString(), dir.toString(), "file://" + canary, "file:" + canaryDir,
                canaryUrl() + "/model", "https://evil.example/model", "runs:/" + runId + "/../../../../../canary.txt",
                "mlflow-artifacts:/../../canary.txt", "mlflow-artifacts:/" + experimentId + "/%2e%2e/%2e%2e/canary.txt",
                "models:/alice-model/1/../../../../canary.txt", "prompts:/../../canary.txt", "C:\\Windows\\win.ini",
                "\\\\evil.example\\share\\model");
        for (String source : sources) {
            String escaped = source.replace("\\", "\\\\");
            for (String extra : List.of("", ", " + promptTag)) {
                HttpResponse<String> r = call(AS_ADMIN, "POST", "/api/2.0/mlflow/model-versions/create",
                        "{\"name\": \"alice-model\", \"source\": \"" + escaped + "\"" + extra + "}");
                assertThat(r.statusCode()).as(source + extra + " -> " + r.body()).isEqualTo(400);
                assertThat(r.body()).contains("INVALID_PARAMETER_VALUE");
            }
        }
        JsonNode versions = ok(AS_ADMIN, "GET", "/api/2.0/mlflow/model-versions/search?filter="
                + URLEncoder.encode("name='alice-model'", StandardCharsets.UTF_8), null);
        assertThat(versions.path("model_versions")).hasSize(1);
    }

    @Test
    void artifactLocations_withUrlMetacharacters_orOutsideTheRoots_areRefusedAtCreate() throws Exception {
        // Issue 19, finding 5: outside the roots or climbing out of them is refused at create, not first at use.
        for (String location : List.of("file://" + dir + "/x#frag", "file://" + dir + "/x?query=1",
                "file://" + dir + "/x;params", "mlflow-artifacts:/x#/../../..", dir + "/x?y", "s3://bucket/p#q",
                "file:///etc", "/etc", "mlflow-artifacts:/../../etc", "mlflow-artifacts:/0/../../etc", "dbfs:/",
                canaryDir.toUri().toString(), canaryDir.toString(), dir + "/artifacts/../canary-dir", "canary-dir")) {
            HttpResponse<String> r = call(AS_ADMIN, "POST", "/api/2.0/mlflow/experiments/create",
                    "{\"name\": \"loc-" + location.hashCode() + "\", \"artifact_location\": \"" + location + "\"}");
            assertThat(r.statusCode()).as(location + " -> " + r.body()).isEqualTo(400);
            assertThat(r.body()).contains("INVALID_PARAMETER_VALUE");
        }
    }

    @Test
    void withoutPermission_everyRouteToTheResource_says403AndNothingMore() throws Exception {
        String exp = experimentId;
        List<String[]> routes = List.of(
                new String[] {"GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp},
                new String[] {"GET", "/api/2.0/mlflow/runs/get?run_id=" + runId},
                new String[] {"GET", "/api/2.0/mlflow/metrics/get-history?run_id=" + runId + "&metric_key=m"},
                new String[] {"GET", "/api/2.0/mlflow/artifacts/list?run_id=" + runId},
                new String[] {"GET", "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/" + runId + "/artifacts/notes.txt"},
                new String[] {"PUT", "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/" + runId + "/artifacts/notes.txt"},
                new String[] {"DELETE", "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/" + runId
                        + "/artifacts/notes.txt"},
                new String[] {"GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + exp},
                new String[] {"GET", "/get-artifact?run_id=" + runId + "&path=notes.txt"},
                new String[] {"GET", "/api/3.0/mlflow/traces/" + traceId},
                new String[] {"GET", "/api/3.0/mlflow/traces/get?trace_id=" + traceId},
                new String[] {"POST", "/api/3.0/mlflow/traces/" + traceId + "/assessments"},
                new String[] {"PATCH", "/api/3.0/mlflow/traces/" + traceId + "/tags"},
                new String[] {"GET", "/api/2.0/mlflow/registered-models/get?name=alice-model"},
                new String[] {"GET", "/api/2.0/mlflow/model-versions/get?name=alice-model&version=1"},
                new String[] {"GET", "/model-versions/get-artifact?name=alice-model&version=1&path=MLmodel"},
                new String[] {"GET", "/api/2.0/mlflow/logged-models/" + loggedModelId},
                new String[] {"GET", "/api/3.0/osprey/evaluations?experiment_id=" + exp},
                new String[] {"GET", "/api/3.0/mlflow/scorers/list?experiment_id=" + exp},
                new String[] {"POST", "/api/2.0/mlflow/runs/log-metric"},
                new String[] {"POST", "/api/2.0/mlflow/experiments/permissions/create"});
        String body = "{\"run_id\": \"" + runId + "\", \"key\": \"m\", \"value\": 1, \"timestamp\": 1, "
                + "\"experiment_id\": \"" + exp + "\", \"username\": \"bob\", \"permission\": \"MANAGE\", "
                + "\"assessment\": {\"assessment_name\": \"x\", \"feedback\": {\"value\": true}}, \"tags\": {\"a\": \"b\"}}";
        for (String[] route : routes) {
            RawHttp.Response r = rawBody(route[0], route[1], "application/json", body, AS_BOB);
            assertThat(r.status()).as(route[0] + " " + route[1] + " -> " + r).isEqualTo(403);
            assertThat(r.body()).as(route[1]).doesNotContain("alice").doesNotContain(runId)
                    .doesNotContain("notes").contains("ermission");
        }
        // OTLP ingest into her experiment, and searches that would reveal it.
        RawHttp.Response otlp = rawBody("POST", "/v1/traces", "application/x-protobuf", "", AS_BOB,
                "x-mlflow-experiment-id: " + exp);
        assertThat(otlp.status()).isEqualTo(403);
        JsonNode experiments = ok(AS_BOB, "GET", "/api/2.0/mlflow/experiments/search?max_results=100", null);
        assertThat(experiments.toString()).doesNotContain("alice-private");
        JsonNode runs = ok(AS_BOB, "POST", "/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + exp + "\"]}");
        assertThat(runs.path("runs")).isEmpty();
        JsonNode models = ok(AS_BOB, "GET", "/api/2.0/mlflow/registered-models/search", null);
        assertThat(models.toString()).doesNotContain("alice-model");
        assertThat(raw("GET", "/get-artifact?run_id=" + runId + "&path=notes.txt", AS_ALICE).body())
                .as("bob's refused writes changed nothing").isEqualTo("alice's notes");
    }

    /**
     * Issue 19, finding 2: registering a new version of someone else's scorer must not make its registrant the
     * scorer's manager. bob has EDIT on alice's experiment: he may add a version (an update), never delete it.
     */
    @Test
    void registeringAnExistingScorer_grantsNoManage() throws Exception {
        String shared = ok(AS_ALICE, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"alice-shared\"}")
                .path("experiment_id").asText();
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/experiments/permissions/create", "{\"experiment_id\": \"" + shared
                + "\", \"username\": \"bob\", \"permission\": \"EDIT\"}");
        String register = "{\"experiment_id\": \"" + shared + "\", \"name\": \"judge\", \"serialized_scorer\": "
                + "\"{}\"}";
        assertThat(ok(AS_ALICE, "POST", "/api/3.0/mlflow/scorers/register", register).path("version").asInt())
                .isEqualTo(1);
        String delete = "/api/3.0/mlflow/scorers/delete?experiment_id=" + shared + "&name=judge";
        assertThat(call(AS_BOB, "DELETE", delete, null).statusCode()).isEqualTo(403);
        assertThat(ok(AS_BOB, "POST", "/api/3.0/mlflow/scorers/register", register).path("version").asInt())
                .as("EDIT lets bob add a version").isEqualTo(2);
        assertThat(call(AS_BOB, "DELETE", delete, null).statusCode()).as("but not become its manager")
                .isEqualTo(403);
        assertThat(call(AS_ALICE, "GET", "/api/3.0/mlflow/scorers/permissions/get?experiment_id=" + shared
                + "&scorer_name=judge&username=bob", null).statusCode()).as("no grant was made for bob")
                .isEqualTo(404);
        assertThat(ok(AS_ALICE, "GET", "/api/3.0/mlflow/scorers/versions?experiment_id=" + shared + "&name=judge",
                null).path("scorers")).as("both versions are still there").hasSize(2);
        ok(AS_ALICE, "DELETE", delete, null);
    }

    /**
     * Issue 19, finding 1: a grant dies with its resource. alice deletes her model, bob takes its name: alice gets
     * nothing on bob's model; the same for a scorer deleted and registered again under its name.
     */
    @Test
    void grantsOfADeletedResource_doNotCarryOverToTheNextOneOfThatName() throws Exception {
        String name = "reused-" + UUID.randomUUID().toString().substring(0, 8);
        ok(AS_ALICE, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"" + name + "\"}");
        ok(AS_ALICE, "DELETE", "/api/2.0/mlflow/registered-models/delete", "{\"name\": \"" + name + "\"}");
        ok(AS_BOB, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"" + name + "\"}");
        assertThat(call(AS_ALICE, "PATCH", "/api/2.0/mlflow/registered-models/update", "{\"name\": \"" + name
                + "\", \"description\": \"mine now\"}").statusCode()).isEqualTo(403);
        assertThat(call(AS_ALICE, "DELETE", "/api/2.0/mlflow/registered-models/delete", "{\"name\": \"" + name
                + "\"}").statusCode()).isEqualTo(403);
        assertThat(call(AS_ALICE, "POST", "/api/2.0/mlflow/registered-models/permissions/create", "{\"name\": \""
                + name + "\", \"username\": \"alice\", \"permission\": \"MANAGE\"}").statusCode()).isEqualTo(403);
        assertThat(ok(AS_BOB, "GET", "/api/2.0/mlflow/registered-models/get?name=" + name, null)
                .at("/registered_model/description").asText("")).as("bob's model is untouched").isEmpty();

        String exp = ok(AS_BOB, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"bob-judges-"
                + UUID.randomUUID() + "\"}").path("experiment_id").asText();
        ok(AS_BOB, "POST", "/api/2.0/mlflow/experiments/permissions/create", "{\"experiment_id\": \"" + exp
                + "\", \"username\": \"alice\", \"permission\": \"EDIT\"}");
        String register = "{\"experiment_id\": \"" + exp + "\", \"name\": \"judge\", \"serialized_scorer\": "
                + "\"{}\"}";
        ok(AS_ALICE, "POST", "/api/3.0/mlflow/scorers/register", register); // alice manages the scorer she created
        ok(AS_ALICE, "DELETE", "/api/3.0/mlflow/scorers/delete?experiment_id=" + exp + "&name=judge", null);
        ok(AS_BOB, "POST", "/api/3.0/mlflow/scorers/register", register);
        assertThat(call(AS_ALICE, "DELETE", "/api/3.0/mlflow/scorers/delete?experiment_id=" + exp + "&name=judge",
                null).statusCode()).as("bob's new scorer of the same name is not alice's").isEqualTo(403);
    }

    private List<String> internalUrls() {
        int port = canaryListener.getLocalPort();
        return List.of(canaryUrl(), "http://localhost:" + port, "http://2130706433:" + port,
                "http://0x7f000001:" + port, "http://0177.0.0.1:" + port, "http://127.1:" + port,
                "http://[::ffff:127.0.0.1]:" + port, "http://[::1]:" + port, "http://0.0.0.0:" + port,
                "http://169.254.169.254/latest/meta-data/", "http://[::ffff:7f00:1]:" + port,
                "http://user@127.0.0.1:" + port, "ftp://127.0.0.1:" + port, "file:///" + canary,
                // Issue 19, finding 3: IPv6 forms that embed internal IPv4 addresses.
                "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::7f00:1]:" + port, "http://[64:ff9b:1::a9fe:a9fe]/",
                "http://[2002:a9fe:a9fe::1]/", "http://[::a9fe:a9fe]/", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/");
    }

    @Test
    void webhookTargets_inTheInternalNetwork_areRefused_andRedirectsAreNotFollowed() throws Exception {
        String events = "\"events\": [{\"entity\": \"MODEL_VERSION\", \"action\": \"CREATED\"}]";
        for (String url : internalUrls()) {
            HttpResponse<String> r = call(AS_ADMIN, "POST", "/api/2.0/mlflow/webhooks", "{\"name\": \"ssrf\", "
                    + "\"url\": \"" + url + "\", " + events + "}");
            assertThat(r.statusCode()).as(url + " -> " + r.body()).isEqualTo(400);
        }
        String id = ok(AS_ADMIN, "POST", "/api/2.0/mlflow/webhooks", "{\"name\": \"redirecting\", \"url\": "
                + "\"http://127.0.0.2:" + redirector.getAddress().getPort() + "/hook\", " + events + "}")
                .at("/webhook/webhook_id").asText();
        JsonNode test = ok(AS_ADMIN, "POST", "/api/2.0/mlflow/webhooks/" + id + "/test", "{}");
        assertThat(test.at("/result/response_status").asInt()).as("answered, not followed").isEqualTo(302);
        assertThat(redirectorHits.get()).as("the allowed host was called").isPositive();
    }

    @Test
    void gatewayBaseUrls_inTheInternalNetwork_areRefused_andRedirectsAreNotFollowed() throws Exception {
        String g = "/api/3.0/mlflow/gateway";
        for (String url : internalUrls()) {
            HttpResponse<String> r = call(AS_ADMIN, "POST", g + "/secrets/create", "{\"secret_name\": \"s-"
                    + Math.abs(url.hashCode()) + "\", \"provider\": \"openai\", \"secret_value\": {\"api_key\": "
                    + "\"sk-x\"}, \"auth_config\": {\"api_base\": \"" + url + "/v1\"}}");
            assertThat(r.statusCode()).as(url + " -> " + r.body()).isEqualTo(400);
        }
        String base = "http://127.0.0.2:" + redirector.getAddress().getPort() + "/v1";
        String secret = ok(AS_ADMIN, "POST", g + "/secrets/create", "{\"secret_name\": \"redirecting\", "
                + "\"provider\": \"openai\", \"secret_value\": {\"api_key\": \"sk-x\"}, \"auth_config\": {\"api_base\": \""
                + base + "\"}}").at("/secret/secret_id").asText();
        String model = ok(AS_ADMIN, "POST", g + "/model-definitions/create", "{\"name\": \"redirect-model\", "
                + "\"secret_id\": \"" + secret + "\", \"provider\": \"openai\", \"model_name\": \"gpt-x\"}")
                .at("/model_definition/model_definition_id").asText();
        ok(AS_ADMIN, "POST", g + "/endpoints/create", "{\"name\": \"redirecting\", \"model_configs\": "
                + "[{\"model_definition_id\": \"" + model + "\", \"linkage_type\": \"PRIMARY\", \"weight\": 1.0}]}");
        int before = redirectorHits.get();
        HttpResponse<String> chat = call(AS_ADMIN, "POST", "/gateway/mlflow/v1/chat/completions",
                "{\"model\": \"redirecting\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(502);
        assertThat(chat.body()).contains("redirect");
        assertThat(redirectorHits.get()).isGreaterThan(before);
    }

    @Test
    void rawRequestsWithBrokenFraming_getClearErrors() throws Exception {
        for (String request : List.of(
                "GET /api/2.0/mlflow/experiments/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
                "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET /api/2.0/mlflow/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                "GET /\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
            RawHttp.Response r = RawHttp.exchange(server.port(), (request.replaceFirst("\r\n\r\n", "\r\n" + AS_ADMIN
                    + "\r\nConnection: close\r\n\r\n")).getBytes(StandardCharsets.ISO_8859_1));
            assertThat(r.status()).as(request + " -> " + r).isNotEqualTo(500);
            assertThat(r.body()).doesNotContain(SECRET).doesNotContain("root:x:0:0");
        }
    }

    /**
     * Issue 19, finding 4: malformed chunk sizes on every route family that reads a body answer 400 (not 500), and
     * the log never carries the client's bytes (a 100 KB chunk extension included). The line after the bad size is
     * not hex on purpose: Helidon reads on for further chunks after the error, and a hex line there would make it
     * wait for that many bytes — until the body timeout closes the connection (ITHttpLayer).
     */
    @Test
    void malformedChunkSizes_answer400_andStayOutOfTheLog() throws Exception {
        String marker = "CHUNKMARK" + UUID.randomUUID().toString().replace("-", "");
        List<String> sizes = List.of("zz", "-1", "7fffffffffffffff", "5;" + marker + "x".repeat(100_000));
        List<String[]> routes = List.of(
                new String[] {"POST", "/api/2.0/mlflow/experiments/create", "application/json"},
                new String[] {"POST", "/v1/traces", "application/x-protobuf"},
                new String[] {"PUT", "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/x.txt", "text/plain"},
                new String[] {"POST", "/gateway/mlflow/v1/chat/completions", "application/json"});
        for (String[] route : routes) {
            for (String size : sizes) {
                String request = route[0] + " " + route[1] + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AS_ALICE
                        + "\r\nx-mlflow-experiment-id: " + experimentId + "\r\nContent-Type: " + route[2]
                        + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + size + "\r\nnot-hex\r\n0\r\n\r\n";
                RawHttp.Response r = RawHttp.exchange(server.port(), request.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(r.status()).as(route[1] + " with chunk size " + size.substring(0, Math.min(20, size.length()))
                        + " -> " + r).isEqualTo(400);
                assertThat(r.body()).doesNotContain(marker);
            }
        }
        assertThat(server.log()).doesNotContain(marker);
    }
}
