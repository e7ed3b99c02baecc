package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.gateway.GatewayConfigService.ResolvedModel;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.gateway.provider.internal.AwsEventStream;
import dev.osprey.gateway.provider.CompletionsAsChat;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.provider.Passthroughs;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.ProviderException;
import dev.osprey.gateway.provider.StreamTranslator;
import dev.osprey.gateway.provider.Target;
import dev.osprey.gateway.provider.UpstreamRequest;
import dev.osprey.gateway.provider.Usage;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.routing.CircuitBreaker;
import dev.osprey.gateway.routing.RateLimiter;
import dev.osprey.gateway.usage.GatewayCall;
import dev.osprey.gateway.usage.GatewayMetrics;
import dev.osprey.gateway.usage.UsageRecorder;
import dev.osprey.protocol.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
    private final UrlGuard guard;
    private final RateLimiter limits = new RateLimiter();
    private final Budgets budgets;
    private final UsageRecorder usage;
    private final GatewayMetrics metrics;
    private final CostModel costs;
    private final Clock clock;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private volatile Thread refresher;

    /** A non-streamed answer: status, JSON body and what the call took. */
    public record Reply(int status, byte[] body, long durationMs, long overheadMs) {}

    public Gateway(GatewayConfigService config, UpstreamClient http, UrlGuard guard, Budgets budgets, UsageRecorder usage,
            GatewayMetrics metrics, CostModel costs, Clock clock) {
        this.config = config;
        this.http = http;
        this.guard = guard;
        this.budgets = budgets;
        this.usage = usage;
        this.metrics = metrics;
        this.costs = costs;
        this.clock = clock;
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

    // ------------------------------------------------------------------ admission and routing

    private ResolvedEndpoint admit(Invocation inv) {
        ResolvedEndpoint endpoint = config.endpoint(inv.endpointName()).orElseThrow(() -> new GatewayException(404,
                "Endpoint '" + inv.endpointName() + "' does not exist."));
        Optional<RateLimiter.Refusal> refusal = limits.acquire(endpoint.endpoint(), inv.user());
        if (refusal.isPresent()) {
            metrics.rateLimited();
            throw new GatewayException(429, "Rate limit exceeded: " + refusal.get().limit() + ". Retry after "
                    + refusal.get().retryAfterSeconds() + " s.", OptionalLong.of(refusal.get().retryAfterSeconds()));
        }
        Optional<String> overBudget = budgets.rejection(endpoint.endpoint(), inv.user());
        if (overBudget.isPresent()) {
            metrics.rateLimited();
            throw new GatewayException(429, overBudget.get());
        }
        return endpoint;
    }

    /** The models to try, in order: one PRIMARY by weight, then FALLBACK models up to the configured attempts. */
    static List<ResolvedModel> plan(ResolvedEndpoint endpoint, double random) {
        List<ResolvedModel> primaries = endpoint.models().stream()
                .filter(m -> m.mapping().linkage() == GatewayEndpoint.Linkage.PRIMARY).toList();
        if (primaries.isEmpty()) {
            throw new GatewayException(404, "Endpoint '" + endpoint.endpoint().name() + "' has no PRIMARY model.");
        }
        List<ResolvedModel> plan = new ArrayList<>();
        plan.add(weighted(primaries, random));
        endpoint.endpoint().fallback().ifPresent(f -> endpoint.models().stream()
                .filter(m -> m.mapping().linkage() == GatewayEndpoint.Linkage.FALLBACK)
                .sorted(Comparator.comparingInt(m -> m.mapping().fallbackOrder()))
                .limit(f.maxAttempts())
                .forEach(plan::add));
        return plan;
    }

    private static ResolvedModel weighted(List<ResolvedModel> primaries, double random) {
        double total = primaries.stream().mapToDouble(m -> m.mapping().weight()).sum();
        if (total <= 0) {
            return primaries.get(0);
        }
        double point = random * total;
        for (ResolvedModel m : primaries) {
            point -= m.mapping().weight();
            if (point < 0) {
                return m;
            }
        }
        return primaries.get(primaries.size() - 1);
    }

    private CircuitBreaker breaker(Target t) {
        String key = t.provider() + "|" + t.setting("api_base").orElse("") + "|" + t.modelName();
        return breakers.computeIfAbsent(key, k -> new CircuitBreaker(5, 30_000, clock::millis));
    }

    private static Duration timeout(GatewayEndpoint e) {
        return e.limits().timeoutMs() > 0 ? Duration.ofMillis(e.limits().timeoutMs()) : DEFAULT_TIMEOUT;
    }

    private static void backoff(int attempt) {
        long base = 50L << Math.min(attempt, 5);
        long jittered = (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
        try {
            Thread.sleep(jittered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(499, "Cancelled.");
        }
    }

    private UpstreamRequest upstreamRequest(Invocation inv, ProviderAdapter adapter, Target target) {
        UpstreamRequest request = inv.passthrough().isPresent()
                ? Passthroughs.request(inv.passthrough().get(), inv.body(), target, inv.stream())
                : CompletionsAsChat.needed(adapter, inv.operation())
                        ? adapter.request(Operation.CHAT, CompletionsAsChat.chatRequest(inv.body()), target, false)
                        : adapter.request(inv.operation(), inv.body(), target, inv.stream());
        guard.check(request.uri().toString());
        return request;
    }

    /** Attempts in routing order until one succeeds; {@code call} does one attempt against one target. */
    private <T> T route(Invocation inv, ResolvedEndpoint endpoint, Attempts attempts, AttemptCall<T> call) {
        if (inv.passthrough().isEmpty()) {
            for (ResolvedModel m : endpoint.models()) {
                ProviderAdapter adapter = m.adapter();
                if (CompletionsAsChat.needed(adapter, inv.operation()) && inv.stream()) {
                    throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' routes to "
                            + m.definition().provider() + ", which serves completions only unstreamed; use chat "
                            + "completions to stream.");
                }
                if (!adapter.supports(inv.operation()) && !CompletionsAsChat.needed(adapter, inv.operation())) {
                    throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' routes to "
                            + m.definition().provider() + ", which does not serve " + inv.operation().openAiPath()
                            + ".");
                }
            }
        }
        List<ResolvedModel> plan = plan(endpoint, ThreadLocalRandom.current().nextDouble());
        if (inv.passthrough().isPresent()) {
            String family = inv.passthrough().get().family();
            plan = plan.stream().filter(m -> Passthroughs.family(m.definition().provider()).equals(family)).toList();
            if (plan.isEmpty()) {
                throw new GatewayException(400, "Endpoint '" + endpoint.endpoint().name() + "' has no " + family
                        + " model for this passthrough route.");
            }
        }
        ProviderException last = null;
        boolean anyAllowed = false;
        for (ResolvedModel model : plan) {
            if (model.target().isEmpty()) {
                last = new ProviderException(503, "Model '" + model.definition().name() + "' is unavailable: "
                        + model.unavailableReason() + ".", true);
                continue;
            }
            Target target = model.target().get();
            CircuitBreaker breaker = breaker(target);
            if (!breaker.allow()) {
                last = new ProviderException(503, "Provider " + target.provider() + " is failing; its circuit is "
                        + "open.", true);
                continue;
            }
            anyAllowed = true;
            ProviderAdapter adapter = model.adapter();
            for (int retry = 0; retry <= endpoint.endpoint().limits().retries(); retry++) {
                attempts.count++;
                attempts.provider = target.provider();
                attempts.model = target.modelName();
                try {
                    T result = call.attempt(adapter, target, upstreamRequest(inv, adapter, target));
                    breaker.success();
                    return result;
                } catch (ProviderException e) {
                    last = scrub(e, target);
                    if (!e.retryable()) {
                        throw new GatewayException(e.status(), last.getMessage());
                    }
                    breaker.failure();
                    if (retry < endpoint.endpoint().limits().retries()) {
                        backoff(retry);
                    }
                } catch (OspreyException e) {
                    // The URL guard refused the target at call time (the name no longer resolves, or now points
                    // inside): this model is unusable right now; the next one may not be.
                    last = new ProviderException(502, e.getMessage(), true);
                    breaker.failure();
                    break;
                }
            }
        }
        if (last == null) {
            throw new GatewayException(503, "No model of endpoint '" + endpoint.endpoint().name() + "' is available.");
        }
        throw new GatewayException(anyAllowed ? last.status() : 503, last.getMessage());
    }

    /** A provider message with any of the target's secret values masked (providers echo bad keys back). */
    private static ProviderException scrub(ProviderException e, Target target) {
        String message = e.getMessage();
        for (String secret : target.credentials().values()) {
            if (secret.length() >= 4 && message.contains(secret)) {
                message = message.replace(secret, GatewaySecret.mask(secret));
            }
        }
        return message.equals(e.getMessage()) ? e : new ProviderException(e.status(), message, e.retryable());
    }

    @FunctionalInterface
    private interface AttemptCall<T> {
        T attempt(ProviderAdapter adapter, Target target, UpstreamRequest request);
    }

    /** Which provider and model the last attempt went to, and how many attempts there were. */
    private static final class Attempts {
        int count;
        String provider = "";
        String model = "";
    }

    private static ProviderException failure(Target target, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.osprey.core.net.BlockedAddressException blocked) {
                return new ProviderException(502, blocked.getMessage(), false);
            }
        }
        if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException
                || e.getCause() instanceof java.net.SocketTimeoutException) {
            return new ProviderException(504, "Provider " + target.provider() + " did not answer in time.", true);
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new ProviderException(502, "Provider " + target.provider() + " refused the connection.", true);
        }
        return new ProviderException(502, "Calling provider " + target.provider() + " failed: "
                + e.getClass().getSimpleName() + ".", true);
    }

    private static ProviderException upstreamError(ProviderAdapter adapter, Target target, int status, byte[] body) {
        if (status >= 300 && status < 400) {
            // Redirects are never followed (one could lead into the server's network); the client gets a bad
            // gateway, not a 3xx without the Location it would need.
            return new ProviderException(502, "Provider " + target.provider() + " answered with a redirect ("
                    + status + "), which the gateway does not follow; check the provider's base URL.", false);
        }
        String raw = new String(body, StandardCharsets.UTF_8);
        String message;
        try {
            message = adapter.errorMessage(Json.read(raw), raw);
        } catch (IOException e) {
            message = raw.length() > 500 ? raw.substring(0, 500) : raw;
        }
        return new ProviderException(status, "Provider " + target.provider() + " answered " + status + ": "
                + message, ProviderException.retryableStatus(status));
    }

    /** A random request id; not a secret, so no SecureRandom on the hot path. */
    private static String requestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    // ------------------------------------------------------------------ non-streamed

    public Reply invoke(Invocation inv) {
        long started = System.nanoTime();
        long startedAt = clock.millis();
        String requestId = requestId();
        ResolvedEndpoint endpoint = admit(inv);
        Attempts attempts = new Attempts();
        long[] upstreamNanos = new long[1];
        try {
            JsonNode[] answer = new JsonNode[1];
            byte[] body = route(inv, endpoint, attempts, (adapter, target, request) -> {
                long sent = System.nanoTime();
                int status;
                byte[] bytes;
                try (UpstreamClient.Response response = http.post(request, timeout(endpoint.endpoint()))) {
                    status = response.status();
                    bytes = response.body().readAllBytes();
                } catch (IOException | RuntimeException e) {
                    throw failure(target, e);
                } finally {
                    upstreamNanos[0] += System.nanoTime() - sent;
                }
                if (status / 100 != 2) {
                    throw upstreamError(adapter, target, status, bytes);
                }
                JsonNode parsed;
                try {
                    parsed = Json.read(bytes);
                } catch (IOException e) {
                    throw new ProviderException(502, "Provider " + target.provider() + " answered with invalid "
                            + "JSON.", true);
                }
                if (inv.passthrough().isPresent()) {
                    answer[0] = parsed;
                    return bytes;
                }
                ObjectNode openAi = CompletionsAsChat.needed(adapter, inv.operation())
                        ? CompletionsAsChat.completionResponse(adapter.response(Operation.CHAT, parsed, target))
                        : adapter.response(inv.operation(), parsed, target);
                answer[0] = openAi;
                // OpenAI-compatible providers: their bytes are the answer; no second serialisation.
                return adapter.repliesInOpenAiShape() ? bytes : Json.write(openAi);
            });
            Usage used = inv.passthrough().isPresent() ? Passthroughs.usage(answer[0])
                    : ProviderAdapter.usageOf(answer[0]);
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            long overheadMs = Math.max(0, (System.nanoTime() - started - upstreamNanos[0]) / 1_000_000);
            finish(requestId, inv, endpoint, attempts, startedAt, durationMs, overheadMs, 200, used,
                    Optional.of(answer[0]), Optional.empty());
            return new Reply(200, body, durationMs, overheadMs);
        } catch (GatewayException e) {
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            finish(requestId, inv, endpoint, attempts, startedAt, durationMs, durationMs, e.status(), Usage.NONE,
                    Optional.empty(), Optional.of(e.getMessage()));
            throw e;
        }
    }

    private void finish(String requestId, Invocation inv, ResolvedEndpoint endpoint, Attempts attempts,
            long startedAt, long durationMs, long overheadMs, int status, Usage used, Optional<JsonNode> response,
            Optional<String> error) {
        double cost = used.total() > 0 ? costs.cost(attempts.model, used.inputTokens(), used.outputTokens()) : 0;
        GatewayEndpoint e = endpoint.endpoint();
        limits.charge(e, inv.user(), used.total());
        budgets.spent(e.endpointId(), inv.user(), cost);
        GatewayCall call = new GatewayCall(requestId, e, inv.operation(), inv.stream(), inv.user(),
                attempts.provider, attempts.model, startedAt, durationMs, overheadMs, status, used, cost,
                attempts.count, inv.body(), response, error);
        metrics.record(call);
        usage.record(call);
    }

    // ------------------------------------------------------------------ streamed

    /**
     * Streams the answer to {@code sink}. Falls back to the next model only until the first event is sent; a
     * failure after that ends the stream with an error event.
     */
    public void stream(Invocation inv, EventSink sink) throws IOException {
        long started = System.nanoTime();
        long startedAt = clock.millis();
        String requestId = requestId();
        ResolvedEndpoint endpoint = admit(inv);
        Attempts attempts = new Attempts();
        Opened opened;
        try {
            opened = route(inv, endpoint, attempts, (adapter, target, request) -> {
                UpstreamClient.Response response;
                try {
                    response = http.post(request, timeout(endpoint.endpoint()));
                } catch (IOException | RuntimeException e) {
                    throw failure(target, e);
                }
                if (response.status() / 100 != 2) {
                    byte[] body;
                    try (response; InputStream in = response.body()) {
                        body = in.readNBytes(64 * 1024);
                    } catch (IOException e) {
                        body = new byte[0];
                    }
                    throw upstreamError(adapter, target, response.status(), body);
                }
                return new Opened(adapter, target, response);
            });
        } catch (GatewayException e) {
            long durationMs = (System.nanoTime() - started) / 1_000_000;
            finish(requestId, inv, endpoint, attempts, startedAt, durationMs, durationMs, e.status(), Usage.NONE,
                    Optional.empty(), Optional.of(e.getMessage()));
            throw e;
        }
        sink.open();
        long overheadMs = (System.nanoTime() - started) / 1_000_000;
        StreamTranslator translator = inv.passthrough().isPresent() ? Passthroughs.stream()
                : opened.adapter().stream(inv.operation(), opened.target(), clientAskedForUsage(inv.body()));
        StringBuilder text = new StringBuilder();
        int status = 200;
        Optional<String> error = Optional.empty();
        try (UpstreamClient.Response upstreamResponse = opened.response()) {
            if (opened.adapter().binaryEventStream() && inv.passthrough().isEmpty()) {
                readEventStream(inv, sink, translator, upstreamResponse.body(), text);
            } else {
                readSse(inv, sink, translator, upstreamResponse.body(), text);
            }
            for (String chunk : translator.finish()) {
                collectText(chunk, text);
                sink.send("", chunk);
            }
            if (inv.passthrough().isEmpty()) {
                sink.send("", "[DONE]");
            }
        } catch (ProviderException e) {
            status = 502;
            String message = scrub(e, opened.target()).getMessage();
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
            finish(requestId, inv, endpoint, attempts, startedAt, durationMs, overheadMs, status,
                    translator.usage(), Optional.of(response), error);
        }
    }

    /** Server-sent events: {@code event:} and {@code data:} lines, a blank line ends an event. */
    private static void readSse(Invocation inv, EventSink sink, StreamTranslator translator, InputStream body,
            StringBuilder text) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        String event = "";
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    emit(inv, sink, translator, event, data.toString(), text);
                }
                event = "";
                data.setLength(0);
            } else if (line.startsWith("data:")) {
                if (!data.isEmpty()) {
                    data.append('\n');
                }
                data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            }
        }
        if (!data.isEmpty()) {
            emit(inv, sink, translator, event, data.toString(), text);
        }
    }

    /** AWS's binary event stream (Bedrock): one translated event per message; exceptions end the stream. */
    private static void readEventStream(Invocation inv, EventSink sink, StreamTranslator translator,
            InputStream body, StringBuilder text) throws IOException {
        InputStream in = new java.io.BufferedInputStream(body, 16 * 1024);
        for (AwsEventStream.Message m = AwsEventStream.read(in); m != null; m = AwsEventStream.read(in)) {
            String payload = new String(m.payload(), StandardCharsets.UTF_8);
            if (!m.header(":message-type").equals("event")) {
                throw new ProviderException(502, "Bedrock stream error (" + m.header(":exception-type") + "): "
                        + payload, false);
            }
            emit(inv, sink, translator, m.header(":event-type"), payload, text);
        }
    }

    private static void emit(Invocation inv, EventSink sink, StreamTranslator translator, String event, String data,
            StringBuilder text) throws IOException {
        if (inv.passthrough().isPresent()) {
            translator.onEvent(event, data);
            sink.send(event, data);
            return;
        }
        for (String chunk : translator.onEvent(event, data)) {
            collectText(chunk, text);
            sink.send("", chunk);
        }
    }

    /** Keeps the streamed text for the trace; cheap string search, no parse, for the common content delta. */
    private static void collectText(String chunk, StringBuilder text) {
        int at = chunk.indexOf("\"content\":\"");
        if (at < 0 || text.length() > 100_000) {
            return;
        }
        int start = at + 11;
        StringBuilder piece = new StringBuilder();
        for (int i = start; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (c == '\\' && i + 1 < chunk.length()) {
                char n = chunk.charAt(++i);
                switch (n) {
                    case 'n' -> piece.append('\n');
                    case 't' -> piece.append('\t');
                    case 'u' -> {
                        if (i + 4 < chunk.length()) {
                            piece.append((char) Integer.parseInt(chunk.substring(i + 1, i + 5), 16));
                            i += 4;
                        }
                    }
                    default -> piece.append(n);
                }
            } else if (c == '"') {
                text.append(piece);
                return;
            } else {
                piece.append(c);
            }
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
