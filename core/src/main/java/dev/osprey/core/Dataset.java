package dev.osprey.core;

import java.util.Objects;
import java.util.Optional;

/** A dataset as logged with a run's inputs; identified by (name, digest) within an experiment. */
public record Dataset(
        String name,
        String digest,
        String sourceType,
        String source,
        Optional<String> schema,
        Optional<String> profile) {
    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(sourceType, "sourceType");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(profile, "profile");
    }
}
