package dev.osprey.server;

import dev.osprey.protocol.Json;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Access;

/**
 * {@code GET /api/3.0/mlflow/server-info}: what MLflow's clients probe before using a feature. The Python client
 * refuses to send an active workspace to a server that does not answer {@code workspaces_enabled: true} here.
 */
final class ServerInfo {
    private ServerInfo() {}

    static Endpoint endpoint(boolean workspacesEnabled) {
        return new Endpoint("GET", "/mlflow/server-info", 3, r -> Json.object().put("store_type", "SqlStore")
                .put("workspaces_enabled", workspacesEnabled)).requires(Access.authenticated());
    }
}
