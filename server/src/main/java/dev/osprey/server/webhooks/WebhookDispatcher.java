package dev.osprey.server.webhooks;

import dev.osprey.core.net.UrlGuard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Webhook;
import dev.osprey.protocol.Json;
import dev.osprey.server.secrets.SecretBox;
import dev.osprey.store.WebhookStore;
import java.io.IOException;
import java.net.URI;
import dev.osprey.core.net.BlockedAddressException;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers registry events to subscribed webhooks off the request thread (spec/genai.md §5): one virtual thread per
 * delivery, at most {@value #MAX_IN_FLIGHT} at once (more are dropped with a warning rather than queued without
 * bound), retried with exponential backoff on 429/5xx and connection failures, honouring {@code Retry-After}.
 * Redirects are never followed and the URL guard runs before every attempt.
 */
public final class WebhookDispatcher implements AutoCloseable, dev.osprey.server.registry.RegistryEvents {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
    static final int MAX_IN_FLIGHT = 256;
    private static final int MAX_BODY_IN_RESULT = 1000;
    /** Of a webhook's answer body only the start is kept (the test endpoint shows 1000 characters). */
    private static final int MAX_BODY_READ = 64 * 1024;

    /** How hard deliveries try. */
    public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration timeout) {
        public static RetryPolicy defaults() {
            return new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(10));
        }
    }

    /** What a test delivery saw. */
    public record Result(boolean success, Optional<Integer> status, Optional<String> body, Optional<String> error) {}

    private final WebhookStore store;
    private final SecretBox secrets;
    private final UrlGuard guard;
    private final Clock clock;
    private final RetryPolicy policy;
    private final WebClient http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile List<Webhook> active;

    public WebhookDispatcher(WebhookStore store, SecretBox secrets, UrlGuard guard, Clock clock, RetryPolicy policy) {
        this.store = store;
        this.secrets = secrets;
        this.guard = guard;
        this.clock = clock;
        this.policy = policy;
        // Connects to the address the guard checked at connection time: the JDK client resolved names again itself.
        this.http = dev.osprey.gateway.HelidonUpstreamClient.pinned(guard, policy.timeout(), 16);
    }

    /** Re-reads the active webhooks; called after every webhook change. */
    public void refresh() {
        active = store.active();
    }

    private List<Webhook> active() {
        List<Webhook> a = active;
        if (a == null) {
            a = store.active();
            active = a;
        }
        return a;
    }

    /** True when an active webhook of the workspace listens for this event (callers then build the payload). */
    @Override
    public boolean wants(String workspace, String entity, String action) {
        String e = entity.toUpperCase(Locale.ROOT);
        String a = action.toUpperCase(Locale.ROOT);
        return active().stream().anyMatch(w -> w.workspace().equals(workspace)
                && w.events().contains(new Webhook.Event(e, a)));
    }

    /** Queues the event for every active webhook of the workspace subscribed to it. */
    @Override
    public void publish(String workspace, String entity, String action, ObjectNode data) {
        Webhook.Event event = new Webhook.Event(entity.toUpperCase(Locale.ROOT), action.toUpperCase(Locale.ROOT));
        for (Webhook w : active()) {
            if (!w.workspace().equals(workspace) || !w.events().contains(event)) {
                continue;
            }
            String body = payload(entity, action, data);
            if (!inFlight.tryAcquire()) {
                LOG.warn("Dropping {}.{} delivery to webhook {}: {} deliveries already in flight", entity, action,
                        w.webhookId(), MAX_IN_FLIGHT);
                continue;
            }
            executor.execute(() -> {
                try {
                    deliver(w, body);
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    /** One synchronous attempt, for the test endpoint. */
    public Result test(Webhook w, String entity, String action, ObjectNode data) {
        try {
            Reply r = send(w, payload(entity, action, data));
            String body = r.body();
            return new Result(r.status() < 400, Optional.of(r.status()),
                    Optional.of(body.length() > MAX_BODY_IN_RESULT ? body.substring(0, MAX_BODY_IN_RESULT) : body),
                    Optional.empty());
        } catch (IOException | OspreyException e) {
            return new Result(false, Optional.empty(), Optional.empty(), Optional.of(String.valueOf(e.getMessage())));
        }
    }

    private String payload(String entity, String action, ObjectNode data) {
        ObjectNode body = Json.object();
        body.put("entity", entity.toLowerCase(Locale.ROOT));
        body.put("action", action.toLowerCase(Locale.ROOT));
        body.put("timestamp", Instant.ofEpochMilli(clock.millis()).toString());
        body.set("data", data);
        return Json.writeString(body);
    }

    private void deliver(Webhook w, String body) {
        long backoff = policy.initialBackoff().toMillis();
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            long wait = backoff;
            try {
                Reply r = send(w, body);
                int status = r.status();
                if (status < 400) {
                    return;
                }
                if (!(status == 429 || status == 500 || status == 502 || status == 503 || status == 504)) {
                    LOG.warn("Webhook {} answered {}; not retried", w.webhookId(), status);
                    return;
                }
                wait = r.retryAfter().flatMap(WebhookDispatcher::seconds)
                        .map(s -> Math.min(s * 1000, policy.maxBackoff().toMillis())).orElse(backoff);
                LOG.info("Webhook {} answered {} (attempt {} of {})", w.webhookId(), status, attempt,
                        policy.maxAttempts());
            } catch (OspreyException e) {
                LOG.warn("Webhook {} refused: {}", w.webhookId(), e.getMessage());
                return;
            } catch (IOException e) {
                LOG.info("Webhook {} unreachable (attempt {} of {}): {}", w.webhookId(), attempt,
                        policy.maxAttempts(), e.toString());
            }
            if (attempt < policy.maxAttempts()) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, policy.maxBackoff().toMillis());
            }
        }
        LOG.warn("Webhook {} delivery given up after {} attempts", w.webhookId(), policy.maxAttempts());
    }

    private static Optional<Long> seconds(String retryAfter) {
        try {
            return Optional.of(Math.max(0, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A webhook's answer: what delivery decisions and the test endpoint need of it. */
    private record Reply(int status, Optional<String> retryAfter, String body) {}

    private Reply send(Webhook w, String body) throws IOException {
        URI uri = guard.check(w.url());
        String deliveryId = UUID.randomUUID().toString();
        String timestamp = Long.toString(clock.millis() / 1000);
        HttpClientRequest request = http.post().uri(uri).readTimeout(policy.timeout())
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.create("X-MLflow-Delivery-Id"), deliveryId)
                .header(HeaderNames.create("X-MLflow-Timestamp"), timestamp);
        w.sealedSecret().map(secrets::open).ifPresent(secret -> request.header(
                HeaderNames.create("X-MLflow-Signature"), "v1," + sign(secret, deliveryId + "." + timestamp + "."
                        + body)));
        try (HttpClientResponse r = request.submit(body.getBytes(StandardCharsets.UTF_8))) {
            return new Reply(r.status().code(), r.headers().first(HeaderNames.RETRY_AFTER),
                    new String(r.inputStream().readNBytes(MAX_BODY_READ), StandardCharsets.UTF_8));
        } catch (BlockedAddressException e) {
            throw OspreyException.invalid(e.getMessage());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** base64(HMAC-SHA256(secret, message)). */
    static String sign(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
