package dev.osprey.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Bytes under one artifact root. Every method takes an {@link ArtifactPath}, which cannot leave the root;
 * implementations also refuse to follow links out of it. Thread-safe. Writes are atomic: a reader sees the old
 * file or the whole new one. I/O failures surface as {@link IOException}.
 */
public interface ArtifactRepository {

    /** The immediate children of a directory, sorted by name; empty when it does not exist. */
    List<FileInfo> list(ArtifactPath directory) throws IOException;

    /** The file at {@code path}, or empty when there is no regular file there. */
    Optional<ArtifactFile> open(ArtifactPath path) throws IOException;

    /** Stores {@code content} at {@code path} (parents created, an existing file replaced); returns bytes written. */
    long write(ArtifactPath path, InputStream content) throws IOException;

    /** Removes a file, or a directory with everything below it; a missing path is not an error. */
    void delete(ArtifactPath path) throws IOException;

    /** Multipart uploads, when this repository supports them. */
    default java.util.Optional<MultipartUploads> multipart() {
        return java.util.Optional.empty();
    }

    /** Presigned URLs, when this repository's storage can sign them. */
    default Optional<Presigning> presigning() {
        return Optional.empty();
    }
}
