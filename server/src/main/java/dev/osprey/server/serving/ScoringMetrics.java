package dev.osprey.server.serving;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Request counts by status and a latency histogram, in Prometheus' text format. */
final class ScoringMetrics {
    /** Upper bounds in seconds of the latency buckets. */
    private static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10};
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final AtomicLong totalNanos = new AtomicLong();

    ScoringMetrics() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void record(int status, long nanos) {
        byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
        totalNanos.addAndGet(nanos);
    }

    String prometheus(String flavor) {
        StringBuilder out = new StringBuilder();
        out.append("# HELP osprey_scoring_requests_total Scoring requests by HTTP status.\n")
                .append("# TYPE osprey_scoring_requests_total counter\n");
        new TreeMap<>(byStatus).forEach((status, n) -> out.append("osprey_scoring_requests_total{flavor=\"")
                .append(flavor).append("\",status=\"").append(status).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP osprey_scoring_request_seconds Time from request to answer.\n")
                .append("# TYPE osprey_scoring_request_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < buckets.length; i++) {
            cumulative += buckets[i].sum();
            out.append("osprey_scoring_request_seconds_bucket{le=\"")
                    .append(i < BOUNDS.length ? Double.toString(BOUNDS[i]) : "+Inf").append("\"} ").append(cumulative)
                    .append('\n');
        }
        out.append("osprey_scoring_request_seconds_sum ").append(totalNanos.get() / 1e9).append('\n')
                .append("osprey_scoring_request_seconds_count ").append(cumulative).append('\n');
        return out.toString();
    }
}
