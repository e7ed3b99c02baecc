package dev.osprey.server;

import static dev.osprey.server.api.RawRoute.any;
import static dev.osprey.server.api.RawRoute.get;
import static dev.osprey.server.api.RawRoute.post;

import dev.osprey.gateway.Gateway;
import dev.osprey.server.api.RawRoute;
import dev.osprey.server.api.RawRoutes;
import dev.osprey.server.artifacts.ArtifactProxyHandler;
import dev.osprey.server.artifacts.GetArtifactHandler;
import dev.osprey.server.artifacts.LoggedModelFileHandler;
import dev.osprey.server.artifacts.ModelVersionArtifactHandler;
import dev.osprey.server.artifacts.UploadArtifactHandler;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.server.auth.Access;
import dev.osprey.server.auth.BrowserLogin;
import dev.osprey.server.auth.RouteResources;
import dev.osprey.server.gateway.GatewayHandler;
import dev.osprey.server.graphql.GraphqlHandler;
import dev.osprey.server.traces.OtlpHandler;
import dev.osprey.server.traces.TraceDownloadHandler;
import dev.osprey.server.ui.UiHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every route that is not an API endpoint, in the order Helidon tries them, each with what it asks of its caller.
 * The API router takes what none of them serves.
 */
final class RawRouteTable {
    private RawRouteTable() {}

    /** The handlers the table routes to. */
    record Parts(ServerConfig config, RouteResources resources, Optional<BrowserLogin> login, OtlpHandler otlp,
            GatewayHandler gateway, Gateway gatewayCore, TraceDownloadHandler traceDownload, boolean workspaces,
            GetArtifactHandler runArtifact, ModelVersionArtifactHandler modelVersionArtifact,
            LoggedModelFileHandler loggedModelFile, UploadArtifactHandler uploadArtifact,
            ArtifactProxyHandler artifactProxy, GraphqlHandler graphql) {}

    static RawRoutes of(Parts p) {
        String prefix = p.config().staticPrefix();
        RouteResources resources = p.resources();
        List<RawRoute> routes = new ArrayList<>();
        p.login().ifPresent(login -> routes.addAll(List.of(
                get(prefix + "/auth/login", login::login).requires(Access.open("OIDC sign-in")),
                get(prefix + "/auth/callback", login::callback).requires(Access.open("OIDC sign-in")),
                post(prefix + "/auth/logout", login::logout).requires(Access.open("sign-out")))));
        routes.addAll(List.of(
                // OTLP exporters post to <tracking uri>/v1/traces: the root, whatever the static prefix.
                post("/v1/traces", p.otlp()).requires(RouteResources.otlpExperiment())));
        // The gateway's invocation routes: the endpoint is named in the body or the path, so the handler checks USE.
        p.gateway().routes().forEach(route -> routes.add(route.requires(Access.login("USE on the gateway endpoint "
                + "named, checked by the gateway handler"))));
        routes.addAll(List.of(
                get(prefix + "/metrics", (req, res) -> plain(res, p.gatewayCore().metrics().prometheus(
                        p.gatewayCore().usage().dropped()), "text/plain; version=0.0.4; charset=utf-8"))
                        .requires(RouteResources.adminOnly()),
                get("/api/3.0/mlflow/traces/get", p.traceDownload()).requires(resources.traceInQuery()),
                get(prefix + "/ajax-api/3.0/mlflow/traces/get", p.traceDownload())
                        .requires(resources.traceInQuery()),
                get(prefix + "/ajax-api/2.0/mlflow/get-trace-artifact", p.traceDownload()::traceArtifact)
                        .requires(resources.traceInQuery()),
                get(prefix + "/ajax-api/3.0/mlflow/get-trace-artifact", p.traceDownload()::traceArtifact)
                        .requires(resources.traceInQuery()),
                get(prefix + "/health", (req, res) -> plain(res, "OK")).requires(Access.open("probe"))));
        if (!p.workspaces()) {
            for (String base : List.of("/api/3.0/mlflow/workspaces", prefix + "/ajax-api/3.0/mlflow/workspaces")) {
                routes.add(any(base, RawRouteTable::workspacesOff).requires(Access.login("503: workspaces off")));
                routes.add(any(base + "/*", RawRouteTable::workspacesOff)
                        .requires(Access.login("503: workspaces off")));
            }
        }
        String loggedModels = prefix + "/ajax-api/2.0/mlflow/logged-models/";
        routes.addAll(List.of(
                get(prefix + "/version", (req, res) -> plain(res, OspreyServer.MLFLOW_COMPATIBLE_VERSION))
                        .requires(Access.open("probe")),
                get(prefix + "/get-artifact", p.runArtifact()).requires(resources.runInQuery()),
                // Each GraphQL field runs its REST endpoint in process, through that endpoint's own requirement.
                post(prefix + "/graphql", p.graphql()).requires(Access.login("each field as its API endpoint")),
                get(prefix + "/graphql", p.graphql()).requires(Access.login("each field as its API endpoint")),
                post(prefix + "/ajax-api/2.0/mlflow/upload-artifact", p.uploadArtifact())
                        .requires(resources.runInQuery(Need.UPDATE)),
                get(prefix + "/model-versions/get-artifact", p.modelVersionArtifact())
                        .requires(RouteResources.modelInQuery()),
                get(loggedModels + "{model_id}/artifacts/files", p.loggedModelFile())
                        .requires(resources.loggedModelInPath(loggedModels, "/artifacts/files")),
                any("/api/2.0/mlflow-artifacts/*", p.artifactProxy()).requires(RouteResources.proxiedPath()),
                any(prefix + "/ajax-api/2.0/mlflow-artifacts/*", p.artifactProxy())
                        .requires(RouteResources.proxiedPath()),
                // Pages; the handler passes API paths on to the API router.
                get("/*", new UiHandler("web", prefix, p.config().security().xFrameOptions()))
                        .requires(Access.login("web UI pages"))));
        return new RawRoutes(routes);
    }

    /** Workspace routes while workspaces are off: 503 in plain text (spec/genai.md §8). */
    private static void workspacesOff(ServerRequest req, ServerResponse res) {
        res.status(Status.SERVICE_UNAVAILABLE_503);
        plain(res, "Workspaces are not enabled on this server. Start it with --enable-workspaces (or "
                + "MLFLOW_ENABLE_WORKSPACES=true) to use them.");
    }

    static void plain(ServerResponse res, String text) {
        plain(res, text, "text/plain; charset=utf-8");
    }

    private static void plain(ServerResponse res, String text, String contentType) {
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(text);
    }
}
