package dev.osprey.core;

import java.util.Objects;
import java.util.Optional;

/**
 * One metric point. NaN values are kept as NaN; ±Infinity are clamped to ±{@link Double#MAX_VALUE} on the way in,
 * as MLflow's SQL store does. The optional fields link the point to a dataset and a logged model (MLflow 3), and
 * {@code runId} is set where a response mixes runs (bulk history).
 */
public record Metric(
        String key,
        double value,
        long timestamp,
        long step,
        Optional<String> datasetName,
        Optional<String> datasetDigest,
        Optional<String> modelId,
        Optional<String> runId) {
    public Metric {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(datasetName, "datasetName");
        Objects.requireNonNull(datasetDigest, "datasetDigest");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(runId, "runId");
    }

    public static Metric of(String key, double value, long timestamp, long step) {
        return new Metric(key, value, timestamp, step, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    public Metric withRunId(String id) {
        return new Metric(key, value, timestamp, step, datasetName, datasetDigest, modelId, Optional.of(id));
    }
}
