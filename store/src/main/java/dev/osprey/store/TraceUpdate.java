package dev.osprey.store;

import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a trace's info changes when spans or a client's trace info arrive. A {@link TraceStore} computes nothing about
 * traces itself: inside the write's transaction it shows a {@link Snapshot} to a {@link Rules} function (MLflow's
 * trace rules live in the ingest service) and applies the {@link Changes} that function returns.
 */
public final class TraceUpdate {
    private TraceUpdate() {}

    /** What the rules decide from; called once per write, inside its transaction, with the trace locked. */
    @FunctionalInterface
    public interface Rules {
        Changes apply(Snapshot snapshot);
    }

    /**
     * The trace as stored inside the write, with this write's spans already in place.
     *
     * @param info the trace info; for a trace this write created, IN_PROGRESS with the write's time as request time
     * @param created whether this write created the trace
     * @param experimentArtifactLocation the experiment's artifact location (traces keep their data under it)
     * @param totals sums over every stored span of the trace
     */
    public record Snapshot(TraceInfo info, boolean created, String experimentArtifactLocation, SpanTotals totals) {
        public Snapshot {
            Objects.requireNonNull(info, "info");
            Objects.requireNonNull(experimentArtifactLocation, "experimentArtifactLocation");
            Objects.requireNonNull(totals, "totals");
        }
    }

    /**
     * Token and cost sums over a trace's stored spans; the counts say how many spans reported any.
     */
    public record SpanTotals(long spansWithTokens, long inputTokens, long outputTokens, long totalTokens,
            long spansWithCost, double inputCost, double outputCost, double totalCost) {
        public static final SpanTotals NONE = new SpanTotals(0, 0, 0, 0, 0, 0, 0, 0);

        /** The sums over these spans. */
        public static SpanTotals of(Iterable<dev.osprey.core.SpanRecord> spans) {
            long withTokens = 0;
            long in = 0;
            long out = 0;
            long total = 0;
            long withCost = 0;
            double inCost = 0;
            double outCost = 0;
            double totalCost = 0;
            for (dev.osprey.core.SpanRecord s : spans) {
                if (s.tokens().isPresent()) {
                    withTokens++;
                    in += s.tokens().get().input();
                    out += s.tokens().get().output();
                    total += s.tokens().get().total();
                }
                if (s.cost().isPresent()) {
                    withCost++;
                    inCost += s.cost().get().input();
                    outCost += s.cost().get().output();
                    totalCost += s.cost().get().total();
                }
            }
            return new SpanTotals(withTokens, in, out, total, withCost, inCost, outCost, totalCost);
        }
    }

    /**
     * Changes to apply; empty fields leave the stored value, map entries are upserted.
     */
    public record Changes(Optional<Long> requestTimeMs, Optional<String> clientRequestId, Optional<TraceState> state,
            OptionalLong executionDurationMs, Optional<String> requestPreview, Optional<String> responsePreview,
            Map<String, String> tags, Map<String, String> metadata) {
        public static final Changes NONE = new Changes(Optional.empty(), Optional.empty(), Optional.empty(),
                OptionalLong.empty(), Optional.empty(), Optional.empty(), Map.of(), Map.of());

        public Changes {
            Objects.requireNonNull(requestTimeMs, "requestTimeMs");
            Objects.requireNonNull(clientRequestId, "clientRequestId");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(executionDurationMs, "executionDurationMs");
            Objects.requireNonNull(requestPreview, "requestPreview");
            Objects.requireNonNull(responsePreview, "responsePreview");
            tags = Map.copyOf(tags);
            metadata = Map.copyOf(metadata);
        }
    }
}
