package dev.osprey.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * MLflow's TraceInfoV3 (spec/tracing.md §1.2): identity, experiment, timing, state, previews, metadata and tags.
 *
 * @param traceId {@code tr-<32 hex>}
 * @param requestTimeMs start of the trace, epoch millis
 */
public record TraceInfo(
        String traceId,
        String experimentId,
        Optional<String> clientRequestId,
        long requestTimeMs,
        OptionalLong executionDurationMs,
        TraceState state,
        Optional<String> requestPreview,
        Optional<String> responsePreview,
        Map<String, String> metadata,
        Map<String, String> tags) {

    public TraceInfo {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(clientRequestId, "clientRequestId");
        Objects.requireNonNull(executionDurationMs, "executionDurationMs");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(requestPreview, "requestPreview");
        Objects.requireNonNull(responsePreview, "responsePreview");
        metadata = Map.copyOf(metadata);
        tags = Map.copyOf(tags);
    }
}
