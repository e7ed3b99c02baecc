package dev.osprey.artifacts.s3;

import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.ArtifactRepositoryProvider;
import java.net.URI;
import java.util.Set;

/** {@code s3://bucket/prefix} locations, with one S3 client shared by every repository this provider opens. */
public final class S3ArtifactRepositoryProvider implements ArtifactRepositoryProvider {
    private volatile S3Clients clients;

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public ArtifactRepository open(URI root) {
        return S3ArtifactRepository.at(root, clients());
    }

    private S3Clients clients() {
        S3Clients c = clients;
        if (c == null) {
            synchronized (this) {
                c = clients;
                if (c == null) {
                    c = S3Clients.create(S3Settings.fromEnvironment(System.getenv()));
                    clients = c;
                }
            }
        }
        return c;
    }
}
