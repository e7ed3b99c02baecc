package dev.osprey.server.auth;

import dev.osprey.server.api.Requirement;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import io.helidon.http.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What the routes that are not API endpoints touch (the artifact proxy, artifact and trace downloads, OTLP
 * ingest, {@code /metrics}), found from their path, query and headers: the requirements those routes declare in
 * the raw route table, read by the authorization and workspace filters through {@link RouteTouches}.
 */
public final class RouteResources {
    /** What one request touches. */
    public sealed interface Touch permits OnExperiment, OnModel, OnProxiedPath, AdminOnly {}

    /** An experiment (or something kept in it: a run, a trace, a logged model). */
    public record OnExperiment(String experimentId, Need need) implements Touch {}

    /** A registered model. */
    public record OnModel(String name, Need need) implements Touch {}

    /** A path under the artifact proxy's root (see {@link dev.osprey.server.workspaces.ProxiedPaths}). */
    public record OnProxiedPath(String path, Need need) implements Touch {}

    /** Server-wide data. */
    public record AdminOnly() implements Touch {}

    private final StorageComponent storage;
    private final TrackingStore store;

    public RouteResources(StorageComponent storage) {
        this.storage = storage;
        this.store = storage.tracking();
    }

    private static Need byMethod(String method) {
        return switch (method) {
            case "GET", "HEAD" -> Need.READ;
            case "DELETE" -> Need.DELETE;
            default -> Need.UPDATE;
        };
    }

    /** Server-wide data: admins only. */
    public static Requirement adminOnly() {
        return new Access.Touching("admin", r -> Optional.of(new AdminOnly()));
    }

    /** OTLP ingest: UPDATE on the experiment in {@code x-mlflow-experiment-id} (the default one without it). */
    public static Requirement otlpExperiment() {
        return new Access.Touching("UPDATE on the experiment in x-mlflow-experiment-id", r -> Optional.of(
                new OnExperiment(r.headers().first(HeaderNames.create("x-mlflow-experiment-id")).orElse("0"),
                        Need.UPDATE)));
    }

    /** The artifact proxy: the artifact path's experiment (GET reads, DELETE deletes, the rest update). */
    public static Requirement proxiedPath() {
        return new Access.Touching("by the artifact path (READ, UPDATE or DELETE by method)", r -> Optional.of(
                new OnProxiedPath(proxiedPath(r.path().path(), r.query().first("path").orElse("")),
                        byMethod(r.prologue().method().text()))));
    }

    /** READ on the experiment of the run in {@code run_uuid} or {@code run_id}. */
    public Requirement runInQuery() {
        return runInQuery(Need.READ);
    }

    /** {@code need} on the experiment of the run in {@code run_uuid} or {@code run_id}. */
    public Requirement runInQuery(Need need) {
        return new Access.Touching(need + " on the run in the query", r -> r.query().first("run_uuid").asOptional()
                .or(() -> r.query().first("run_id").asOptional()).flatMap(store::getRun)
                .map(run -> new OnExperiment(run.info().experimentId(), need)));
    }

    /** READ on the registered model in {@code name}. */
    public static Requirement modelInQuery() {
        return new Access.Touching("READ on the registered model in the query", r -> Optional.of(
                new OnModel(r.query().first("name").orElse(""), Need.READ)));
    }

    /** READ on the experiment of the trace in {@code trace_id} or {@code request_id}. */
    public Requirement traceInQuery() {
        return new Access.Touching("READ on the trace in the query", r -> r.query().first("trace_id").asOptional()
                .or(() -> r.query().first("request_id").asOptional()).flatMap(storage.traces()::getTraceInfo)
                .map(t -> new OnExperiment(t.experimentId(), Need.READ)));
    }

    /** READ on the experiment of the logged model named in the path, after {@code base}. */
    public Requirement loggedModelInPath(String base, String suffix) {
        return new Access.Touching("READ on the logged model in the path", r -> {
            String path = r.path().path();
            if (!path.startsWith(base) || !path.endsWith(suffix) || path.length() < base.length() + suffix.length()) {
                return Optional.empty();
            }
            String id = path.substring(base.length(), path.length() - suffix.length());
            return storage.loggedModels().get(id, true).map(m -> new OnExperiment(m.experimentId(), Need.READ));
        });
    }

    /** The artifact path of a proxy request: in the URL, in the list call's query, or after a multipart upload id. */
    private static String proxiedPath(String path, String listPath) {
        String rest = path.substring(path.indexOf("/mlflow-artifacts/") + "/mlflow-artifacts/".length());
        String artifactPath;
        if (rest.startsWith("artifacts/")) {
            artifactPath = rest.substring("artifacts/".length());
        } else if (rest.equals("artifacts")) {
            artifactPath = listPath;
        } else if (rest.startsWith("presigned/")) {
            artifactPath = rest.substring("presigned/".length());
        } else if (rest.startsWith("mpu/")) {
            String[] parts = rest.split("/", 3);
            artifactPath = parts.length == 3 ? parts[2] : "";
        } else {
            artifactPath = "";
        }
        return java.net.URLDecoder.decode(artifactPath, StandardCharsets.UTF_8);
    }
}
