package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.protocol.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Webhooks end to end: configuration over REST, sealed secrets, the SSRF guard, signed deliveries of registry
 * events to a real HTTP listener (allowed explicitly, as the guard refuses loopback otherwise), retries, the test
 * endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookApiTest {
    private static final String WH = "/api/2.0/mlflow/webhooks";
    private OspreyServer server;
    private RestClient api;
    private Path dir;
    private HttpServer listener;
    private final BlockingQueue<Map<String, String>> received = new LinkedBlockingQueue<>();
    private final AtomicInteger failuresToSend = new AtomicInteger();
    private volatile int status = 200;

    @BeforeAll
    void start() throws Exception {
        listener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        listener.createContext("/hook", exchange -> {
            Map<String, String> request = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> request.put(k.toLowerCase(java.util.Locale.ROOT),
                    v.get(0)));
            request.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            request.put("uri", exchange.getRequestURI().toString());
            received.add(request);
            int answer = failuresToSend.getAndDecrement() > 0 ? 503 : status;
            if (answer == 302) {
                exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data");
            }
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        listener.start();
        System.setProperty("osprey.webhook.allowedHosts", "127.0.0.1:" + listener.getAddress().getPort());
        System.setProperty("osprey.webhook.initialBackoffMillis", "20");
        dir = Files.createTempDirectory("osprey-webhooks");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
    }

    @AfterAll
    void stop() {
        server.close();
        listener.stop(0);
        System.clearProperty("osprey.webhook.allowedHosts");
        System.clearProperty("osprey.webhook.initialBackoffMillis");
    }

    @BeforeEach
    void reset() {
        received.clear();
        failuresToSend.set(0);
        status = 200;
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + listener.getAddress().getPort() + "/hook";
    }

    private JsonNode ok(RestClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private String create(String events, String secret) {
        return ok(api.post(WH, "{\"name\": \"hook\", \"url\": \"" + hookUrl() + "\", \"events\": [" + events + "], "
                + "\"secret\": \"" + secret + "\"}")).at("/webhook/webhook_id").asText();
    }

    private static String event(String entity, String action) {
        return "{\"entity\": \"" + entity + "\", \"action\": \"" + action + "\"}";
    }

    private List<Map<String, String>> await(int count) throws InterruptedException {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> r = received.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("delivery " + (i + 1) + " of " + count).isNotNull();
            out.add(r);
        }
        return out;
    }

    private static String hmac(String secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    /** A call in a workspace (null: no header, the default one). */
    private static RestClient.Reply in(RestClient client, String baseUrl, String workspace, String method,
            String path, String json) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl + path))
                .header("Content-Type", "application/json").method(method, json == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(json));
        if (workspace != null) {
            b.header("X-MLFLOW-WORKSPACE", workspace);
        }
        return client.send(b.build());
    }

    @Test
    void withWorkspaces_aWebhookHearsOnlyItsWorkspace_andIsSeenOnlyThere() throws Exception {
        Path wsDir = Files.createTempDirectory("osprey-webhooks-ws");
        try (OspreyServer ws = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:", Optional.empty(),
                wsDir.resolve("artifacts"), true, "", true).withWorkspaces(true))) {
            RestClient client = new RestClient(ws.baseUrl());
            String base = ws.baseUrl();
            assertThat(in(client, base, null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"hooks-a\"}")
                    .status()).isEqualTo(201);
            String hookA = ok(in(client, base, "hooks-a", "POST", WH, "{\"name\": \"a\", \"url\": \"" + hookUrl()
                    + "?ws=a\", \"events\": [" + event("REGISTERED_MODEL", "CREATED") + "]}")).at("/webhook/webhook_id")
                    .asText();
            String hookDefault = ok(in(client, base, null, "POST", WH, "{\"name\": \"d\", \"url\": \"" + hookUrl()
                    + "?ws=default\", \"events\": [" + event("REGISTERED_MODEL", "CREATED") + "]}"))
                    .at("/webhook/webhook_id").asText();
            assertThat(ok(in(client, base, "hooks-a", "GET", WH, null)).path("webhooks").findValuesAsText(
                    "webhook_id")).containsExactly(hookA);
            assertThat(ok(in(client, base, null, "GET", WH, null)).path("webhooks").findValuesAsText("webhook_id"))
                    .containsExactly(hookDefault);
            assertThat(in(client, base, null, "GET", WH + "/" + hookA, null).status()).isEqualTo(404);
            assertThat(in(client, base, null, "DELETE", WH + "/" + hookA, null).status()).isEqualTo(404);

            // The same model name in both workspaces: each creation reaches its own workspace's webhook only.
            ok(in(client, base, "hooks-a", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"m\"}"));
            Map<String, String> first = await(1).get(0);
            assertThat(first.get("uri")).endsWith("ws=a");
            ok(in(client, base, null, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"m\"}"));
            Map<String, String> second = await(1).get(0);
            assertThat(second.get("uri")).endsWith("ws=default");
            assertThat(received.poll(300, TimeUnit.MILLISECONDS)).as("no third delivery").isNull();
        }
    }

    @Test
    void crud_secretIsWriteOnlyAndSealedAtRest() throws Exception {
        String id = create(event("MODEL_VERSION", "CREATED"), "very-secret-value");
        JsonNode got = ok(api.get(WH + "/" + id)).get("webhook");
        assertThat(got.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(got.toString()).doesNotContain("secret");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir + "/osprey.db");
                ResultSet rs = c.createStatement().executeQuery("SELECT secret FROM webhooks WHERE webhook_id = '"
                        + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("v1:").doesNotContain("very-secret-value");
        }
        assertThat(dir.resolve("osprey-secrets.key")).as("the sealing key lives next to the SQLite database")
                .isRegularFile();
        JsonNode updated = ok(api.send("PATCH", WH + "/" + id, "{\"status\": \"DISABLED\", \"events\": ["
                + event("MODEL_VERSION_TAG", "SET") + "]}")).get("webhook");
        assertThat(updated.get("status").asText()).isEqualTo("DISABLED");
        assertThat(updated.at("/events/0/entity").asText()).isEqualTo("MODEL_VERSION_TAG");
        assertThat(ok(api.get(WH)).get("webhooks").size()).isGreaterThanOrEqualTo(1);
        ok(api.send("DELETE", WH + "/" + id, ""));
        assertThat(api.get(WH + "/" + id).status()).isEqualTo(404);

        for (String bad : new String[] {"{\"name\": \"x\", \"url\": \"" + hookUrl() + "\", \"events\": ["
                + event("RUN", "CREATED") + "]}", "{\"name\": \"x\", \"events\": [" + event("MODEL_VERSION", "CREATED")
                + "]}", "{\"name\": \"x\", \"url\": \"" + hookUrl() + "\", \"events\": []}", "{\"name\": \"x\", "
                + "\"url\": \"" + hookUrl() + "\", \"events\": [" + event("MODEL_VERSION", "CREATED") + "], "
                + "\"status\": \"SLEEPING\"}"}) {
            assertThat(api.post(WH, bad).errorCode()).as(bad).isEqualTo("INVALID_PARAMETER_VALUE");
        }
    }

    @Test
    void ssrfGuard_refusesInternalTargetsInEveryEncoding() {
        for (String url : new String[] {"http://127.0.0.1:1/hook", "http://localhost/", "http://2130706433/",
            "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[::1]/", "http://169.254.169.254/latest",
            "http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://0.0.0.0/",
            "http://[fd00::1]/", "ftp://127.0.0.1:" + listener.getAddress().getPort() + "/",
            "http://user:pw@127.0.0.1:" + listener.getAddress().getPort() + "/hook", "not a url"}) {
            RestClient.Reply reply = api.post(WH, "{\"name\": \"x\", \"url\": \"" + url + "\", \"events\": ["
                    + event("MODEL_VERSION", "CREATED") + "]}");
            assertThat(reply.status()).as(url + " -> " + reply.body()).isEqualTo(400);
            assertThat(reply.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
    }

    @Test
    void registryEvents_areDeliveredSigned_andRetried() throws Exception {
        String id = create(event("REGISTERED_MODEL", "CREATED") + ", " + event("MODEL_VERSION", "CREATED") + ", "
                + event("MODEL_VERSION_ALIAS", "CREATED") + ", " + event("PROMPT", "CREATED"), "s3cr3t");
        failuresToSend.set(1);
        ok(api.post("/api/2.0/mlflow/registered-models/create", "{\"name\": \"hooked\", \"tags\": [{\"key\": \"t\", "
                + "\"value\": \"v\"}]}"));
        List<Map<String, String>> first = await(2);
        assertThat(first.get(0).get("body")).isEqualTo(first.get(1).get("body")).as("the 503 was retried");
        Map<String, String> delivery = first.get(1);
        JsonNode body = Json.read(delivery.get("body"));
        assertThat(body.get("entity").asText()).isEqualTo("registered_model");
        assertThat(body.get("action").asText()).isEqualTo("created");
        assertThat(body.at("/data/name").asText()).isEqualTo("hooked");
        assertThat(body.at("/data/tags/t").asText()).isEqualTo("v");
        assertThat(java.time.Instant.parse(body.get("timestamp").asText())).isNotNull();
        String signed = delivery.get("x-mlflow-delivery-id") + "." + delivery.get("x-mlflow-timestamp") + "."
                + delivery.get("body");
        assertThat(delivery.get("x-mlflow-signature")).isEqualTo("v1," + hmac("s3cr3t", signed));
        assertThat(Long.parseLong(delivery.get("x-mlflow-timestamp")))
                .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));

        ok(api.post("/api/2.0/mlflow/model-versions/create", "{\"name\": \"hooked\", \"source\": \"s3://b/m\"}"));
        JsonNode version = Json.read(await(1).get(0).get("body"));
        assertThat(version.get("entity").asText()).isEqualTo("model_version");
        assertThat(version.at("/data/source").asText()).isEqualTo("s3://b/m");
        assertThat(version.at("/data/version").asText()).isEqualTo("1");

        ok(api.post("/api/2.0/mlflow/registered-models/create", "{\"name\": \"a_prompt\", \"tags\": [{\"key\": "
                + "\"mlflow.prompt.is_prompt\", \"value\": \"true\"}, {\"key\": \"team\", \"value\": \"x\"}]}"));
        JsonNode prompt = Json.read(await(1).get(0).get("body"));
        assertThat(prompt.get("entity").asText()).isEqualTo("prompt");
        assertThat(prompt.at("/data/tags").toString()).isEqualTo("{\"team\":\"x\"}");
        ok(api.send("DELETE", WH + "/" + id, ""));
        ok(api.post("/api/2.0/mlflow/registered-models/create", "{\"name\": \"after-delete\"}"));
        assertThat(received.poll(300, TimeUnit.MILLISECONDS)).as("no delivery after deletion").isNull();
    }

    @Test
    void testEndpoint_reportsTheOutcome_andNeverFollowsRedirects() throws Exception {
        String id = create(event("MODEL_VERSION_TAG", "SET"), "");
        JsonNode good = ok(api.post(WH + "/" + id + "/test", "{}")).get("result");
        assertThat(good.get("success").asBoolean()).isTrue();
        assertThat(good.get("response_status").asInt()).isEqualTo(200);
        assertThat(Json.read(await(1).get(0).get("body")).get("entity").asText()).isEqualTo("model_version_tag");
        status = 500;
        JsonNode bad = ok(api.post(WH + "/" + id + "/test", "{\"event\": " + event("MODEL_VERSION_TAG", "SET") + "}"))
                .get("result");
        assertThat(bad.get("success").asBoolean()).isFalse();
        assertThat(bad.get("response_status").asInt()).isEqualTo(500);
        await(1);
        status = 302;
        JsonNode redirected = ok(api.post(WH + "/" + id + "/test", "{}")).get("result");
        assertThat(redirected.get("response_status").asInt()).isEqualTo(302);
        await(1);
        assertThat(received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(api.post(WH + "/" + id + "/test", "{\"event\": " + event("RUN", "DELETED") + "}").errorCode())
                .isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.post(WH + "/nope/test", "{}").status()).isEqualTo(404);
    }
}
