package dev.osprey.gateway.routing;

import dev.osprey.gateway.config.GatewayEndpoint;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests and tokens per minute, per endpoint and per caller of an endpoint, as token buckets (bucket4j) in this
 * process. A request takes one request token up front; tokens are charged after the call when the provider has
 * reported them, so a caller over the token budget is refused from its next call on until the bucket refills.
 */
public final class RateLimiter {
    private static final int MAX_BUCKETS = 100_000;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** A refusal: which limit, and after how many seconds a retry can succeed. */
    public record Refusal(String limit, long retryAfterSeconds) {}

    /**
     * Admits a call or says which limit refuses it. Token budgets are only looked at (tokens are charged after the
     * call); then one request is taken from the endpoint's and the caller's request buckets. A refused call takes
     * nothing from any bucket.
     */
    public Optional<Refusal> acquire(GatewayEndpoint endpoint, String user) {
        GatewayEndpoint.Limits l = endpoint.limits();
        if (l.requestsPerMinute() == 0 && l.tokensPerMinute() == 0 && l.userRequestsPerMinute() == 0
                && l.userTokensPerMinute() == 0) {
            // No limit: skip building bucket keys on every call.
            return Optional.empty();
        }
        Optional<Refusal> tokens = exhausted(key(endpoint, "tpm", l.tokensPerMinute()), l.tokensPerMinute(),
                "tokens per minute for endpoint '" + endpoint.name() + "'")
                .or(() -> exhausted(key(endpoint, "utpm:" + user, l.userTokensPerMinute()),
                        l.userTokensPerMinute(), "tokens per minute per user for endpoint '" + endpoint.name() + "'"));
        if (tokens.isPresent()) {
            return tokens;
        }
        String endpointKey = key(endpoint, "rpm", l.requestsPerMinute());
        Optional<Refusal> refusal = take(endpointKey, l.requestsPerMinute(),
                "requests per minute for endpoint '" + endpoint.name() + "'");
        if (refusal.isPresent()) {
            return refusal;
        }
        refusal = take(key(endpoint, "urpm:" + user, l.userRequestsPerMinute()), l.userRequestsPerMinute(),
                "requests per minute per user for endpoint '" + endpoint.name() + "'");
        if (refusal.isPresent() && l.requestsPerMinute() > 0) {
            bucket(endpointKey, l.requestsPerMinute()).addTokens(1);
        }
        return refusal;
    }

    /** Charges the tokens a call used to the endpoint's and the caller's token buckets. */
    public void charge(GatewayEndpoint endpoint, String user, long tokens) {
        GatewayEndpoint.Limits l = endpoint.limits();
        if (tokens <= 0) {
            return;
        }
        if (l.tokensPerMinute() > 0) {
            bucket(key(endpoint, "tpm", l.tokensPerMinute()), l.tokensPerMinute()).consumeIgnoringRateLimits(tokens);
        }
        if (l.userTokensPerMinute() > 0) {
            bucket(key(endpoint, "utpm:" + user, l.userTokensPerMinute()), l.userTokensPerMinute())
                    .consumeIgnoringRateLimits(tokens);
        }
    }

    // The limit is part of the key, so changing an endpoint's limit starts a fresh bucket.
    private static String key(GatewayEndpoint endpoint, String kind, long limit) {
        return endpoint.endpointId() + "|" + kind + "|" + limit;
    }

    private Optional<Refusal> take(String key, long perMinute, String limit) {
        if (perMinute <= 0) {
            return Optional.empty();
        }
        ConsumptionProbe probe = bucket(key, perMinute).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty()
                : Optional.of(new Refusal(limit, seconds(probe.getNanosToWaitForRefill())));
    }

    private Optional<Refusal> exhausted(String key, long perMinute, String limit) {
        if (perMinute <= 0) {
            return Optional.empty();
        }
        Bucket bucket = bucket(key, perMinute);
        if (bucket.getAvailableTokens() > 0) {
            return Optional.empty();
        }
        long wait = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return Optional.of(new Refusal(limit, seconds(wait)));
    }

    private static long seconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private Bucket bucket(String key, long perMinute) {
        if (buckets.size() > MAX_BUCKETS) {
            // Callers are unbounded; forgetting idle buckets only ever grants a full bucket again.
            buckets.clear();
        }
        return buckets.computeIfAbsent(key, k -> Bucket.builder().addLimit(Bandwidth.builder().capacity(perMinute)
                .refillGreedy(perMinute, Duration.ofMinutes(1)).build()).build());
    }
}
