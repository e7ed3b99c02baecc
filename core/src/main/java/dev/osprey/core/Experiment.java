package dev.osprey.core;

import java.util.List;
import java.util.Objects;

/** An experiment with its tags. Ids are decimal strings of an integer sequence; "0" is the default experiment. */
public record Experiment(
        String experimentId,
        String name,
        String artifactLocation,
        LifecycleStage lifecycleStage,
        long creationTime,
        long lastUpdateTime,
        List<Tag> tags) {
    public static final String DEFAULT_ID = "0";
    public static final String DEFAULT_NAME = "Default";

    public Experiment {
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(name, "name");
        artifactLocation = artifactLocation == null ? "" : artifactLocation;
        Objects.requireNonNull(lifecycleStage, "lifecycleStage");
        tags = List.copyOf(tags);
    }
}
