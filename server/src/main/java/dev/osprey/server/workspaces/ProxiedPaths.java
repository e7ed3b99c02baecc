package dev.osprey.server.workspaces;

import java.util.Optional;

/**
 * What a path under the artifact proxy's root belongs to. Experiments keep their files under
 * {@code <experiment id>/...} (runs, traces and logged models included); experiments of a workspace other than the
 * default one under {@code workspaces/<workspace>/<experiment id>/...} (MLflow's layout).
 */
public final class ProxiedPaths {
    private static final String PREFIX = "workspaces/";

    private ProxiedPaths() {}

    /** The experiment whose folder holds the path, if the path is inside one. */
    public static Optional<String> experimentOf(String path) {
        String rest = stripWorkspace(path);
        String first = rest.split("/", 2)[0];
        return first.matches("[0-9]{1,18}") ? Optional.of(first) : Optional.empty();
    }

    /** The workspace folder the path is in: a named one, else the default workspace. */
    public static String workspaceOf(String path) {
        if (!path.startsWith(PREFIX)) {
            return dev.osprey.store.WorkspaceStore.DEFAULT;
        }
        return path.substring(PREFIX.length()).split("/", 2)[0];
    }

    private static String stripWorkspace(String path) {
        if (!path.startsWith(PREFIX)) {
            return path;
        }
        String[] parts = path.substring(PREFIX.length()).split("/", 2);
        return parts.length == 2 ? parts[1] : "";
    }
}
