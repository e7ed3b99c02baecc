package dev.osprey.artifacts;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** Chooses the repository for an artifact location by its URI scheme, among the providers on the class path. */
public final class ArtifactRepositories {
    private final Map<String, ArtifactRepositoryProvider> byScheme = new HashMap<>();
    private final Map<String, String> environment;

    private ArtifactRepositories(Iterable<ArtifactRepositoryProvider> providers, Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        for (ArtifactRepositoryProvider provider : providers) {
            for (String scheme : provider.schemes()) {
                byScheme.putIfAbsent(scheme.toLowerCase(Locale.ROOT), provider);
            }
        }
    }

    /** The providers registered with {@link ServiceLoader}, with no settings of their own. */
    public static ArtifactRepositories installed() {
        return installed(Map.of());
    }

    /**
     * The providers registered with {@link ServiceLoader}; each reads its own variables from {@code environment}
     * (the server resolves the process environment once and passes it here).
     */
    public static ArtifactRepositories installed(Map<String, String> environment) {
        return new ArtifactRepositories(ServiceLoader.load(ArtifactRepositoryProvider.class,
                ArtifactRepositories.class.getClassLoader()), environment);
    }

    public boolean supports(String scheme) {
        return byScheme.containsKey(scheme.toLowerCase(Locale.ROOT));
    }

    /**
     * The repository for a location: a URI with a scheme some provider opens, or a local path (absolute or
     * relative to the working directory).
     */
    public ArtifactRepository open(String location) throws IOException {
        URI uri = toUri(location);
        ArtifactRepositoryProvider provider = Optional.ofNullable(byScheme.get(uri.getScheme().toLowerCase(
                Locale.ROOT))).orElseThrow(() -> new OspreyException(ErrorCode.INVALID_PARAMETER_VALUE,
                "No artifact repository for '" + uri.getScheme() + ":' locations is installed; known schemes: "
                        + byScheme.keySet().stream().sorted().toList() + "."));
        return provider.open(uri, environment);
    }

    /** A location as a URI; anything without a scheme of two or more letters is a local path. */
    public static URI toUri(String location) {
        if (location.isBlank()) {
            throw OspreyException.invalid("An artifact location must not be empty.");
        }
        int colon = location.indexOf(':');
        boolean hasScheme = colon > 1 && location.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
        if (!hasScheme) {
            return Path.of(location).toAbsolutePath().normalize().toUri();
        }
        try {
            return new URI(location);
        } catch (URISyntaxException e) {
            throw OspreyException.invalid("Invalid artifact location '" + location + "': " + e.getMessage());
        }
    }
}
