package dev.osprey.artifacts;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Opens artifact repositories for the URI schemes it names. Implementations are found with
 * {@link java.util.ServiceLoader}, so a store such as GCS or Azure Blob is a module on the class path with a
 * {@code META-INF/services/dev.osprey.artifacts.ArtifactRepositoryProvider} entry; nothing else changes.
 */
public interface ArtifactRepositoryProvider {

    /** Lower-case URI schemes this provider opens, such as {@code s3}. */
    Set<String> schemes();

    /** A repository rooted at {@code root}, a URI of one of {@link #schemes()}. */
    ArtifactRepository open(URI root) throws IOException;

    /** The repository with the provider's settings read from {@code environment} (variables by name). */
    default ArtifactRepository open(URI root, java.util.Map<String, String> environment) throws IOException {
        return open(root);
    }
}
