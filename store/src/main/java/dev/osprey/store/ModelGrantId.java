package dev.osprey.store;

import java.util.Objects;

/**
 * The resource id a permission grant on a registered model is stored under. Model names are unique per workspace, so
 * the id names the workspace too: the plain name in the default workspace (grants from before workspaces keep
 * their meaning), {@code workspace:name} elsewhere. Workspace names never hold a colon, so the form is unambiguous;
 * a name in the default workspace that holds one (MLflow refuses them now; older servers took them) is written
 * {@code default:name}, which migration V19 applied to grants stored earlier.
 */
public record ModelGrantId(String workspace, String name) {
    public ModelGrantId {
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(name, "name");
    }

    /** The stored form. */
    public String id() {
        return workspace.equals(WorkspaceStore.DEFAULT) && name.indexOf(':') < 0 ? name : workspace + ":" + name;
    }

    public static String of(String workspace, String name) {
        return new ModelGrantId(workspace, name).id();
    }

    /** The workspace and name a stored id stands for. */
    public static ModelGrantId parse(String id) {
        int colon = id.indexOf(':');
        return colon < 0 ? new ModelGrantId(WorkspaceStore.DEFAULT, id)
                : new ModelGrantId(id.substring(0, colon), id.substring(colon + 1));
    }
}
