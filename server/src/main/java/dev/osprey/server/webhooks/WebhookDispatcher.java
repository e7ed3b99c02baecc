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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
    private final HttpClient http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile List<Webhook> active;

    public WebhookDispatcher(WebhookStore store, SecretBox secrets, UrlGuard guard, Clock clock, RetryPolicy policy) {
        this.store = store;
        this.secrets = secrets;
        this.guard = guard;
        this.clock = clock;
        this.policy = policy;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(policy.timeout()).build();
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

    /** True when some active webhook listens for this event (so callers can skip building the payload). */
    @Override
    public boolean wants(String entity, String action) {
        String e = entity.toUpperCase(Locale.ROOT);
        String a = action.toUpperCase(Locale.ROOT);
        return active().stream().anyMatch(w -> w.events().contains(new Webhook.Event(e, a)));
    }

    /** Queues the event for every active webhook subscribed to it. */
    @Override
    public void publish(String entity, String action, ObjectNode data) {
        Webhook.Event event = new Webhook.Event(entity.toUpperCase(Locale.ROOT), action.toUpperCase(Locale.ROOT));
        for (Webhook w : active()) {
            if (!w.events().contains(event)) {
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
            HttpResponse<String> r = send(w, payload(entity, action, data));
            String body = r.body();
            return new Result(r.statusCode() < 400, Optional.of(r.statusCode()),
                    Optional.of(body.length() > MAX_BODY_IN_RESULT ? body.substring(0, MAX_BODY_IN_RESULT) : body),
                    Optional.empty());
        } catch (IOException | OspreyException e) {
            return new Result(false, Optional.empty(), Optional.empty(), Optional.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, Optional.empty(), Optional.empty(), Optional.of("interrupted"));
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
                HttpResponse<String> r = send(w, body);
                int status = r.statusCode();
                if (status < 400) {
                    return;
                }
                if (!(status == 429 || status == 500 || status == 502 || status == 503 || status == 504)) {
                    LOG.warn("Webhook {} answered {}; not retried", w.webhookId(), status);
                    return;
                }
                wait = r.headers().firstValue("Retry-After").flatMap(WebhookDispatcher::seconds)
                        .map(s -> Math.min(s * 1000, policy.maxBackoff().toMillis())).orElse(backoff);
                LOG.info("Webhook {} answered {} (attempt {} of {})", w.webhookId(), status, attempt,
                        policy.maxAttempts());
            } catch (OspreyException e) {
                LOG.warn("Webhook {} refused: {}", w.webhookId(), e.getMessage());
                return;
            } catch (IOException e) {
                LOG.info("Webhook {} unreachable (attempt {} of {}): {}", w.webhookId(), attempt,
                        policy.maxAttempts(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
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

    private HttpResponse<String> send(Webhook w, String body) throws IOException, InterruptedException {
        URI uri = guard.check(w.url());
        String deliveryId = UUID.randomUUID().toString();
        String timestamp = Long.toString(clock.millis() / 1000);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(policy.timeout())
                .header("Content-Type", "application/json")
                .header("X-MLflow-Delivery-Id", deliveryId)
                .header("X-MLflow-Timestamp", timestamp)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        w.sealedSecret().map(secrets::open).ifPresent(secret -> request.header("X-MLflow-Signature",
                "v1," + sign(secret, deliveryId + "." + timestamp + "." + body)));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
