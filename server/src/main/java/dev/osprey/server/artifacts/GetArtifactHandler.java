package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.server.api.ErrorResponses;
import dev.osprey.store.TrackingStore;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The UI's download route {@code GET <prefix>/get-artifact?run_id=...&path=...} (spec/artifacts.md §5). */
public final class GetArtifactHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(GetArtifactHandler.class);

    private final TrackingStore store;
    private final ArtifactLocations locations;

    public GetArtifactHandler(TrackingStore store, ArtifactLocations locations) {
        this.store = store;
        this.locations = locations;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        try {
            String runId = req.query().first("run_id").filter(s -> !s.isEmpty())
                    .or(() -> req.query().first("run_uuid").filter(s -> !s.isEmpty()))
                    .orElseThrow(() -> OspreyException.invalid("Missing value for required parameter 'run_id'."));
            String path = req.query().first("path").filter(s -> !s.isEmpty())
                    .orElseThrow(() -> OspreyException.invalid("Missing value for required parameter 'path'."));
            Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                    + " not found"));
            ArtifactLocations.Location file = locations.resolve(run.info().artifactUri())
                    .resolve(ArtifactPath.parse(path));
            Downloads.send(req, res, file.repository(), file.path());
        } catch (OspreyException e) {
            ErrorResponses.send(res, e.errorCode().httpStatus(), e.errorCode(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("get-artifact failed", e);
            ErrorResponses.send(res, 500, ErrorCode.INTERNAL_ERROR, "Artifact download failed; the server log has "
                    + "the details.");
        }
    }
}
