package dev.osprey.server.artifacts;

import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.function.Function;

/**
 * The UI's {@code GET .../logged-models/{model_id}/artifacts/files?artifact_file_path=} (spec/artifacts.md §5):
 * one file of a logged model; a missing parameter is 400 {@code BAD_REQUEST}, as in MLflow.
 */
public final class LoggedModelFileHandler implements Handler {
    private final Function<String, ArtifactLocations.Location> modelRoot;

    /** @param modelRoot the artifact location of a (non-deleted) logged model by id */
    public LoggedModelFileHandler(Function<String, ArtifactLocations.Location> modelRoot) {
        this.modelRoot = modelRoot;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String path = req.query().first("artifact_file_path").filter(s -> !s.isEmpty())
                .orElseThrow(() -> new OspreyException(ErrorCode.BAD_REQUEST, "Missing value for required "
                        + "parameter 'artifact_file_path'."));
        Downloads.send(req, res, modelRoot.apply(req.path().pathParameters().get("model_id"))
                .resolve(ArtifactPath.parse(path)));
    }
}
