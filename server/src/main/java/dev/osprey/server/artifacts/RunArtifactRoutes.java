package dev.osprey.server.artifacts;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.core.ServerFailure;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * {@code GET /mlflow/artifacts/list}: a run's artifacts relative to its {@code artifact_uri} (spec/artifacts.md
 * §4.1), wherever {@link ArtifactLocations} says that root lives.
 */
public final class RunArtifactRoutes {
    private final TrackingStore store;
    private final ArtifactLocations locations;

    public RunArtifactRoutes(TrackingStore store, ArtifactLocations locations) {
        this.store = store;
        this.locations = locations;
    }

    public List<Endpoint> endpoints() {
        return List.of(Endpoint.get("/mlflow/artifacts/list", this::list).requires(onRun(READ)),
                Endpoint.post("/mlflow/artifacts/presigned-upload-url", this::presignedUpload).requires(onRun(UPDATE)));
    }

    /**
     * CreatePresignedUploadUrl: a URL to PUT one file straight into the run's artifact storage (MLflow serves it for
     * SageMaker's client). Runs whose artifacts go through a proxy are refused as MLflow refuses them; storage that
     * cannot sign answers NOT_IMPLEMENTED.
     */
    JsonNode presignedUpload(ApiRequest r) {
        Message m = r.message();
        String runId = m.string("run_id").filter(s -> !s.isEmpty()).orElseThrow(() -> Message.missing("run_id"));
        ArtifactPath path = ArtifactPath.parse(m.string("path").filter(s -> !s.isEmpty())
                .orElseThrow(() -> Message.missing("path")));
        long expiration = m.int64("expiration").orElse(900L);
        if (expiration < 1 || expiration > 604_800) {
            throw OspreyException.invalid("'expiration' must be 1 to 604800 seconds (S3's limit), got " + expiration
                    + ".");
        }
        Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                + " not found"));
        String uri = run.info().artifactUri();
        String scheme = uri.contains(":") ? uri.substring(0, uri.indexOf(':')) : "";
        if (List.of("http", "https", "mlflow-artifacts").contains(scheme)) {
            throw OspreyException.invalid("Presigned upload is not supported for runs with proxied artifact storage "
                    + "(artifact URI scheme: " + scheme + "). This endpoint requires a run with a direct cloud "
                    + "storage artifact URI.");
        }
        ArtifactLocations.Location root = locations.resolve(uri);
        var presigning = root.repository().presigning().orElseThrow(() -> new OspreyException(
                ErrorCode.NOT_IMPLEMENTED,
                "Presigned upload is not supported for the current artifact repository"));
        try {
            var url = presigning.upload(root.path().resolve(path), Duration.ofSeconds(expiration));
            ObjectNode out = Json.object()
                    .put("presigned_url", url.url());
            ObjectNode headers = out.putObject("headers");
            url.headers().forEach(headers::put);
            return out;
        } catch (IOException e) {
            throw new ServerFailure("Artifact storage failed", e);
        }
    }

    JsonNode list(ApiRequest r) {
        Message m = r.message();
        String runId = m.string("run_id").filter(s -> !s.isEmpty())
                .or(() -> m.string("run_uuid").filter(s -> !s.isEmpty()))
                .orElseThrow(() -> Message.missing("run_id"));
        ArtifactPath sub = ArtifactPath.parse(m.string("path").orElse(""));
        Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                + " not found"));
        return ArtifactListings.list(locations, run.info().artifactUri(), sub);
    }
}
