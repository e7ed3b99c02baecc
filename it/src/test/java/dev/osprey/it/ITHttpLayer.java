package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osprey.server.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 19, finding 4: the HTTP layer against slow, stalled and old clients, on the real jar through raw sockets.
 * The server runs with short timeouts (head 1 s, body 1 s, keep-alive 3 s) so each bound below is a few seconds;
 * the bounds are generous limits on when a socket must be gone, not measurements.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITHttpLayer {
    private static final int MUST_CLOSE_WITHIN_MS = 8_000;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ServerProcess server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-http-layer");
        server = ServerProcess.start(new ServerProcess.Launch(ServerProcess.freePort(),
                "sqlite:///" + dir + "/osprey.db", dir.resolve("artifacts").toString(), List.of("-Xmx512m"),
                Map.of(), List.of("--header-timeout", "1", "--body-timeout", "1", "--keep-alive-timeout", "3")));
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anAnswerSayingConnectionClose_closesTheConnection() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            // Read to the end within less than the keep-alive timeout: the close is the answer's, not the idle one.
            socket.setSoTimeout(2_500);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith("OK");
        }
    }

    @Test
    void anIdleKeptAliveConnection_isClosedAfterTheKeepAliveTimeout() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            socket.setSoTimeout(MUST_CLOSE_WITHIN_MS);
            InputStream in = socket.getInputStream();
            String head = RawHttp.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: keep-alive");
            assertThat(new String(in.readNBytes(2), StandardCharsets.ISO_8859_1)).isEqualTo("OK");
            long idleFrom = System.nanoTime();
            assertThat(in.read()).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - idleFrom))
                    .as("kept for the keep-alive timeout, not cut at once").isGreaterThan(Duration.ofMillis(2_500));
        }
    }

    @Test
    void connectionsThatNeverFinishTheirHead_areClosed_evenWhenTheyDripBytes() throws Exception {
        try (Socket silent = connect(); Socket partial = connect(); Socket dripping = connect()) {
            send(partial, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            send(dripping, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            long start = System.nanoTime();
            int dripped = 0;
            // One header line every 200 ms keeps every single read short: only a deadline on the whole head ends it.
            while (System.nanoTime() - start < Duration.ofMillis(MUST_CLOSE_WITHIN_MS).toNanos()) {
                try {
                    send(dripping, "X-Drip-" + dripped + ": 1\r\n");
                    dripped++;
                } catch (SocketException e) {
                    break; // closed by the server
                }
                Thread.sleep(200);
            }
            assertThat(closedByServer(dripping)).as("dripping connection closed").isTrue();
            assertThat(dripped).as("header lines sent before the close").isLessThan(MUST_CLOSE_WITHIN_MS / 200);
            assertThat(closedByServer(silent)).as("silent connection closed").isTrue();
            assertThat(closedByServer(partial)).as("connection with a partial head closed").isTrue();
        }
    }

    @Test
    void aStalledRequestBody_isCut_andNothingIsStored() throws Exception {
        String name = "stalled-" + System.nanoTime();
        try (Socket socket = connect()) {
            send(socket, "POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"name\": \"" + name + "\"");
            assertThat(closedByServer(socket)).isTrue();
        }
        HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + name)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).isEqualTo(404);
        assertThat(server.log()).doesNotContain("ERROR");
    }

    @Test
    void hundredsOfSlowConnections_neitherExhaustTheServerNorStopHealth() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                Socket socket = connect();
                send(socket, "GET /api/2.0/mlflow/experiments/search HTTP/1.1\r\nHost: 127.0.0.1\r\n");
                slow.add(socket);
            }
            for (int i = 0; i < 50; i++) {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
            }
            for (Socket socket : slow) {
                assertThat(closedByServer(socket)).as("slow connection closed").isTrue();
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        assertThat(RawHttp.send(server.port(), "GET", "/health").status()).isEqualTo(200);
    }

    @Test
    void http10_isServed_withoutHost_andClosedAfterTheAnswer() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.0\r\n\r\n");
            socket.setSoTimeout(MUST_CLOSE_WITHIN_MS);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close").endsWith("OK");
        }
    }

    @Test
    void http10_writesAndReadsTheTrackingApi_andGetsStreamedAnswersWithoutChunks() throws Exception {
        String body = "{\"name\": \"http10-" + System.nanoTime() + "\"}";
        String created = exchange10("POST /api/2.0/mlflow/experiments/create HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: keep-alive"
                + "\r\n\r\n" + body);
        String experimentId = json.readTree(bodyOf(created)).get("experiment_id").asText();

        String traceId = HexFormat.of().formatHex(randomBytes(16));
        long now = System.currentTimeMillis() * 1_000_000L;
        String spans = """
                {"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"traceId":"%s",
                "spanId":"%s","name":"root","kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d",
                "attributes":[{"key":"a","value":{"stringValue":"b"}}]}]}]}]}""".formatted(traceId,
                HexFormat.of().formatHex(randomBytes(8)), now, now + 1_000_000);
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/traces"))
                .header("Content-Type", "application/json").header("x-mlflow-experiment-id", experimentId)
                .POST(HttpRequest.BodyPublishers.ofString(spans)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ingest.statusCode()).isEqualTo(200);

        // GetTrace streams its answer: chunked to HTTP/1.1 clients, delimited by the close for HTTP/1.0 ones.
        String target = "/api/3.0/mlflow/traces/get?trace_id=tr-" + traceId;
        String chunked = exchange10("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(chunked).containsIgnoringCase("transfer-encoding: chunked");
        String plain = exchange10("GET " + target + " HTTP/1.0\r\n\r\n");
        assertThat(plain).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("transfer-encoding");
        JsonNode trace = json.readTree(bodyOf(plain));
        assertThat(trace.at("/trace/trace_info/trace_id").asText()).isEqualTo("tr-" + traceId);
        assertThat(trace.at("/trace/spans")).hasSize(1);
    }

    /** Sends a request and reads everything until the server closes (which an HTTP/1.0 exchange must reach). */
    private String exchange10(String request) throws IOException {
        try (Socket socket = connect()) {
            send(socket, request);
            socket.setSoTimeout(MUST_CLOSE_WITHIN_MS);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String bodyOf(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private Socket connect() throws IOException {
        return new Socket("127.0.0.1", server.port());
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Whether the server ends the connection (end of stream or reset) before the bound, sending nothing. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(MUST_CLOSE_WITHIN_MS);
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }
}
