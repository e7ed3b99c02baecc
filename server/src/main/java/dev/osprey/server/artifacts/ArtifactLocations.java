package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.server.locations.LocationRules;
import dev.osprey.artifacts.ArtifactRepositories;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a stored artifact URI (a run's {@code artifact_uri}, an experiment's {@code artifact_location}) lives for
 * this server: which repository and which path inside it.
 *
 * <ul>
 *   <li>{@code mlflow-artifacts:[//host]/p} and {@code http(s)://.../mlflow-artifacts/artifacts/p}: {@code p} in
 *       the artifacts destination;
 *   <li>{@code file:} URIs and bare paths: only inside one of the server's own local roots (the destination and a
 *       local default artifact root). A location elsewhere on the disk is refused, so an experiment created with
 *       {@code artifact_location=/etc} cannot turn the UI's download routes into a file reader;
 *   <li>other schemes with an installed provider ({@code s3://bucket/p}): {@code p} in a repository at the bucket.
 * </ul>
 */
public final class ArtifactLocations {
    private static final String PROXY_SCHEME = "mlflow-artifacts:";
    private static final String PROXY_ROUTE = "/mlflow-artifacts/artifacts/";

    private final ArtifactRepositories repositories;
    private final ArtifactRepository destination;
    private final List<Path> localRoots;
    private final Map<String, ArtifactRepository> opened = new ConcurrentHashMap<>();

    /** A resolved location: a repository and the path of the location in it. */
    public record Location(ArtifactRepository repository, ArtifactPath path) {
        public Location resolve(ArtifactPath child) {
            return new Location(repository, path.resolve(child));
        }
    }

    /**
     * @param localRoots local directories (besides a local destination) the server may read and delete in
     */
    public ArtifactLocations(ArtifactRepositories repositories, ArtifactRepository destination,
            List<Path> localRoots) {
        this.repositories = repositories;
        this.destination = destination;
        this.localRoots = localRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** The server's local roots among {@code locations} (paths or {@code file:} URIs); other schemes are skipped. */
    public static List<Path> localRoots(List<String> locations) {
        return locations.stream().map(ArtifactRepositories::toUri)
                .filter(u -> "file".equalsIgnoreCase(u.getScheme())).map(Path::of).toList();
    }

    public ArtifactRepository destination() {
        return destination;
    }

    /** The local directories this server reads and deletes artifacts in. */
    public List<Path> localRoots() {
        return localRoots;
    }

    public Location resolve(String artifactUri) {
        if (artifactUri.startsWith(PROXY_SCHEME)) {
            return new Location(destination, LocationRules.proxyPath(artifactUri.substring(PROXY_SCHEME.length())));
        }
        URI uri = ArtifactRepositories.toUri(artifactUri);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getRawPath() != null
                && uri.getRawPath().contains(PROXY_ROUTE)) {
            String raw = uri.getRawPath();
            return new Location(destination, ArtifactPath.parse(ArtifactProxyHandler.decode(
                    raw.substring(raw.indexOf(PROXY_ROUTE) + PROXY_ROUTE.length()).replaceAll("/+$", ""))));
        }
        if (scheme.equals("file")) {
            return local(Path.of(uri).normalize(), artifactUri);
        }
        if (!repositories.supports(scheme) || uri.getRawAuthority() == null) {
            throw new OspreyException(ErrorCode.NOT_IMPLEMENTED, "This server cannot read artifacts under '"
                    + artifactUri + "': no repository for " + scheme + ": locations is installed.");
        }
        String root = scheme + "://" + uri.getRawAuthority();
        String path = Optional.ofNullable(uri.getPath()).orElse("").replaceAll("^/+", "").replaceAll("/+$", "");
        return new Location(open(root), ArtifactPath.parse(path));
    }

    private Location local(Path path, String shown) {
        for (Path root : localRoots) {
            if (path.startsWith(root)) {
                ArtifactPath relative = ArtifactPath.parse(root.relativize(path).toString().replace('\\', '/'));
                return new Location(open(root.toUri().toString()), relative);
            }
        }
        throw new OspreyException(ErrorCode.PERMISSION_DENIED, "Artifacts at '" + shown + "' are outside this "
                + "server's artifact roots, so it does not serve them; log them under --artifacts-destination or "
                + "--default-artifact-root.");
    }

    private ArtifactRepository open(String root) {
        return opened.computeIfAbsent(root, r -> {
            try {
                return repositories.open(r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

}
