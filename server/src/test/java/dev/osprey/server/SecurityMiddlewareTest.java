package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.server.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The security middleware through a raw socket (clients would not let us forge Host or Origin). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityMiddlewareTest {
    private static final String CREATE = "/api/2.0/mlflow/experiments/create";
    private Path dir;
    private OspreyServer server;
    private OspreyServer configured;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-security");
        server = OspreyServer.start(config("a"));
        configured = OspreyServer.start(config("b").withSecurity(new ServerConfig.SecurityOptions(true,
                List.of("mlflow.corp.example", "*.mlflow.corp.example:*"), List.of("https://*.corp.example"),
                "NONE")));
    }

    private ServerConfig config(String name) {
        return new ServerConfig("127.0.0.1", 0, "memory:", Optional.empty(),
                dir.resolve(name), true, "", true);
    }

    @AfterAll
    void stop() {
        server.close();
        configured.close();
    }

    private static String json(String body) {
        return "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length;
    }

    private RawHttp.Response post(OspreyServer s, String path, String body, String... headers) throws Exception {
        StringBuilder request = new StringBuilder("POST " + path + " HTTP/1.1\r\n");
        boolean host = false;
        for (String h : headers) {
            host |= h.startsWith("Host:");
            request.append(h).append("\r\n");
        }
        if (!host) {
            request.append("Host: 127.0.0.1:").append(s.port()).append("\r\n");
        }
        request.append(json(body)).append("\r\nConnection: close\r\n\r\n").append(body);
        return RawHttp.exchange(s.port(), request.toString().getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "evil.example:5000", "10.attacker.example", "192.168.1.5.nip.io",
        "localhost.evil.example", "127.0.0.1.evil.example", "[::ffff:8.8.8.8]", "8.8.8.8", "", "localhost@evil"})
    void foreignHostHeaders_areRefusedBeforeAnythingRuns(String host) throws Exception {
        RawHttp.Response r = post(server, CREATE, "{\"name\": \"rebind-" + host.hashCode() + "\"}", "Host: " + host);
        assertThat(r.status()).as(r.toString()).isIn(400, 403);
        RawHttp.Response search = RawHttp.send(server.port(), "GET", "/api/2.0/mlflow/experiments/search"
                + "?max_results=1000");
        assertThat(search.body()).doesNotContain("rebind-" + host.hashCode());
        if (r.status() == 403) {
            assertThat(r.body()).contains("Invalid Host header").contains("--allowed-hosts");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "localhost:5000", "127.0.0.1:80", "[::1]:5000", "10.1.2.3",
        "192.168.0.10:5000", "172.20.0.1", "[fd12::1]:5000", "0.0.0.0:5000"})
    void loopbackAndPrivateAddresses_areAnsweredByDefault(String host) throws Exception {
        RawHttp.Response r = RawHttp.send(server.port(), "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0",
                "Host: " + host);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.header("X-Frame-Options")).hasValue("SAMEORIGIN");
    }

    @Test
    void healthAndVersion_answerAnyHost() throws Exception {
        assertThat(RawHttp.send(server.port(), "GET", "/health", "Host: lb-probe.internal").status()).isEqualTo(200);
        assertThat(RawHttp.send(server.port(), "GET", "/version", "Host: lb-probe.internal").status()).isEqualTo(200);
    }

    @Test
    void configuredHosts_replaceTheDefault() throws Exception {
        int port = configured.port();
        String get = "/api/2.0/mlflow/experiments/get?experiment_id=0";
        assertThat(RawHttp.send(port, "GET", get, "Host: mlflow.corp.example").status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", get, "Host: eu.mlflow.corp.example:443").status()).isEqualTo(200);
        assertThat(RawHttp.send(port, "GET", get, "Host: mlflow.corp.example.evil").status()).isEqualTo(403);
        assertThat(RawHttp.send(port, "GET", get, "Host: 127.0.0.1:" + port).status()).isEqualTo(403);
        RawHttp.Response ok = RawHttp.send(port, "GET", get, "Host: mlflow.corp.example");
        assertThat(ok.header("X-Frame-Options")).as("NONE sends no header").isEmpty();
    }

    @Test
    void crossOriginWrites_areRefusedAndChangeNothing() throws Exception {
        RawHttp.Response blocked = post(server, CREATE, "{\"name\": \"csrf-victim\"}",
                "Origin: https://evil.example");
        assertThat(blocked.status()).isEqualTo(403);
        assertThat(blocked.body()).contains("Cross-origin request blocked").contains("--cors-allowed-origins");
        for (String origin : List.of("null", "http://localhost.evil.example", "https://127.0.0.1.evil.example")) {
            assertThat(post(server, CREATE, "{\"name\": \"csrf-victim\"}", "Origin: " + origin).status())
                    .as(origin).isEqualTo(403);
        }
        assertThat(RawHttp.send(server.port(), "GET", "/api/2.0/mlflow/experiments/get-by-name"
                + "?experiment_name=csrf-victim").status()).isEqualTo(404);
        RawHttp.Response read = RawHttp.send(server.port(), "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0",
                "Origin: https://evil.example");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("Access-Control-Allow-Origin")).as("no CORS grant: the browser hides the answer")
                .isEmpty();
    }

    @Test
    void localhostSameOriginAndConfiguredOrigins_mayWrite() throws Exception {
        RawHttp.Response dev = post(server, CREATE, "{\"name\": \"from-dev-server\"}",
                "Origin: http://localhost:5173");
        assertThat(dev.status()).as(dev.toString()).isEqualTo(200);
        assertThat(dev.header("Access-Control-Allow-Origin")).hasValue("http://localhost:5173");
        assertThat(dev.header("Vary")).hasValueSatisfying(v -> assertThat(v).contains("Origin"));
        RawHttp.Response same = post(server, CREATE, "{\"name\": \"same-origin\"}",
                "Origin: http://192.168.7.7:" + server.port(), "Host: 192.168.7.7:" + server.port());
        assertThat(same.status()).as(same.toString()).isEqualTo(200);
        RawHttp.Response corp = post(configured, CREATE, "{\"name\": \"from-notebook\"}",
                "Origin: https://notebook.corp.example", "Host: mlflow.corp.example");
        assertThat(corp.status()).as(corp.toString()).isEqualTo(200);
        assertThat(post(configured, CREATE, "{\"name\": \"x\"}", "Origin: https://corp.example.evil",
                "Host: mlflow.corp.example").status()).isEqualTo(403);
    }

    @Test
    void preflights_areAnsweredForAllowedOriginsOnly() throws Exception {
        RawHttp.Response ok = RawHttp.send(server.port(), "OPTIONS", CREATE, "Origin: http://localhost:3000",
                "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type, authorization");
        assertThat(ok.status()).isEqualTo(204);
        assertThat(ok.header("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        assertThat(ok.header("Access-Control-Allow-Methods")).hasValueSatisfying(v -> assertThat(v).contains("POST"));
        assertThat(ok.header("Access-Control-Allow-Headers")).hasValue("content-type, authorization");
        RawHttp.Response no = RawHttp.send(server.port(), "OPTIONS", CREATE, "Origin: https://evil.example",
                "Access-Control-Request-Method: POST");
        assertThat(no.status()).isEqualTo(403);
        assertThat(no.header("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void oversizedApiBodies_areRefusedFromTheirLength() throws Exception {
        String head = "POST " + CREATE + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + (64L * 1024 * 1024) + "\r\nConnection: close\r\n\r\n{\"name\":";
        RawHttp.Response r = RawHttp.exchange(server.port(), head.getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).contains("INVALID_PARAMETER_VALUE").contains("exceeds");
    }
}
