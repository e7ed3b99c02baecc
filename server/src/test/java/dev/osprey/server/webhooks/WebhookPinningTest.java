package dev.osprey.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.osprey.core.Webhook;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.protocol.Json;
import dev.osprey.server.secrets.SecretBox;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, finding 3: a webhook host that passes the SSRF check and then resolves to an internal address (DNS
 * rebinding) is refused when the delivery connects, because the connection uses the guard's own resolution. Before,
 * the JDK client resolved the name a second time and connected to wherever that pointed.
 */
class WebhookPinningTest {
    private HttpServer listener;
    private final AtomicInteger hits = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        listener = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        listener.createContext("/hook", exchange -> {
            hits.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        listener.start();
    }

    @AfterEach
    void stop() {
        listener.stop(0);
    }

    /** The first answer for {@code localhost} is a public address; every later one is the real (loopback) one. */
    private static UrlGuard.Resolver rebinding() {
        AtomicInteger calls = new AtomicInteger();
        return host -> host.equals("localhost") && calls.getAndIncrement() == 0
                ? new InetAddress[] {InetAddress.getByAddress("localhost", new byte[] {8, 8, 8, 8})}
                : InetAddress.getAllByName(host);
    }

    private Webhook hook() {
        return new Webhook("wh-1", "hook", Optional.empty(), "http://localhost:" + listener.getAddress().getPort()
                + "/hook", List.of(), Webhook.Status.ACTIVE, 0, 0, Optional.empty(),
                dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    private WebhookDispatcher dispatcher(UrlGuard guard) throws java.io.IOException {
        // The test route does not read the store (the hook is given).
        SecretBox secrets = SecretBox.open(Optional.of(java.util.Base64.getEncoder().encodeToString(new byte[32])),
                java.nio.file.Path.of("unused"));
        return new WebhookDispatcher(null, secrets, guard, Clock.systemUTC(),
                WebhookDispatcher.RetryPolicy.defaults());
    }

    @Test
    void aNameThatRebindsToAnInternalAddress_afterTheCheck_isNotConnectedTo() throws Exception {
        try (WebhookDispatcher dispatcher = dispatcher(new UrlGuard(List.of()).withResolver(rebinding()))) {
            WebhookDispatcher.Result result = dispatcher.test(hook(), "registered_model", "created", Json.object());
            assertThat(result.success()).isFalse();
            assertThat(result.error()).hasValueSatisfying(e -> assertThat(e)
                    .contains("now resolves to an internal address (127.0.0.1)"));
        }
        assertThat(hits.get()).as("requests that reached the internal listener").isZero();
    }

    @Test
    void anAllowedHost_isDelivered() throws Exception {
        UrlGuard allowing = new UrlGuard(List.of("localhost:" + listener.getAddress().getPort()));
        try (WebhookDispatcher dispatcher = dispatcher(allowing)) {
            WebhookDispatcher.Result result = dispatcher.test(hook(), "registered_model", "created", Json.object());
            assertThat(result.success()).as(result.toString()).isTrue();
            assertThat(result.status()).contains(200);
        }
        assertThat(hits.get()).isEqualTo(1);
    }
}
