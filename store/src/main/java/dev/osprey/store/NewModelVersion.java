package dev.osprey.store;

import dev.osprey.core.Tag;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A model version to create; the store allocates its number. */
public record NewModelVersion(
        String name,
        String source,
        String runId,
        List<Tag> tags,
        String runLink,
        Optional<String> description,
        Optional<String> modelId,
        String storageLocation,
        long now) {
    public NewModelVersion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        runId = runId == null ? "" : runId;
        runLink = runLink == null ? "" : runLink;
        tags = List.copyOf(tags);
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(storageLocation, "storageLocation");
    }
}
