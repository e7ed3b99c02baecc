package dev.osprey.server.workspaces;

import dev.osprey.store.WorkspaceStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a path under the artifact proxy's root belongs to. Experiments keep their files under
 * {@code <experiment id>/...} (runs, traces and logged models included); experiments of a workspace other than the
 * default one under {@code workspaces/<workspace>/<experiment id>/...} (MLflow's layout), or under the workspace's own
 * root when it set one under the proxy ({@code mlflow-artifacts:/<root>} gives {@code <root>/<experiment id>/...}).
 * Workspace roots never overlap ({@link WorkspaceTrees#requireRoot}), so a path has one owner.
 *
 * @param customRoots each workspace with a root under the proxy, with that root's path segments
 */
public record ProxiedPaths(Map<String, List<String>> customRoots) {
    private static final String FOLDER = "workspaces";

    /** Without custom roots (workspaces off, or none set). */
    public static final ProxiedPaths PLAIN = new ProxiedPaths(Map.of());

    public ProxiedPaths {
        customRoots = Map.copyOf(customRoots);
    }

    /** The owner of a path: its workspace and how many leading segments are that workspace's root. */
    private record Owner(String workspace, int rootSegments) {}

    private Owner ownerOf(List<String> segments) {
        Owner best = null;
        for (Map.Entry<String, List<String>> root : customRoots.entrySet()) {
            List<String> prefix = root.getValue();
            if (!prefix.isEmpty() && segments.size() >= prefix.size()
                    && segments.subList(0, prefix.size()).equals(prefix)
                    && (best == null || prefix.size() > best.rootSegments())) {
                best = new Owner(root.getKey(), prefix.size());
            }
        }
        if (best != null) {
            return best;
        }
        if (segments.size() >= 2 && segments.get(0).equals(FOLDER)) {
            return new Owner(segments.get(1), 2);
        }
        return new Owner(WorkspaceStore.DEFAULT, 0);
    }

    private static List<String> segments(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    /** The experiment whose folder holds the path, if the path is inside one. */
    public Optional<String> experimentOf(String path) {
        List<String> segments = segments(path);
        Owner owner = ownerOf(segments);
        if (segments.size() <= owner.rootSegments()) {
            return Optional.empty();
        }
        String first = segments.get(owner.rootSegments());
        return first.matches("[0-9]{1,18}") ? Optional.of(first) : Optional.empty();
    }

    /** The workspace whose tree the path is in (the default workspace's when no other's). */
    public String workspaceOf(String path) {
        return ownerOf(segments(path)).workspace();
    }
}
