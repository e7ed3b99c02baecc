package dev.osprey.server.auth;

import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.TrackingStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.RoutingRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What the routes that are not API endpoints touch (the artifact proxy, artifact and trace downloads, OTLP
 * ingest, {@code /metrics}), found from their path, query and headers, for authorization and workspace checks.
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

    private final TrackingStore store;
    private final String prefix;

    public RouteResources(TrackingStore store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    private static Need byMethod(String method) {
        return switch (method) {
            case "GET", "HEAD" -> Need.READ;
            case "DELETE" -> Need.DELETE;
            default -> Need.UPDATE;
        };
    }

    /** What a request was found to touch, kept on it so the workspace and auth filters look it up once. */
    private record Resolved(Optional<Touch> touch) {}

    /** What the request touches; empty for routes that need only a login (pages, health, the API router). */
    public Optional<Touch> of(RoutingRequest req) {
        Optional<Resolved> known = req.context().get(Resolved.class);
        if (known.isPresent()) {
            return known.get().touch();
        }
        Optional<Touch> touch = resolve(req);
        req.context().register(new Resolved(touch));
        return touch;
    }

    private Optional<Touch> resolve(RoutingRequest req) {
        String path = req.path().path();
        String method = req.prologue().method().text();
        var query = req.query();
        if (path.equals("/v1/traces")) {
            return Optional.of(new OnExperiment(req.headers().first(HeaderNames.create("x-mlflow-experiment-id"))
                    .orElse("0"), Need.UPDATE));
        } else if (path.equals(prefix + "/metrics")) {
            return Optional.of(new AdminOnly());
        } else if (path.startsWith("/api/2.0/mlflow-artifacts/") || path.startsWith(prefix
                + "/ajax-api/2.0/mlflow-artifacts/")) {
            return Optional.of(new OnProxiedPath(proxiedPath(path, query.first("path").orElse("")),
                    byMethod(method)));
        } else if (path.equals(prefix + "/get-artifact")) {
            return query.first("run_uuid").asOptional().or(() -> query.first("run_id").asOptional())
                    .flatMap(store::getRun).map(r -> new OnExperiment(r.info().experimentId(), Need.READ));
        } else if (path.equals(prefix + "/model-versions/get-artifact")) {
            return Optional.of(new OnModel(query.first("name").orElse(""), Need.READ));
        } else if (path.equals("/api/3.0/mlflow/traces/get") || path.equals(prefix + "/ajax-api/3.0/mlflow/traces/get")
                || path.equals(prefix + "/ajax-api/2.0/mlflow/get-trace-artifact")) {
            return query.first("trace_id").asOptional().or(() -> query.first("request_id").asOptional())
                    .flatMap(store.traces()::getTraceInfo).map(t -> new OnExperiment(t.experimentId(), Need.READ));
        } else if (path.startsWith(prefix + "/ajax-api/2.0/mlflow/logged-models/") && path.endsWith(
                "/artifacts/files")) {
            String id = path.substring((prefix + "/ajax-api/2.0/mlflow/logged-models/").length(),
                    path.length() - "/artifacts/files".length());
            return store.loggedModels().get(id, true).map(m -> new OnExperiment(m.experimentId(), Need.READ));
        }
        return Optional.empty();
    }

    /** The artifact path of a proxy request: in the URL, in the list call's query, or after a multipart upload id. */
    private static String proxiedPath(String path, String listPath) {
        String rest = path.substring(path.indexOf("/mlflow-artifacts/") + "/mlflow-artifacts/".length());
        String artifactPath;
        if (rest.startsWith("artifacts/")) {
            artifactPath = rest.substring("artifacts/".length());
        } else if (rest.equals("artifacts")) {
            artifactPath = listPath;
        } else if (rest.startsWith("mpu/")) {
            String[] parts = rest.split("/", 3);
            artifactPath = parts.length == 3 ? parts[2] : "";
        } else {
            artifactPath = "";
        }
        return java.net.URLDecoder.decode(artifactPath, StandardCharsets.UTF_8);
    }
}
