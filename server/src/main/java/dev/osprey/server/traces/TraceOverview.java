package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The numbers behind an experiment's overview page: per time bucket, trace count, errors, latency percentiles,
 * tokens, cost and the pass rate of every scorer whose feedback is yes/no-like. Fed one trace at a time so a scan
 * of many pages never holds more than the durations.
 */
final class TraceOverview {
    private final long startMs;
    private final long bucketMs;
    private final Bucket[] buckets;
    private final Bucket total = new Bucket();

    TraceOverview(long startMs, long endMs, int bucketCount) {
        this.startMs = startMs;
        this.bucketMs = Math.max(1, (endMs - startMs + bucketCount - 1) / bucketCount);
        this.buckets = new Bucket[bucketCount];
        Arrays.setAll(buckets, i -> new Bucket());
    }

    void add(TraceInfo trace, List<Assessment> assessments) {
        int index = (int) Math.min(buckets.length - 1, Math.max(0, (trace.requestTimeMs() - startMs) / bucketMs));
        for (Bucket b : new Bucket[] {buckets[index], total}) {
            b.add(trace, assessments);
        }
    }

    ObjectNode json() {
        ObjectNode out = Json.object();
        out.put("bucket_ms", bucketMs);
        out.set("total", total.json(startMs));
        ArrayNode array = out.putArray("buckets");
        for (int i = 0; i < buckets.length; i++) {
            array.add(buckets[i].json(startMs + i * bucketMs));
        }
        return out;
    }

    private static final class Bucket {
        long traces;
        long errors;
        long inputTokens;
        long outputTokens;
        double cost;
        long[] durations = new long[16];
        int durationCount;
        final Map<String, long[]> scorers = new TreeMap<>();

        void add(TraceInfo t, List<Assessment> assessments) {
            traces++;
            if (t.state() == TraceState.ERROR) {
                errors++;
            }
            t.executionDurationMs().ifPresent(ms -> {
                if (durationCount == durations.length) {
                    durations = Arrays.copyOf(durations, durations.length * 2);
                }
                durations[durationCount++] = ms;
            });
            JsonNode usage = parse(t.metadata().get("mlflow.trace.tokenUsage"));
            inputTokens += usage.path("input_tokens").asLong(0);
            outputTokens += usage.path("output_tokens").asLong(0);
            cost += parse(t.metadata().get("mlflow.trace.cost")).path("total_cost").asDouble(0);
            for (Assessment a : assessments) {
                if (!a.valid()) {
                    continue;
                }
                JsonNode body = parse(a.body());
                JsonNode value = body.path("feedback").path("value");
                passed(value).ifPresent(pass -> scorers.computeIfAbsent(body.path("assessment_name").asText("?"),
                        k -> new long[2])[pass ? 0 : 1]++);
            }
        }

        ObjectNode json(long bucketStart) {
            long[] sorted = Arrays.copyOf(durations, durationCount);
            Arrays.sort(sorted);
            ObjectNode node = Json.object().put("start_ms", bucketStart).put("traces", traces).put("errors", errors)
                    .put("error_rate", traces == 0 ? 0 : (double) errors / traces)
                    .put("input_tokens", inputTokens).put("output_tokens", outputTokens).put("cost", cost);
            ObjectNode latency = node.putObject("latency_ms");
            for (int p : new int[] {50, 90, 99}) {
                if (sorted.length > 0) {
                    latency.put("p" + p, percentile(sorted, p));
                }
            }
            ObjectNode passRates = node.putObject("scorers");
            scorers.forEach((name, counts) -> passRates.putObject(name).put("pass", counts[0]).put("fail", counts[1])
                    .put("pass_rate", (double) counts[0] / (counts[0] + counts[1])));
            return node;
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** yes/true/pass count as passed, no/false/fail as failed; anything else (numbers, text) is not a verdict. */
    static Optional<Boolean> passed(JsonNode value) {
        if (value.isBoolean()) {
            return Optional.of(value.asBoolean());
        }
        if (value.isTextual()) {
            return switch (value.asText().trim().toLowerCase(Locale.ROOT)) {
                case "yes", "true", "pass", "passed" -> Optional.of(true);
                case "no", "false", "fail", "failed" -> Optional.of(false);
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    private static JsonNode parse(String json) {
        if (json == null || json.isBlank()) {
            return Json.object();
        }
        try {
            return Json.read(json);
        } catch (IOException e) {
            return Json.object();
        }
    }

}
