package dev.osprey.artifacts;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/** {@code file:} URIs (and, through {@link ArtifactRepositories}, bare paths). */
public final class LocalArtifactRepositoryProvider implements ArtifactRepositoryProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public ArtifactRepository open(URI root) throws IOException {
        return new LocalArtifactRepository(Path.of(root));
    }
}
