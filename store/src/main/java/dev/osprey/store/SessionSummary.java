package dev.osprey.store;

import java.util.Objects;

/**
 * The traces of one session ({@code mlflow.trace.session} metadata) summed up.
 *
 * @param firstRequestMs start of the earliest trace
 * @param lastEndMs end of the latest trace (start + duration)
 * @param totalDurationMs the traces' execution durations added up
 */
public record SessionSummary(String sessionId, long traceCount, long firstRequestMs, long lastEndMs,
        long totalDurationMs, long inputTokens, long outputTokens, long totalTokens, double totalCost) {
    public SessionSummary {
        Objects.requireNonNull(sessionId, "sessionId");
    }
}
