package dev.osprey.artifacts;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** URLs a client uses against the storage itself, without the server in the path (object stores only). */
public interface Presigning {

    /** A URL for one PUT of the file at {@code path}, valid for {@code ttl}. */
    PresignedUrl upload(ArtifactPath path, Duration ttl) throws IOException;

    /** A URL for GETs of the file at {@code path}, valid for {@code ttl}; empty when there is no such file. */
    Optional<PresignedUrl> download(ArtifactPath path, Duration ttl) throws IOException;

    /** The URL, the headers the request must carry (they are part of the signature), and the file's size. */
    record PresignedUrl(String url, Map<String, String> headers, OptionalLong fileSize) {
        public PresignedUrl {
            Objects.requireNonNull(url, "url");
            headers = Map.copyOf(headers);
            Objects.requireNonNull(fileSize, "fileSize");
        }
    }
}
