package dev.osprey.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An MLflow 3 logged model: its info (identity, location, status, tags, registry versions made from it) and data
 * (params, and every metric point logged with its id).
 */
public record LoggedModel(
        String modelId,
        String experimentId,
        String name,
        long creationTimestamp,
        long lastUpdatedTimestamp,
        String artifactUri,
        LoggedModelStatus status,
        Optional<String> statusMessage,
        Optional<String> modelType,
        Optional<String> sourceRunId,
        List<Tag> tags,
        List<Registration> registrations,
        List<Param> params,
        List<Metric> metrics) {

    /** A registry version created from this model. */
    public record Registration(String name, String version) {}

    public LoggedModel {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(artifactUri, "artifactUri");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(statusMessage, "statusMessage");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(sourceRunId, "sourceRunId");
        tags = List.copyOf(tags);
        registrations = List.copyOf(registrations);
        params = List.copyOf(params);
        metrics = List.copyOf(metrics);
    }
}
