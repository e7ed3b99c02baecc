package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.store.TrackingStore;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** The UI's download route {@code GET <prefix>/get-artifact?run_id=...&path=...} (spec/artifacts.md §5). */
public final class GetArtifactHandler implements Handler {

    private final TrackingStore store;
    private final ArtifactLocations locations;

    public GetArtifactHandler(TrackingStore store, ArtifactLocations locations) {
        this.store = store;
        this.locations = locations;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String runId = req.query().first("run_id").filter(s -> !s.isEmpty())
                .or(() -> req.query().first("run_uuid").filter(s -> !s.isEmpty()))
                .orElseThrow(() -> OspreyException.invalid("Missing value for required parameter 'run_id'."));
        String path = Downloads.required(req, "path");
        Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                + " not found"));
        Downloads.send(req, res, locations.resolve(run.info().artifactUri()).resolve(ArtifactPath.parse(path)));
    }
}
