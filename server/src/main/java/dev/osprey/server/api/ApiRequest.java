package dev.osprey.server.api;

import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Message;
import dev.osprey.store.WorkspaceStore.Workspace;
import java.util.Map;
import java.util.Optional;

/**
 * A decoded API call: its fields (from the JSON body or the query string), the values of the route's
 * {@code {placeholders}} (percent-decoded), the raw body size and, when workspaces are on, the workspace the call
 * is made in (its {@code X-MLFLOW-WORKSPACE} header, else the default workspace).
 */
public record ApiRequest(String method, String path, Message message, long bodySize, Map<String, String> pathParams,
        Optional<Workspace> workspace) {
    public ApiRequest {
        pathParams = Map.copyOf(pathParams);
        java.util.Objects.requireNonNull(workspace, "workspace");
    }

    public ApiRequest(String method, String path, Message message, long bodySize) {
        this(method, path, message, bodySize, Map.of(), Optional.empty());
    }

    /** The name of the call's workspace, when workspaces are on. */
    public Optional<String> workspaceName() {
        return workspace.map(Workspace::name);
    }

    /** The same call made in a workspace. */
    public ApiRequest inWorkspace(Optional<Workspace> ws) {
        return new ApiRequest(method, path, message, bodySize, pathParams, ws);
    }

    /** The value of a {@code {name}} segment of the route. */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new OspreyException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, "Route has no {" + name + "}");
        }
        return value;
    }

    /** The same call with other fields (an authorization rule narrowing or paging a search). */
    public ApiRequest withMessage(Message other) {
        return new ApiRequest(method, path, other, bodySize, pathParams, workspace);
    }

    ApiRequest withPathParams(Map<String, String> params) {
        return new ApiRequest(method, path, message, bodySize, params, workspace);
    }
}
