package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.server.registry.RegistryService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

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

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String uri = registry.in(dev.osprey.server.workspaces.Workspaces.nameOf(req))
                .downloadUri(Downloads.required(req, "name"), Downloads.required(req, "version"));
        Downloads.send(req, res, locations.resolve(uri).resolve(ArtifactPath.parse(Downloads.required(req, "path"))));
    }
}
