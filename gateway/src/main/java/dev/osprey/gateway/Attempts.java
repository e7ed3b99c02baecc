package dev.osprey.gateway;

import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.gateway.GatewayConfigService.ResolvedModel;
import dev.osprey.gateway.provider.CompletionsAsChat;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.provider.Passthroughs;
import dev.osprey.gateway.provider.ProviderAdapter;
import dev.osprey.gateway.provider.ProviderException;
import dev.osprey.gateway.provider.Target;
import dev.osprey.gateway.provider.UpstreamRequest;
import dev.osprey.gateway.routing.CircuitBreaker;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs a route plan: each model in turn, skipping providers whose circuit is open, retrying a model up to the
 * endpoint's {@code retries} with jittered back-off, and moving on after rate limits, server errors, timeouts and
 * refused connections. A failure the caller caused (4xx other than 429) ends the invocation at once.
 */
final class Attempts {
    private final UrlGuard guard;
    private final Clock clock;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    Attempts(UrlGuard guard, Clock clock) {
        this.guard = guard;
        this.clock = clock;
    }

    /** One attempt against one target; throws {@link ProviderException} when it failed. */
    @FunctionalInterface
    interface Call<T> {
        T attempt(ProviderAdapter adapter, Target target, UpstreamRequest request);
    }

    /** Which provider and model the last attempt went to, and how many attempts there were. */
    static final class Log {
        int count;
        String provider = "";
        String model = "";
    }

    /** The first successful attempt's result, or a {@link GatewayException} with the last failure. */
    <T> T run(Invocation inv, ResolvedEndpoint endpoint, List<ResolvedModel> plan, Log log, Call<T> call) {
        int retries = endpoint.endpoint().limits().retries();
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
            for (int retry = 0; retry <= retries; retry++) {
                log.count++;
                log.provider = target.provider();
                log.model = target.modelName();
                try {
                    T result = call.attempt(adapter, target, request(inv, adapter, target));
                    breaker.success();
                    return result;
                } catch (ProviderException e) {
                    last = ProviderFailures.scrubbed(e, target);
                    if (!e.retryable()) {
                        throw new GatewayException(e.status(), last.getMessage());
                    }
                    breaker.failure();
                    if (retry < retries) {
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

    /** The provider's request for {@code inv}; its URL passes the guard before anything is sent. */
    private UpstreamRequest request(Invocation inv, ProviderAdapter adapter, Target target) {
        UpstreamRequest request = inv.passthrough().isPresent()
                ? Passthroughs.request(inv.passthrough().get(), inv.body(), target, inv.stream())
                : CompletionsAsChat.needed(adapter, inv.operation())
                        ? adapter.request(Operation.CHAT, CompletionsAsChat.chatRequest(inv.body()), target, false)
                        : adapter.request(inv.operation(), inv.body(), target, inv.stream());
        guard.check(request.uri().toString());
        return request;
    }

    private CircuitBreaker breaker(Target t) {
        String key = t.provider() + "|" + t.setting("api_base").orElse("") + "|" + t.modelName();
        return breakers.computeIfAbsent(key, k -> new CircuitBreaker(5, 30_000, clock::millis));
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
}
