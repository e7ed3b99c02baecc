package dev.osprey.core;

import java.util.Objects;
import java.util.Optional;

/**
 * A feedback or expectation on a trace (spec/tracing.md §6). {@code body} is the assessment's JSON without the
 * fields the store manages (id, trace id, times, overrides, valid).
 */
public record Assessment(String assessmentId, String traceId, Optional<String> overrides, boolean valid,
        long createTimeMs, long lastUpdateTimeMs, String body) {
    public Assessment {
        Objects.requireNonNull(assessmentId, "assessmentId");
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(body, "body");
    }
}
