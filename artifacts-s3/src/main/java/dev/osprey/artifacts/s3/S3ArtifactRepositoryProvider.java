package dev.osprey.artifacts.s3;

import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.ArtifactRepositoryProvider;
import java.net.URI;
import java.util.Map;
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
        return open(root, Map.of());
    }

    /** Reads MLflow's and AWS's variables from {@code environment} ({@link S3Settings#fromEnvironment}). */
    @Override
    public ArtifactRepository open(URI root, Map<String, String> environment) {
        return S3ArtifactRepository.at(root, clients(environment));
    }

    /** The client, created by the first open (the server passes the same environment every time). */
    private S3Clients clients(Map<String, String> environment) {
        S3Clients c = clients;
        if (c == null) {
            synchronized (this) {
                c = clients;
                if (c == null) {
                    c = S3Clients.create(S3Settings.fromEnvironment(environment));
                    clients = c;
                }
            }
        }
        return c;
    }
}
