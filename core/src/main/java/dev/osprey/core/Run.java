package dev.osprey.core;

import java.util.List;
import java.util.Objects;

/**
 * A run as clients see it: info, the latest value of each metric, params, tags, inputs and outputs.
 */
public record Run(
        RunInfo info,
        List<Metric> metrics,
        List<Param> params,
        List<Tag> tags,
        List<DatasetInput> datasetInputs,
        List<ModelInput> modelInputs,
        List<ModelOutput> modelOutputs) {
    public static final String RUN_NAME_TAG = "mlflow.runName";
    public static final String USER_TAG = "mlflow.user";

    public Run {
        Objects.requireNonNull(info, "info");
        metrics = List.copyOf(metrics);
        params = List.copyOf(params);
        tags = List.copyOf(tags);
        datasetInputs = List.copyOf(datasetInputs);
        modelInputs = List.copyOf(modelInputs);
        modelOutputs = List.copyOf(modelOutputs);
    }
}
