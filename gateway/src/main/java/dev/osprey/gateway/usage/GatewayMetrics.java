package dev.osprey.gateway.usage;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters and a latency histogram per endpoint, provider and status, written in Prometheus' text exposition format
 * for {@code /metrics}. Updated inline (adders only), so scraping never blocks a call.
 */
public final class GatewayMetrics {
    private static final double[] BUCKETS_MS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};
    private final Map<Key, Series> series = new ConcurrentHashMap<>();

    /** One time series' labels, as a map key (no string building per call). */
    private record Key(String endpoint, String provider, int status) {
        String labels() {
            return "endpoint=\"" + escape(endpoint) + "\",provider=\"" + escape(provider) + "\",status=\"" + status
                    + "\"";
        }
    }
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    private static final class Series {
        final String labels;
        final LongAdder requests = new LongAdder();
        final LongAdder inputTokens = new LongAdder();
        final LongAdder outputTokens = new LongAdder();
        final DoubleAdder cost = new DoubleAdder();
        final LongAdder[] buckets = new LongAdder[BUCKETS_MS.length];
        final DoubleAdder latencySum = new DoubleAdder();

        Series(String labels) {
            this.labels = labels;
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    public void record(GatewayCall call) {
        Series s = series.computeIfAbsent(new Key(call.endpoint().name(), call.provider(), call.status()),
                k -> new Series(k.labels()));
        s.requests.increment();
        s.inputTokens.add(call.usage().inputTokens());
        s.outputTokens.add(call.usage().outputTokens());
        s.cost.add(call.cost());
        s.latencySum.add(call.latencyMs());
        for (int i = 0; i < BUCKETS_MS.length; i++) {
            if (call.latencyMs() <= BUCKETS_MS[i]) {
                s.buckets[i].increment();
            }
        }
        if (call.attempts() > 1) {
            fallbacks.increment();
        }
    }

    public void rateLimited() {
        rateLimited.increment();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** The exposition text. */
    public String prometheus(long usageDropped) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP osprey_gateway_requests_total Gateway invocations by endpoint, provider and status.\n");
        out.append("# TYPE osprey_gateway_requests_total counter\n");
        series.values().forEach(s -> line(out, "osprey_gateway_requests_total", s.labels, s.requests.sum()));
        out.append("# HELP osprey_gateway_tokens_total Tokens reported by providers.\n");
        out.append("# TYPE osprey_gateway_tokens_total counter\n");
        series.values().forEach(s -> {
            line(out, "osprey_gateway_tokens_total", s.labels + ",direction=\"input\"", s.inputTokens.sum());
            line(out, "osprey_gateway_tokens_total", s.labels + ",direction=\"output\"", s.outputTokens.sum());
        });
        out.append("# HELP osprey_gateway_cost_usd_total Cost of gateway calls in USD.\n");
        out.append("# TYPE osprey_gateway_cost_usd_total counter\n");
        series.values().forEach(s -> line(out, "osprey_gateway_cost_usd_total", s.labels, s.cost.sum()));
        out.append("# HELP osprey_gateway_latency_ms End-to-end latency of gateway calls in milliseconds.\n");
        out.append("# TYPE osprey_gateway_latency_ms histogram\n");
        series.values().forEach(s -> {
            for (int i = 0; i < BUCKETS_MS.length; i++) {
                line(out, "osprey_gateway_latency_ms_bucket", s.labels + ",le=\"" + fmt(BUCKETS_MS[i]) + "\"",
                        s.buckets[i].sum());
            }
            line(out, "osprey_gateway_latency_ms_bucket", s.labels + ",le=\"+Inf\"", s.requests.sum());
            line(out, "osprey_gateway_latency_ms_sum", s.labels, s.latencySum.sum());
            line(out, "osprey_gateway_latency_ms_count", s.labels, s.requests.sum());
        });
        out.append("# HELP osprey_gateway_rate_limited_total Invocations refused by a rate limit or budget.\n");
        out.append("# TYPE osprey_gateway_rate_limited_total counter\n");
        out.append("osprey_gateway_rate_limited_total ").append(rateLimited.sum()).append('\n');
        out.append("# HELP osprey_gateway_fallbacks_total Invocations answered after more than one attempt.\n");
        out.append("# TYPE osprey_gateway_fallbacks_total counter\n");
        out.append("osprey_gateway_fallbacks_total ").append(fallbacks.sum()).append('\n');
        out.append("# HELP osprey_gateway_usage_dropped_total Usage records dropped because the queue was full.\n");
        out.append("# TYPE osprey_gateway_usage_dropped_total counter\n");
        out.append("osprey_gateway_usage_dropped_total ").append(usageDropped).append('\n');
        return out.toString();
    }

    private static void line(StringBuilder out, String name, String labels, double value) {
        out.append(name).append('{').append(labels).append("} ").append(fmt(value)).append('\n');
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
