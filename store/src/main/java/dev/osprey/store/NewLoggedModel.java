package dev.osprey.store;

import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A logged model to create; the caller has chosen its id and name. */
public record NewLoggedModel(String modelId, String experimentId, String name, Optional<String> modelType,
        Optional<String> sourceRunId, List<Param> params, List<Tag> tags, long now) {
    public NewLoggedModel {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(sourceRunId, "sourceRunId");
        params = List.copyOf(params);
        tags = List.copyOf(tags);
    }
}
