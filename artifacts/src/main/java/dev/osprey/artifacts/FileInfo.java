package dev.osprey.artifacts;

import java.util.Objects;
import java.util.OptionalLong;

/** One entry of an artifact listing; directories have no size. */
public record FileInfo(String path, boolean isDir, OptionalLong fileSize) {
    public FileInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(fileSize, "fileSize");
    }
}
