package dev.osprey.core;

import java.util.List;
import java.util.Objects;

/** A dataset used by a run, with the input's tags (commonly {@code mlflow.data.context}). */
public record DatasetInput(List<Tag> tags, Dataset dataset) {
    public static final String CONTEXT_TAG = "mlflow.data.context";

    public DatasetInput {
        tags = List.copyOf(tags);
        Objects.requireNonNull(dataset, "dataset");
    }
}
