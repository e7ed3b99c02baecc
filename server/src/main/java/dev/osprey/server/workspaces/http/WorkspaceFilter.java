package dev.osprey.server.workspaces.http;

import dev.osprey.server.workspaces.ProxiedPaths;
import dev.osprey.server.workspaces.Workspaces;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.auth.Permission;
import dev.osprey.server.auth.RouteResources;
import dev.osprey.store.AuthStore.User;
import dev.osprey.store.WorkspaceStore.Kind;
import dev.osprey.store.WorkspaceStore.Workspace;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;

/**
 * Puts every request in its workspace (after authentication, so an anonymous caller learns nothing about which
 * workspaces exist). Workspaces on: the {@code X-MLFLOW-WORKSPACE} header names it (absent: the default one); an
 * unknown workspace, or one the user has no permission in, is RESOURCE_DOES_NOT_EXIST; routes that are not API
 * endpoints (artifact proxy and downloads, OTLP) are kept to the workspace here, API endpoints by the access
 * policy. Workspaces off: a request naming one is refused, as MLflow does, rather than served from all data.
 */
public final class WorkspaceFilter implements Filter {
    private final Optional<Workspaces> workspaces;
    private final Optional<AuthService> auth;
    private final dev.osprey.server.auth.RouteTouches routes;
    private final java.util.Set<String> exactExempt;
    private final java.util.List<String> exemptPrefixes;

    /** @param workspaces empty when workspaces are off */
    public WorkspaceFilter(Optional<Workspaces> workspaces, Optional<AuthService> auth,
            dev.osprey.server.auth.RouteTouches routes, String prefix) {
        this.workspaces = workspaces;
        this.auth = auth;
        this.routes = routes;
        this.exactExempt = java.util.Set.of("/api/3.0/mlflow/workspaces", prefix + "/ajax-api/3.0/mlflow/workspaces",
                "/api/3.0/mlflow/server-info", prefix + "/ajax-api/3.0/mlflow/server-info", prefix + "/health",
                prefix + "/version");
        this.exemptPrefixes = java.util.List.of("/api/3.0/mlflow/workspaces/",
                prefix + "/ajax-api/3.0/mlflow/workspaces/", prefix + "/auth/");
    }

    /** Routes outside any workspace: probes, login, server info and the workspace API itself. */
    private boolean exempt(String path) {
        return exactExempt.contains(path) || exemptPrefixes.stream().anyMatch(path::startsWith);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (exempt(path)) {
            chain.proceed();
            return;
        }
        Optional<String> header = req.headers().first(Workspaces.HEADER).filter(h -> !h.isBlank());
        // A refusal below is thrown: Failures answers it and the chain does not go on.
        if (workspaces.isEmpty()) {
            if (header.isPresent()) {
                throw OspreyException.invalid("Workspaces are not enabled on this server: remove the "
                        + Workspaces.HEADER.defaultCase() + " header, or start the server with "
                        + "--enable-workspaces.");
            }
            chain.proceed();
            return;
        }
        Workspace ws = workspaces.get().resolve(header);
        Optional<User> user = req.context().get(User.class);
        if (auth.isPresent() && user.isPresent() && !mayEnter(auth.get(), user.get(), ws.name())) {
            throw Workspaces.notFound(ws.name()); // the same answer as for a workspace that does not exist
        }
        req.context().register(ws);
        routes.of(req).ifPresent(touch -> keepInWorkspace(touch, ws.name()));
        chain.proceed();
    }

    /**
     * Everyone enters the default workspace (what they may do there is as without workspaces: grants, else the
     * default permission); another one only with a permission in it.
     */
    public static boolean mayEnter(AuthService auth, User user, String workspace) {
        return workspace.equals(dev.osprey.store.WorkspaceStore.DEFAULT)
                || auth.inWorkspace(user, Optional.of(workspace)) != Permission.NO_PERMISSIONS;
    }

    private void keepInWorkspace(RouteResources.Touch touch, String ws) {
        Workspaces scope = workspaces.orElseThrow();
        Optional<String> in = Optional.of(ws);
        switch (touch) {
            case RouteResources.OnExperiment e -> scope.require(in, Kind.EXPERIMENT, e.experimentId(),
                    AccessPolicy.noExperiment(e.experimentId()));
            // Model names resolve in the call's workspace (RegistryService.in): another workspace's is not seen.
            case RouteResources.OnModel m -> { }
            case RouteResources.OnProxiedPath p -> {
                ProxiedPaths paths = scope.proxiedPaths();
                if (!paths.workspaceOf(p.path()).equals(ws)) {
                    throw new OspreyException(ErrorCode.RESOURCE_DOES_NOT_EXIST, "No artifact at '" + p.path()
                            + "' in workspace '" + ws + "'.");
                }
                paths.experimentOf(p.path()).ifPresent(id -> scope.require(in, Kind.EXPERIMENT, id,
                        () -> new OspreyException(ErrorCode.RESOURCE_DOES_NOT_EXIST, "No artifact at '" + p.path()
                                + "' in workspace '" + ws + "'.")));
            }
            case RouteResources.AdminOnly a -> { }
        }
    }
}
