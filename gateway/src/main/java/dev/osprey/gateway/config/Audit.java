package dev.osprey.gateway.config;

import java.util.Objects;
import java.util.Optional;

/** Who made a configuration entity and when, and who changed it last. Times are epoch milliseconds. */
public record Audit(long createdAt, long updatedAt, Optional<String> createdBy, Optional<String> updatedBy) {
    public Audit {
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(updatedBy, "updatedBy");
    }

    public static Audit created(long now, Optional<String> by) {
        return new Audit(now, now, by, by);
    }

    public Audit updated(long now, Optional<String> by) {
        return new Audit(createdAt, now, createdBy, by.or(() -> updatedBy));
    }
}
