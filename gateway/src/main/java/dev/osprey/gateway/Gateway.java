package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.provider.CompletionsAsChat;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.provider.Passthroughs;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.ProviderException;
import dev.osprey.gateway.provider.StreamTranslator;
import dev.osprey.gateway.provider.Target;
import dev.osprey.gateway.provider.Usage;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.stream.AwsEventStreamReader;
import dev.osprey.gateway.stream.EventListener;
import dev.osprey.gateway.stream.SseReader;
import dev.osprey.gateway.stream.StreamedText;
import dev.osprey.gateway.usage.GatewayCall;
import dev.osprey.gateway.usage.GatewayMetrics;
import dev.osprey.gateway.usage.UsageRecorder;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Serves invocations: rate limits and budgets first, then the endpoint's models in routing order (a weighted choice
 * among PRIMARY models, then FALLBACK models by {@code fallback_order}), skipping providers whose circuit is open,
 * moving on after rate limits, server errors, timeouts and refused connections. What happened is recorded off the
 * hot path.
 */
public final class Gateway implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);
    private final GatewayConfigService config;
    private final UpstreamClient http;
    private final Admission admission;
    private final Attempts attempts;
    private final Budgets budgets;
    private final UsageRecorder usage;
    private final GatewayMetrics metrics;
    private final CostModel costs;
    private final Clock clock;
    private volatile Thread refresher;
    private volatile Guardrails guardrails = Guardrails.NONE;

    /** A non-streamed answer: status, JSON body and what the call took. */
    public record Reply(int status, byte[] body, long durationMs, long overheadMs) {}

    public Gateway(GatewayConfigService config, UpstreamClient http, UrlGuard guard, Budgets budgets, UsageRecorder usage,
            GatewayMetrics metrics, CostModel costs, Clock clock) {
        this.config = config;
        this.http = http;
        this.admission = new Admission(config, budgets, metrics);
        this.attempts = new Attempts(guard, clock);
        this.budgets = budgets;
        this.usage = usage;
        this.metrics = metrics;
        this.costs = costs;
        this.clock = clock;
    }

    /**
     * Installs the guardrails every call passes (set once the server's judges exist, which themselves call this
     * gateway).
     */
    public void guardWith(Guardrails guardrails) {
        this.guardrails = java.util.Objects.requireNonNull(guardrails, "guardrails");
    }

    /** The call as the endpoint's guardrails let it through (rewritten, or refused by their exception). */
    private Invocation guarded(ResolvedEndpoint endpoint, Invocation inv) {
        ObjectNode body = guardrails.beforeCall(endpoint.endpoint(), inv);
        return body == inv.body() ? inv : inv.withBody(body);
    }

    /** The default upstream client: Helidon's, connecting to the address the guard checked. */
    public static UpstreamClient defaultClient(UrlGuard guard) {
        return new HelidonUpstreamClient(guard);
    }

    /**
     * Re-reads the configuration every {@code period}, so changes made through another server sharing the database
     * reach this one (its own changes apply at once).
     */
    public void refreshEvery(Duration period) {
        refresher = Thread.ofVirtual().name("osprey-gateway-refresh").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(period);
                    config.reload();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(Gateway.class).warn("Reloading the gateway configuration "
                            + "failed: {}", e.getMessage());
                }
            }
        });
    }

    /** Stops the refresher and writes what the usage queue still holds. */
    @Override
    public void close() {
        Thread r = refresher;
        if (r != null) {
            r.interrupt();
        }
        usage.close();
    }

    public GatewayConfigService config() {
        return config;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public UsageRecorder usage() {
        return usage;
    }

    public Budgets budgets() {
        return budgets;
    }

    private static Duration timeout(GatewayEndpoint e) {
        return e.limits().timeoutMs() > 0 ? Duration.ofMillis(e.limits().timeoutMs()) : DEFAULT_TIMEOUT;
    }

    /** A random request id; not a secret, so no SecureRandom on the hot path. */
    private static String requestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** The plan for {@code inv} run by the attempts, each attempt recorded in {@code log}. */
    private <T> T route(Invocation inv, ResolvedEndpoint endpoint, Attempts.Log log, Attempts.Call<T> call) {
        return attempts.run(inv, endpoint, RoutePlan.of(inv, endpoint, ThreadLocalRandom.current().nextDouble()),
                log, call);
    }

    // ------------------------------------------------------------------ non-streamed

    public Reply invoke(Invocation asked) {
        long started = System.nanoTime();
        long startedAt = clock.millis();
        String requestId = requestId();
        ResolvedEndpoint endpoint = admission.admit(asked);
        Attempts.Log log = new Attempts.Log();
        long[] upstreamNanos = new long[1];
        Invocation inv = asked;
        try {
            inv = guarded(endpoint, asked);
            Invocation call = inv;
            JsonNode[] answer = new JsonNode[1];
            byte[] body = route(call, endpoint, log, (adapter, target, request) -> {
                long sent = System.nanoTime();
                int status;
                byte[] bytes;
                try (UpstreamClient.Response response = http.post(request, timeout(endpoint.endpoint()))) {
                    status = response.status();
                    bytes = response.body().readAllBytes();
                } catch (IOException | RuntimeException e) {
                    throw ProviderFailures.of(target, e);
                } finally {
                    upstreamNanos[0] += System.nanoTime() - sent;
                }
                if (status / 100 != 2) {
                    throw ProviderFailures.answered(adapter, target, status, bytes);
                }
                JsonNode parsed;
                try {
                    parsed = Json.read(bytes);
                } catch (IOException e) {
                    throw new ProviderException(502, "Provider " + target.provider() + " answered with invalid "
                            + "JSON.", true);
                }
                if (call.passthrough().isPresent()) {
                    answer[0] = parsed;
                    return bytes;
                }
                ObjectNode openAi = CompletionsAsChat.needed(adapter, call.operation())
                        ? CompletionsAsChat.completionResponse(adapter.response(Operation.CHAT, parsed, target))
                        : adapter.response(call.operation(), parsed, target);
                answer[0] = openAi;
                // OpenAI-compatible providers: their bytes are the answer; no second serialisation.
                return adapter.repliesInOpenAiShape() ? bytes : Json.write(openAi);
            });
            Usage used = inv.passthrough().isPresent() ? Passthroughs.usage(answer[0])
                    : ProviderAdapter.usageOf(answer[0]);
            if (inv.operation() != Operation.EMBEDDINGS) {
                JsonNode checked = guardrails.afterCall(endpoint.endpoint(), inv, answer[0]);
                if (checked != answer[0]) {
                    answer[0] = checked;
                    body = Json.write(checked);
                }
            }
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            long overheadMs = Math.max(0, (System.nanoTime() - started - upstreamNanos[0]) / 1_000_000);
            finish(requestId, inv, endpoint, log, startedAt, durationMs, overheadMs, 200, used,
                    Optional.of(answer[0]), Optional.empty());
            return new Reply(200, body, durationMs, overheadMs);
        } catch (GatewayException e) {
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            finish(requestId, inv, endpoint, log, startedAt, durationMs, durationMs, e.status(), Usage.NONE,
                    Optional.empty(), Optional.of(e.getMessage()));
            throw e;
        }
    }

    private void finish(String requestId, Invocation inv, ResolvedEndpoint endpoint, Attempts.Log log,
            long startedAt, long durationMs, long overheadMs, int status, Usage used, Optional<JsonNode> response,
            Optional<String> error) {
        double cost = used.total() > 0 ? costs.cost(log.model, used.inputTokens(), used.outputTokens()) : 0;
        GatewayEndpoint e = endpoint.endpoint();
        admission.settle(e, inv.user(), used.total(), cost);
        GatewayCall call = new GatewayCall(requestId, e, inv.operation(), inv.stream(), inv.user(),
                log.provider, log.model, startedAt, durationMs, overheadMs, status, used, cost, log.count, inv.body(), response, error);
        metrics.record(call);
        usage.record(call);
    }

    // ------------------------------------------------------------------ streamed

    /**
     * Streams the answer to {@code sink}. Falls back to the next model only until the first event is sent; a
     * failure after that ends the stream with an error event.
     */
    public void stream(Invocation asked, EventSink sink) throws IOException {
        long started = System.nanoTime();
        long startedAt = clock.millis();
        String requestId = requestId();
        ResolvedEndpoint endpoint = admission.admit(asked);
        Attempts.Log log = new Attempts.Log();
        Opened opened;
        Invocation inv = asked;
        try {
            // Only the request is checked: a streamed answer goes out as it comes (MLflow skips them too).
            inv = guarded(endpoint, asked);
            opened = route(inv, endpoint, log, (adapter, target, request) -> {
                UpstreamClient.Response response;
                try {
                    response = http.post(request, timeout(endpoint.endpoint()));
                } catch (IOException | RuntimeException e) {
                    throw ProviderFailures.of(target, e);
                }
                if (response.status() / 100 != 2) {
                    byte[] body;
                    try (response; InputStream in = response.body()) {
                        body = in.readNBytes(64 * 1024);
                    } catch (IOException e) {
                        body = new byte[0];
                    }
                    throw ProviderFailures.answered(adapter, target, response.status(), body);
                }
                return new Opened(adapter, target, response);
            });
        } catch (GatewayException e) {
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            finish(requestId, inv, endpoint, log, startedAt, durationMs, durationMs, e.status(), Usage.NONE,
                    Optional.empty(), Optional.of(e.getMessage()));
            throw e;
        }
        relay(inv, sink, endpoint, opened, requestId, started, startedAt, log);
    }

    private void relay(Invocation inv, EventSink sink, ResolvedEndpoint endpoint, Opened opened, String requestId,
            long started, long startedAt, Attempts.Log log) throws IOException {
        sink.open();
        long overheadMs = (System.nanoTime() - started) / 1_000_000;
        StreamTranslator translator = inv.passthrough().isPresent() ? Passthroughs.stream()
                : opened.adapter().stream(inv.operation(), opened.target(), clientAskedForUsage(inv.body()));
        StreamedText text = new StreamedText();
        EventListener relay = (event, data) -> relay(inv, sink, translator, event, data, text);
        int status = 200;
        Optional<String> error = Optional.empty();
        try (UpstreamClient.Response upstreamResponse = opened.response()) {
            if (opened.adapter().binaryEventStream() && inv.passthrough().isEmpty()) {
                AwsEventStreamReader.read(upstreamResponse.body(), relay);
            } else {
                SseReader.read(upstreamResponse.body(), relay);
            }
            for (String chunk : translator.finish()) {
                text.collect(chunk);
                sink.send("", chunk);
            }
            if (inv.passthrough().isEmpty()) {
                sink.send("", "[DONE]");
            }
        } catch (ProviderException e) {
            status = 502;
            String message = ProviderFailures.scrubbed(e, opened.target()).getMessage();
            error = Optional.of(message);
            sink.send("", Json.writeString(Json.object().set("error", Json.object().put("message", message)
                    .put("type", "upstream_error"))));
        } catch (IOException e) {
            status = 499;
            error = Optional.of("Stream ended early: " + e.getClass().getSimpleName());
        } finally {
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            ObjectNode response = Json.object();
            response.putObject("message").put("role", "assistant").put("content", text.toString());
            finish(requestId, inv, endpoint, log, startedAt, durationMs, overheadMs, status,
                    translator.usage(), Optional.of(response), error);
        }
    }

    /** One upstream event to the caller: translated to OpenAI chunks, or as it came for passthrough routes. */
    private static void relay(Invocation inv, EventSink sink, StreamTranslator translator, String event, String data,
            StreamedText text) throws IOException {
        if (inv.passthrough().isPresent()) {
            translator.onEvent(event, data);
            sink.send(event, data);
            return;
        }
        for (String chunk : translator.onEvent(event, data)) {
            text.collect(chunk);
            sink.send("", chunk);
        }
    }

    private static boolean clientAskedForUsage(ObjectNode body) {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    private record Opened(ProviderAdapter adapter, Target target, UpstreamClient.Response response) {
        InputStream body() {
            return response.body();
        }
    }
}
