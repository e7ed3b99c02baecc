package dev.osprey.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered model version as clients see it. {@code storageLocation} is where its files live (what
 * get-download-uri answers); {@code source} is what the client registered.
 */
public record ModelVersion(
        String name,
        String version,
        long creationTimestamp,
        long lastUpdatedTimestamp,
        Optional<String> description,
        String userId,
        ModelStage currentStage,
        String source,
        String runId,
        String runLink,
        String status,
        List<Tag> tags,
        List<String> aliases,
        Optional<String> modelId,
        String storageLocation) {
    public static final String READY = "READY";

    public ModelVersion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(currentStage, "currentStage");
        Objects.requireNonNull(modelId, "modelId");
        userId = userId == null ? "" : userId;
        source = source == null ? "" : source;
        runId = runId == null ? "" : runId;
        runLink = runLink == null ? "" : runLink;
        status = status == null ? READY : status;
        storageLocation = storageLocation == null ? "" : storageLocation;
        tags = List.copyOf(tags);
        aliases = List.copyOf(aliases);
    }
}
