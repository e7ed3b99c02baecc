package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
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
    private final ArtifactRepository repository;

    public GetArtifactHandler(TrackingStore store, ArtifactRepository repository) {
        this.store = store;
        this.repository = repository;
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
            ArtifactPath root = RunArtifactRoutes.proxyPath(run.info().artifactUri());
            Downloads.send(req, res, repository, root.resolve(ArtifactPath.parse(path)));
        } catch (OspreyException e) {
            ErrorResponses.send(res, e.errorCode().httpStatus(), e.errorCode(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("get-artifact failed", e);
            ErrorResponses.send(res, 500, ErrorCode.INTERNAL_ERROR, "Artifact download failed; the server log has "
                    + "the details.");
        }
    }
}
