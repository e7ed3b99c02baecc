package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.provider.UpstreamRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Providers (and the proxies before them) that end a connection after each answer — HTTP/1.0 servers, idle
 * keep-alive time-outs: the gateway's pooled client must not send the next call down the closed connection and
 * report the provider as failed. Found by the Python conformance suite, whose mock model is Python's http.server.
 */
class ClosingUpstreamTest {

    /** Answers each request with an HTTP/1.0 response and closes the connection, as Python's http.server does. */
    private static final class Http10Server implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger answered = new AtomicInteger();
        private final Thread loop = Thread.ofVirtual().start(this::serve);

        Http10Server() throws IOException {}

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    int length = 0;
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    for (int i = 0; i < length; i++) {
                        in.read();
                    }
                    byte[] body = ("{\"n\": " + answered.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                    // The close comes a moment after the answer, as from a server thread that still has to wind
                    // down: a client that pools the connection meanwhile sends its next call into a closing socket.
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            loop.interrupt();
        }
    }

    @Test
    void everyCall_getsItsAnswer_whenTheProviderClosesConnectionsAfterAnswering() throws Exception {
        try (Http10Server server = new Http10Server()) {
            UrlGuard open = new UrlGuard(List.of(), "Provider base URL", "", true);
            HelidonUpstreamClient client = new HelidonUpstreamClient(open);
            UpstreamRequest request = new UpstreamRequest(URI.create("http://127.0.0.1:" + server.socket.getLocalPort()
                    + "/v1/chat/completions"), Map.of("Content-Type", "application/json"),
                    "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8));
            for (int i = 1; i <= 5; i++) {
                try (UpstreamClient.Response r = client.post(request, Duration.ofSeconds(5))) {
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"n\": " + i
                            + "}");
                }
            }
            assertThat(server.answered.get()).as("one provider call per request, none repeated").isEqualTo(5);
        }
    }
}
