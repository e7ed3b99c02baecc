package dev.osprey.server.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.artifacts.FileInfo;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Run;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code GET /mlflow/artifacts/list}: a run's artifacts relative to its {@code artifact_uri} (spec/artifacts.md
 * §4.1). Runs whose root is {@code mlflow-artifacts:} are listed through the artifacts destination; other roots are
 * not listable by this server yet.
 */
public final class RunArtifactRoutes {
    private static final String PROXY_SCHEME = "mlflow-artifacts:";

    private final TrackingStore store;
    private final ArtifactRepository repository;

    public RunArtifactRoutes(TrackingStore store, ArtifactRepository repository) {
        this.store = store;
        this.repository = repository;
    }

    public List<Endpoint> endpoints() {
        return List.of(Endpoint.get("/mlflow/artifacts/list", this::list));
    }

    JsonNode list(ApiRequest r) {
        Message m = r.message();
        String runId = m.string("run_id").filter(s -> !s.isEmpty())
                .or(() -> m.string("run_uuid").filter(s -> !s.isEmpty()))
                .orElseThrow(() -> Message.missing("run_id"));
        ArtifactPath sub = ArtifactPath.parse(m.string("path").orElse(""));
        Run run = store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId
                + " not found"));
        String rootUri = run.info().artifactUri();
        ArtifactPath root = proxyPath(rootUri);
        ObjectNode out = Json.object();
        out.put("root_uri", rootUri);
        List<FileInfo> files;
        try {
            files = repository.list(root.resolve(sub));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!files.isEmpty()) {
            ArrayNode array = out.putArray("files");
            String prefix = sub.isRoot() ? "" : sub + "/";
            for (FileInfo f : files) {
                ObjectNode node = array.addObject().put("path", prefix + f.path()).put("is_dir", f.isDir());
                f.fileSize().ifPresent(size -> node.put("file_size", size));
            }
        }
        return out;
    }

    /** The destination-relative path of an {@code mlflow-artifacts:[//authority]/path} URI. */
    static ArtifactPath proxyPath(String uri) {
        if (!uri.startsWith(PROXY_SCHEME)) {
            throw new OspreyException(ErrorCode.NOT_IMPLEMENTED, "Listing artifacts under '" + uri + "' is not "
                    + "supported by this server yet; only mlflow-artifacts: locations are.");
        }
        String rest = uri.substring(PROXY_SCHEME.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        return ArtifactPath.parse(rest);
    }
}
