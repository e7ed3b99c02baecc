package dev.osprey.server.workspaces;

import dev.osprey.core.OspreyException;
import dev.osprey.store.WorkspaceStore.Kind;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps a call inside its workspace: a resource of another workspace is answered exactly as one that does not
 * exist, searches see only the call's workspace, and what a call creates lands in it.
 */
public interface WorkspaceScope {
    /**
     * Throws {@code notFound} (the handler's own wording for a missing resource) when the resource exists in
     * another workspace than the call's; a resource that does not exist is left to the handler.
     */
    void require(Optional<String> workspace, Kind kind, String id, Supplier<OspreyException> notFound);

    /** The ids among these that are in the workspace, in order. */
    List<String> keep(Optional<String> workspace, Kind kind, List<String> ids);

    /** Moves a just-created resource into the call's workspace. */
    void assign(Optional<String> workspace, Kind kind, String id);

    /**
     * Resources not kept per workspace (datasets, webhooks, gateway budgets and usage) belong to the default
     * workspace: calls from any other answer as if there were none.
     */
    void requireDefault(Optional<String> workspace, Supplier<OspreyException> notFound);

    /** Which workspace and experiment paths under the artifact proxy belong to (the workspaces' roots as now). */
    ProxiedPaths proxiedPaths();

    /** Workspaces off: everything is in scope. */
    WorkspaceScope NONE = new WorkspaceScope() {
        @Override
        public void require(Optional<String> workspace, Kind kind, String id, Supplier<OspreyException> notFound) {}

        @Override
        public List<String> keep(Optional<String> workspace, Kind kind, List<String> ids) {
            return ids;
        }

        @Override
        public void assign(Optional<String> workspace, Kind kind, String id) {}

        @Override
        public void requireDefault(Optional<String> workspace, Supplier<OspreyException> notFound) {}

        @Override
        public ProxiedPaths proxiedPaths() {
            return ProxiedPaths.PLAIN;
        }
    };
}
