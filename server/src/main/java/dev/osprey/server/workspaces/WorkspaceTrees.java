package dev.osprey.server.workspaces;

import dev.osprey.core.OspreyException;
import dev.osprey.server.locations.LocationRules;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.store.WorkspaceStore.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where each workspace keeps its experiments' files: its own {@code default_artifact_root}, else
 * {@code <server root>/workspaces/<name>} (MLflow's layout); the default workspace keeps the server root, where all
 * experiments from before workspaces are. Trees never overlap, so a location names at most one workspace.
 *
 * @param serverRoot the server's default artifact root
 */
public record WorkspaceTrees(String serverRoot) {
    private static final String FOLDER = "workspaces";

    public String tree(Workspace w) {
        return w.name().equals(WorkspaceStore.DEFAULT) ? serverRoot : w.defaultArtifactRoot()
                .orElseGet(() -> defaultTree(w.name()));
    }

    private String defaultTree(String name) {
        return join(serverRoot, FOLDER + "/" + name);
    }

    /** The trees of every other workspace, and the whole {@code workspaces/} folder for names not yet taken. */
    public List<String> otherTrees(Workspace caller, List<Workspace> all) {
        List<String> others = new ArrayList<>(all.stream().filter(w -> !w.name().equals(caller.name()))
                .map(this::tree).toList());
        if (caller.name().equals(WorkspaceStore.DEFAULT)) {
            others.add(join(serverRoot, FOLDER));
        }
        return others;
    }

    /**
     * Refuses a root for workspace {@code name} that would share files with another workspace: one holding the
     * server root, one inside or around another workspace's tree, or one inside the default workspace's own
     * folders under the server root (its experiments' {@code <id>/} folders and other workspaces' {@code workspaces/}).
     */
    public void requireRoot(String name, String root, List<Workspace> all) {
        if (LocationRules.segmentsUnder(serverRoot, root).isPresent()) {
            throw refused(root, "it holds the server's artifact root '" + serverRoot + "', and with it every other "
                    + "workspace's files");
        }
        for (Workspace other : all) {
            if (other.name().equals(name) || other.name().equals(WorkspaceStore.DEFAULT)) {
                continue;
            }
            String tree = tree(other);
            if (LocationRules.segmentsUnder(root, tree).isPresent() || LocationRules.segmentsUnder(tree, root)
                    .isPresent()) {
                throw refused(root, "it overlaps workspace '" + other.name() + "''s artifact root '" + tree + "'");
            }
        }
        Optional<List<String>> underServer = LocationRules.segmentsUnder(root, serverRoot);
        if (underServer.isPresent()) {
            String first = underServer.get().get(0);
            if (first.matches("[0-9]+")) {
                throw refused(root, "'" + first + "/' under the server's artifact root is the default workspace's "
                        + "experiment " + first);
            }
            if (first.equals(FOLDER) && (underServer.get().size() < 2 || !underServer.get().get(1).equals(name))) {
                throw refused(root, "'" + FOLDER + "/' under the server's artifact root holds the workspaces' own "
                        + "folders; this one's is '" + defaultTree(name) + "'");
            }
        }
    }

    private static OspreyException refused(String root, String why) {
        return OspreyException.invalid("Invalid default_artifact_root '" + root + "': " + why + ". Choose a "
                + "location no other workspace uses (a folder of its own, or leave it out for the server's layout).");
    }

    private static String join(String root, String child) {
        return root.endsWith("/") ? root + child : root + "/" + child;
    }
}
