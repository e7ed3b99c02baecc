package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.server.registry.RegistryService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;

/**
 * The UI's {@code GET <prefix>/model-versions/get-artifact?name=&version=&path=} (spec/artifacts.md §5): one file
 * under the version's download URI, resolved like run artifacts so it cannot leave the server's roots.
 */
public final class ModelVersionArtifactHandler implements Handler {

    private final RegistryService registry;
    private final ArtifactLocations locations;

    public ModelVersionArtifactHandler(RegistryService registry, ArtifactLocations locations) {
        this.registry = registry;
        this.locations = locations;
    }

    private static String required(ServerRequest req, String name) {
        return req.query().first(name).filter(s -> !s.isEmpty()).orElseThrow(() -> OspreyException.invalid(
                "Missing value for required parameter '" + name + "'."));
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        try {
            String uri = registry.downloadUri(required(req, "name"), required(req, "version"));
            ArtifactLocations.Location file = locations.resolve(uri).resolve(ArtifactPath.parse(required(req,
                    "path")));
            Downloads.send(req, res, file.repository(), file.path());
        } catch (IOException e) {
            throw new ServerFailure("Artifact download failed", e); // answered by Failures, like every server failure
        }
    }
}
