package dev.osprey.gateway;

import dev.osprey.gateway.GatewayConfigService.ResolvedEndpoint;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.routing.RateLimiter;
import dev.osprey.gateway.usage.GatewayMetrics;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The door of every invocation: the endpoint must exist, its rate limits and budgets must allow the call; after the
 * call, what it used is charged to the same limits.
 */
final class Admission {
    private final GatewayConfigService config;
    private final RateLimiter limits = new RateLimiter();
    private final Budgets budgets;
    private final GatewayMetrics metrics;

    Admission(GatewayConfigService config, Budgets budgets, GatewayMetrics metrics) {
        this.config = config;
        this.budgets = budgets;
        this.metrics = metrics;
    }

    /** The endpoint to serve {@code inv}; 404 when it does not exist, 429 when a limit or budget refuses. */
    ResolvedEndpoint admit(Invocation inv) {
        ResolvedEndpoint endpoint = config.endpoint(inv.workspace(), inv.endpointName()).orElseThrow(() ->
                new GatewayException(404,
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

    /** Charges the tokens to the token limits and the cost to the budgets. */
    void settle(GatewayEndpoint endpoint, String user, long tokens, double cost) {
        limits.charge(endpoint, user, tokens);
        budgets.spent(endpoint, user, cost);
    }
}
