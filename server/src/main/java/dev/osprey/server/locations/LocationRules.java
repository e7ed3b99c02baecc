package dev.osprey.server.locations;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.OspreyException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which artifact locations an experiment (or a workspace) may be given, checked when it is created rather than when
 * the location is used: a location this server would refuse to read, or one that names another tenant's files, is
 * refused at the door with INVALID_PARAMETER_VALUE.
 *
 * <ul>
 *   <li>{@code mlflow-artifacts:} paths are paths in the artifacts destination: no {@code ..} or empty segments.
 *   <li>Local paths ({@code file:} or absolute) must lie inside one of the server's local artifact roots
 *       ({@code --artifacts-destination}, {@code --default-artifact-root}): the server reads and deletes
 *       (garbage collection) there, never elsewhere. Relative paths are refused: they would name the server's
 *       working directory, not the client's.
 *   <li>Remote URIs ({@code s3://bucket/...} and the other stores clients write to directly) keep any path without
 *       {@code .} or {@code ..} segments. {@code dbfs:} is refused: it is Databricks' file system, which no
 *       self-hosted server can read or write.
 *   <li>With workspaces, a location must lie in the caller's workspace tree ({@link #requireWithin}).
 * </ul>
 */
public final class LocationRules {
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):.*", Pattern.DOTALL);
    private static final String PROXY = "mlflow-artifacts:";

    /** MLflow's limit (MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH). */
    static final int MAX_LENGTH = 2048;

    private final List<Place> localRoots;

    /** A location in comparable form: scheme, authority and path segments ({@code file} for local paths). */
    private record Place(String scheme, String authority, List<String> segments) {
        boolean within(Place tree) {
            return scheme.equals(tree.scheme) && authority.equals(tree.authority)
                    && segments.size() >= tree.segments.size()
                    && segments.subList(0, tree.segments.size()).equals(tree.segments);
        }
    }

    public LocationRules(List<Path> localRoots) {
        this.localRoots = localRoots.stream().map(LocationRules::local).toList();
    }

    /** MLflow's checks of an artifact location (length, no runs:/, no fragment or query, a known scheme). */
    public static void validate(String location) {
        if (location.length() > MAX_LENGTH) {
            throw OspreyException.invalid("Invalid artifact path length. The length of the artifact path cannot be "
                    + "greater than " + MAX_LENGTH + " characters. To configure this "
                    + "limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.");
        }
        if (location.startsWith("runs:")) {
            throw OspreyException.invalid("Artifact location cannot be a runs:/ URI. Given: '" + location + "'");
        }
        if (location.indexOf('#') >= 0 || location.indexOf('?') >= 0 || location.indexOf(';') >= 0) {
            throw OspreyException.invalid("'artifact_location' URL can't include fragments, params or queries: '"
                    + location + "'");
        }
        java.util.regex.Matcher scheme = SCHEME.matcher(location);
        if (scheme.matches() && !ALLOWED_SCHEMES.contains(scheme.group(1).toLowerCase(java.util.Locale.ROOT))) {
            throw OspreyException.invalid("Invalid artifact_location '" + location + "': scheme '" + scheme.group(1)
                    + "' is not allowed. Use one of " + new java.util.TreeSet<>(ALLOWED_SCHEMES)
                    + " or an absolute local path.");
        }
    }

    /** Artifact stores MLflow clients write to directly or through this server; anything else is refused. */
    private static final java.util.Set<String> ALLOWED_SCHEMES = java.util.Set.of("file", "mlflow-artifacts", "s3",
            "gs", "wasbs", "abfss", "hdfs", "viewfs", "dbfs", "sftp", "ftp", "oss", "cos");

    /** Refuses a location this server would not use (see the class comment), after {@link #validate}. */
    public void requireUsable(String location) {
        validate(location);
        if (location.regionMatches(true, 0, "dbfs:", 0, 5)) {
            throw OspreyException.invalid("Invalid artifact location '" + location + "': dbfs: is Databricks' file "
                    + "system, which this server can neither read nor write. Use s3://, a path under the server's "
                    + "artifact root, or leave the location out to get the server's default.");
        }
        Place place = place(location);
        if (place.scheme().equals("file") && localRoots.stream().noneMatch(place::within)) {
            throw OspreyException.invalid("Invalid artifact location '" + location + "': it is outside this "
                    + "server's artifact roots " + localRoots.stream().map(r -> "/" + String.join("/", r.segments()))
                    .toList() + ". Leave the location out to get the server's default, or choose a path under a "
                    + "root (the operator sets them with --artifacts-destination and --default-artifact-root).");
        }
    }

    /**
     * Refuses a location outside {@code tree} (the caller's workspace root) or inside one of {@code others} (the
     * other workspaces' roots) that lies within it; roots that hold the caller's tree are not held against it.
     */
    public void requireWithin(String location, String tree, List<String> others) {
        Place place = place(location);
        Place own = place(tree);
        boolean inside = place.within(own) && others.stream().map(LocationRules::place)
                .filter(other -> !own.within(other)).noneMatch(place::within);
        if (!inside) {
            throw OspreyException.invalid("Invalid artifact location '" + location + "': it is outside this "
                    + "workspace's artifact root '" + tree + "'. Leave the location out, or choose one under that "
                    + "root.");
        }
    }

    /** The path segments of {@code location} below {@code tree}, when it lies within it (itself: none). */
    public static java.util.Optional<List<String>> segmentsUnder(String location, String tree) {
        Place place = place(location);
        Place root = place(tree);
        return place.within(root) ? java.util.Optional.of(place.segments().subList(root.segments().size(),
                place.segments().size())) : java.util.Optional.empty();
    }

    /** The destination-relative segments of a location under this server's artifact proxy, if it is one. */
    public static java.util.Optional<List<String>> proxied(String location) {
        return location.regionMatches(true, 0, PROXY, 0, PROXY.length())
                ? java.util.Optional.of(place(location).segments()) : java.util.Optional.empty();
    }

    private static Place place(String location) {
        if (location.regionMatches(true, 0, PROXY, 0, PROXY.length())) {
            return new Place("mlflow-artifacts", "", proxyPath(location.substring(PROXY.length())).segments());
        }
        if (!SCHEME.matcher(location).matches()) {
            Path path = Path.of(location);
            if (!path.isAbsolute()) {
                throw OspreyException.invalid("Invalid artifact location '" + location + "': a local path must be "
                        + "absolute.");
            }
            return local(path);
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw OspreyException.invalid("Invalid artifact location '" + location + "': " + e.getReason() + ".");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            try {
                return local(Path.of(uri));
            } catch (IllegalArgumentException e) {
                throw OspreyException.invalid("Invalid artifact location '" + location + "': a file: URI must name "
                        + "an absolute path (file:///...).");
            }
        }
        List<String> segments = new ArrayList<>();
        for (String segment : (uri.getPath() == null ? "" : uri.getPath()).split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw OspreyException.invalid("Invalid artifact location '" + location + "': it has a '.' or '..' "
                        + "segment.");
            }
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        return new Place(scheme, uri.getRawAuthority() == null ? "" : uri.getRawAuthority(), List.copyOf(segments));
    }

    /** The destination-relative path of the part after {@code mlflow-artifacts:} ({@code [//authority]/path}). */
    public static ArtifactPath proxyPath(String rest) {
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        return ArtifactPath.parse(rest.replaceAll("^/+", "").replaceAll("/+$", ""));
    }

    private static Place local(Path path) {
        Path normal = path.toAbsolutePath().normalize();
        List<String> segments = new ArrayList<>();
        normal.forEach(p -> segments.add(p.toString()));
        return new Place("file", "", List.copyOf(segments));
    }
}
