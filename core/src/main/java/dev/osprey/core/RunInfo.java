package dev.osprey.core;

import java.util.Objects;
import java.util.OptionalLong;

/** Run metadata. {@code endTime} is empty while the run has not ended. */
public record RunInfo(
        String runId,
        String runName,
        String experimentId,
        String userId,
        RunStatus status,
        long startTime,
        OptionalLong endTime,
        String artifactUri,
        LifecycleStage lifecycleStage) {
    public RunInfo {
        Objects.requireNonNull(runId, "runId");
        runName = runName == null ? "" : runName;
        Objects.requireNonNull(experimentId, "experimentId");
        userId = userId == null ? "" : userId;
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(endTime, "endTime");
        artifactUri = artifactUri == null ? "" : artifactUri;
        Objects.requireNonNull(lifecycleStage, "lifecycleStage");
    }
}
