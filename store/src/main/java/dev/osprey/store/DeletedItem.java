package dev.osprey.store;

import java.util.Objects;

/**
 * A run or experiment in the {@code deleted} stage, as garbage collection sees it.
 *
 * @param id the run or experiment id
 * @param artifactLocation the run's artifact URI or the experiment's artifact location
 * @param deletedAt when it was deleted (an experiment's last update), epoch millis
 */
public record DeletedItem(String id, String experimentId, String artifactLocation, long deletedAt) {
    public DeletedItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(artifactLocation, "artifactLocation");
    }
}
