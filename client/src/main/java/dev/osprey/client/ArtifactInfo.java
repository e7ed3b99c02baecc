package dev.osprey.client;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One entry of a run's artifact listing.
 *
 * @param path relative to the run's artifact root, such as {@code model/MLmodel}
 * @param fileSize the size of a file; empty for directories
 */
public record ArtifactInfo(String path, boolean isDir, OptionalLong fileSize) {
    public ArtifactInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(fileSize, "fileSize");
    }
}
