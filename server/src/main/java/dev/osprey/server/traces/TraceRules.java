package dev.osprey.server.traces;

import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.store.TraceUpdate;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * MLflow's trace rules (spec/tracing.md §2.1, §3.1) as functions of what is stored, for {@link TraceUpdate}: the
 * store runs them inside the write and applies what they return, so every backend gets the same rules and none has
 * them in its SQL. Pure functions: tested without a database.
 */
public final class TraceRules {
    static final String ARTIFACT_LOCATION = "mlflow.artifactLocation";
    static final String SPANS_LOCATION = "mlflow.trace.spansLocation";
    static final String TRACE_NAME = "mlflow.traceName";
    static final String TOKEN_USAGE = "mlflow.trace.tokenUsage";
    static final String COST = "mlflow.trace.cost";
    static final String FINALIZED = "mlflow.trace.infoFinalized";

    private TraceRules() {}

    /**
     * Fields of the trace info its root span gives, beyond what the stored span row holds.
     *
     * @param metadataIfAbsent session and user ({@code mlflow.trace.session}, {@code mlflow.trace.user}) and the
     *     server's own metadata (gateway, evaluation)
     * @param tagsIfAbsent tags the root carried as {@code mlflow.traceTag.*}
     */
    public record Root(Optional<String> requestPreview, Optional<String> responsePreview,
            Map<String, String> metadataIfAbsent, Map<String, String> tagsIfAbsent) {
        public static final Root NONE = new Root(Optional.empty(), Optional.empty(), Map.of(), Map.of());
    }

    /**
     * Spans arrived. The trace starts at its earliest span; its root span decides state, start, duration, previews
     * and name unless a client's trace info finalized them; session, user and tags the root carries are added when
     * absent; token usage and cost are the sums over all stored spans (not once finalized); the spans are in the
     * tracking store.
     */
    public static TraceUpdate.Rules forSpans(List<SpanRecord> spans, Root root) {
        long earliestMs = spans.stream().mapToLong(SpanRecord::startTimeNs).min().orElse(0) / 1_000_000;
        Optional<SpanRecord> rootSpan = spans.stream().filter(SpanRecord::isRoot).findFirst();
        return s -> {
            TraceInfo info = s.info();
            boolean finalized = info.metadata().containsKey(FINALIZED);
            Map<String, String> tags = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            if (s.created()) {
                tags.put(ARTIFACT_LOCATION, artifactLocation(s));
            }
            Optional<Long> requestTime = s.created() || info.requestTimeMs() > earliestMs ? Optional.of(earliestMs)
                    : Optional.empty();
            Optional<TraceState> state = Optional.empty();
            OptionalLong duration = OptionalLong.empty();
            Optional<String> requestPreview = Optional.empty();
            Optional<String> responsePreview = Optional.empty();
            if (rootSpan.isPresent()) {
                SpanRecord r = rootSpan.get();
                if (!finalized) {
                    state = Optional.of(r.statusCode().equals("ERROR") ? TraceState.ERROR : TraceState.OK);
                    requestTime = Optional.of(r.startTimeNs() / 1_000_000);
                    if (r.endTimeNs().isPresent()) {
                        duration = OptionalLong.of((r.endTimeNs().getAsLong() - r.startTimeNs()) / 1_000_000);
                    }
                    requestPreview = root.requestPreview();
                    responsePreview = root.responsePreview();
                    putIfAbsent(tags, info.tags(), TRACE_NAME, r.name());
                }
                root.metadataIfAbsent().forEach((k, v) -> putIfAbsent(metadata, info.metadata(), k, v));
                root.tagsIfAbsent().forEach((k, v) -> putIfAbsent(tags, info.tags(), k, v));
            }
            tags.put(SPANS_LOCATION, "TRACKING_STORE");
            if (!finalized) {
                metadata.putAll(rollUps(s.totals()));
            }
            return new TraceUpdate.Changes(requestTime, Optional.empty(), state, duration, requestPreview,
                    responsePreview, tags, metadata);
        };
    }

    /**
     * A client's trace info (StartTraceV3, the 2.x StartTrace and EndTrace): it wins over what spans set, is merged
     * into metadata and tags, and a finished state finalizes the info so later spans no longer change it.
     */
    public static TraceUpdate.Rules forClientInfo(TraceInfo in) {
        return s -> {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.putAll(in.tags());
            // The server's, whatever the client sends: GetTrace reads an uploaded traces.json from there, so a
            // client's value could point it at another experiment's (or workspace's) files.
            tags.remove(ARTIFACT_LOCATION);
            if (s.created()) {
                tags.put(ARTIFACT_LOCATION, artifactLocation(s));
            }
            Map<String, String> metadata = new LinkedHashMap<>(in.metadata());
            if (in.state() != TraceState.IN_PROGRESS && in.state() != TraceState.STATE_UNSPECIFIED) {
                metadata.put(FINALIZED, "true");
            }
            return new TraceUpdate.Changes(Optional.of(in.requestTimeMs()), in.clientRequestId(),
                    Optional.of(in.state()), in.executionDurationMs(), in.requestPreview(), in.responsePreview(),
                    tags, metadata);
        };
    }

    /** Tags only the server sets: clients may read them, never set them. */
    public static boolean serverOwned(String tagKey) {
        return tagKey.equals(ARTIFACT_LOCATION);
    }

    /** Where a trace keeps its data: under its experiment's artifact location (clients upload traces.json there). */
    private static String artifactLocation(TraceUpdate.Snapshot s) {
        return s.experimentArtifactLocation().replaceAll("/+$", "") + "/traces/" + s.info().traceId() + "/artifacts";
    }

    private static void putIfAbsent(Map<String, String> changes, Map<String, String> stored, String key,
            String value) {
        if (!stored.containsKey(key)) {
            changes.putIfAbsent(key, value);
        }
    }

    /** {@code mlflow.trace.tokenUsage} and {@code mlflow.trace.cost} in MLflow's JSON (Python's separators). */
    static Map<String, String> rollUps(TraceUpdate.SpanTotals t) {
        Map<String, String> out = new LinkedHashMap<>();
        if (t.spansWithTokens() > 0) {
            out.put(TOKEN_USAGE, "{\"input_tokens\": " + t.inputTokens() + ", \"output_tokens\": " + t.outputTokens()
                    + ", \"total_tokens\": " + t.totalTokens() + "}");
        }
        if (t.spansWithCost() > 0) {
            out.put(COST, "{\"input_cost\": " + usd(t.inputCost()) + ", \"output_cost\": " + usd(t.outputCost())
                    + ", \"total_cost\": " + usd(t.totalCost()) + "}");
        }
        return out;
    }

    /** A USD amount without binary-floating noise (sums of per-span costs drift in the last digits). */
    private static String usd(double amount) {
        return BigDecimal.valueOf(amount).setScale(10, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
