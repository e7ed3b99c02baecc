package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.osprey.core.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retry and error mapping against a scripted HTTP server on a real socket. */
class TransportRetryTest {
    private HttpServer server;
    private final Deque<int[]> script = new ArrayDeque<>();
    private final Deque<String> bodies = new ArrayDeque<>();
    private final AtomicInteger calls = new AtomicInteger();

    private OspreyClient start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            int status = script.isEmpty() ? 200 : script.poll()[0];
            byte[] body = (bodies.isEmpty() ? "{}" : bodies.poll()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return OspreyClient.builder("http://127.0.0.1:" + server.getAddress().getPort()).maxAttempts(4)
                .initialBackoff(Duration.ofMillis(5)).build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(int status, String body) {
        script.add(new int[] {status});
        bodies.add(body);
    }

    @Test
    void transientFailures_areRetriedUntilSuccess() throws IOException {
        OspreyClient client = start();
        answer(503, "{\"error_code\": \"TEMPORARILY_UNAVAILABLE\", \"message\": \"busy\"}");
        answer(429, "{\"error_code\": \"REQUEST_LIMIT_EXCEEDED\", \"message\": \"slow down\"}");
        answer(200, "{\"experiment_id\": \"7\"}");
        assertThat(client.createExperiment("x")).isEqualTo("7");
        assertThat(calls).hasValue(3);
    }

    @Test
    void clientErrors_areNotRetried_andKeepTheirCode() throws IOException {
        OspreyClient client = start();
        answer(400, "{\"error_code\": \"INVALID_PARAMETER_VALUE\", \"message\": \"bad key\"}");
        assertThatThrownBy(() -> client.createExperiment("x"))
                .isInstanceOfSatisfying(OspreyClientException.InvalidParameter.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("INVALID_PARAMETER_VALUE: bad key");
                });
        assertThat(calls).hasValue(1);
    }

    @Test
    void deterministicServerErrors_areNotRetried() throws IOException {
        OspreyClient client = start();
        answer(500, "{\"error_code\": \"INVALID_STATE\", \"message\": \"Cannot rename a non-active experiment.\"}");
        assertThatThrownBy(() -> client.renameExperiment("1", "y"))
                .isInstanceOfSatisfying(OspreyClientException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_STATE));
        assertThat(calls).hasValue(1);
    }

    @Test
    void persistentFailures_giveUpAfterMaxAttempts() throws IOException {
        OspreyClient client = start();
        for (int i = 0; i < 4; i++) {
            answer(502, "bad gateway");
        }
        assertThatThrownBy(() -> client.createExperiment("x")).isInstanceOf(OspreyClientException.class)
                .hasMessageContaining("HTTP 502");
        assertThat(calls).hasValue(4);
    }

    @Test
    void unreachableServer_isTemporarilyUnavailable() throws IOException {
        start();
        int port = server.getAddress().getPort();
        server.stop(0);
        OspreyClient client = OspreyClient.builder("http://127.0.0.1:" + port).maxAttempts(2)
                .initialBackoff(Duration.ofMillis(5)).build();
        assertThatThrownBy(() -> client.createExperiment("x"))
                .isInstanceOfSatisfying(OspreyClientException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.TEMPORARILY_UNAVAILABLE));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    }
}
