package dev.osprey.store;

import dev.osprey.core.RunStatus;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** The fields of UpdateRun; empty ones are left as they are. */
public record RunUpdate(Optional<RunStatus> status, OptionalLong endTime, Optional<String> runName) {
    public RunUpdate {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(endTime, "endTime");
        Objects.requireNonNull(runName, "runName");
    }
}
