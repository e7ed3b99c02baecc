package dev.osprey.store;

import dev.osprey.core.Tag;
import java.util.List;
import java.util.Objects;

/** What a run is created with; the service has resolved its name, user and tags already. */
public record NewRun(String runId, String experimentId, String userId, String runName, long startTime,
        List<Tag> tags) {
    public NewRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(runName, "runName");
        tags = List.copyOf(tags);
    }
}
