package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.core.ServerFailure;
import dev.osprey.store.TrackingStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The UI's {@code POST <prefix>/ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=}: a small file (at most 10 MB,
 * MLflow's limit) as the raw body, written into the run's artifacts. Larger files go through the artifact proxy.
 */
public final class UploadArtifactHandler implements Handler {
    private static final int MAX_BYTES = 10 * 1024 * 1024;
    private final TrackingStore store;
    private final ArtifactLocations locations;

    public UploadArtifactHandler(TrackingStore store, ArtifactLocations locations) {
        this.store = store;
        this.locations = locations;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String runId = req.query().first("run_uuid").filter(s -> !s.isEmpty())
                .orElseThrow(() -> OspreyException.invalid("Request must specify run_uuid."));
        ArtifactPath path = ArtifactPath.parse(req.query().first("path").filter(s -> !s.isEmpty())
                .orElseThrow(() -> OspreyException.invalid("Request must specify path.")));
        if (req.headers().contentLength().orElse(0) > MAX_BYTES) {
            throw OspreyException.invalid("Artifact size is too large. Max size is 10MB.");
        }
        byte[] data;
        try (InputStream in = req.content().inputStream()) {
            data = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new ServerFailure("Reading the upload failed", e);
        }
        if (data.length > MAX_BYTES) {
            throw OspreyException.invalid("Artifact size is too large. Max size is 10MB.");
        }
        if (data.length == 0) {
            throw OspreyException.invalid("Request must specify data.");
        }
        Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                + " not found"));
        ArtifactLocations.Location file = locations.resolve(run.info().artifactUri()).resolve(path);
        try {
            file.repository().write(file.path(), new ByteArrayInputStream(data));
        } catch (IOException e) {
            throw new ServerFailure("Artifact storage failed", e);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send("{}");
    }
}
