package dev.osprey.store;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/** Sampled metric history over several runs (the UI charts): see spec/tracking.md §5.6. */
public record BulkIntervalQuery(List<String> runIds, String metricKey, OptionalLong startStep, OptionalLong endStep,
        int maxResults) {
    public BulkIntervalQuery {
        runIds = List.copyOf(runIds);
        Objects.requireNonNull(metricKey, "metricKey");
        Objects.requireNonNull(startStep, "startStep");
        Objects.requireNonNull(endStep, "endStep");
    }
}
