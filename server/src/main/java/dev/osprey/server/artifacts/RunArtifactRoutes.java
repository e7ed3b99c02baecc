package dev.osprey.server.artifacts;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TrackingStore;
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
        return List.of(Endpoint.get("/mlflow/artifacts/list", this::list).requires(onRun(READ)));
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
