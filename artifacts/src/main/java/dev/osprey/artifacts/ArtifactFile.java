package dev.osprey.artifacts;

import java.io.IOException;
import java.io.InputStream;

/** A stored file ready to be streamed: its size, and its bytes from any offset. */
public interface ArtifactFile {
    long size();

    String name();

    /** The bytes from {@code offset} to the end; the caller closes the stream. */
    InputStream open(long offset) throws IOException;
}
