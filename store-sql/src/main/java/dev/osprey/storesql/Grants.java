package dev.osprey.storesql;

import dev.osprey.store.AuthStore.ResourceType;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Permission grants follow their resource inside the transaction that deletes or renames it. Grants are keyed by the
 * resource's id, and for registered models, prompts, scorers and workspaces that id is a name anyone may take again:
 * a grant left behind would hand its holder the next resource of that name.
 */
final class Grants {
    private Grants() {}

    /** The resource is gone: so are all grants on it. */
    static void forget(Connection c, ResourceType type, String resourceId) throws SQLException {
        Jdbc.update(c, "DELETE FROM auth_grants WHERE resource_type = ? AND resource_id = ?", type.name(),
                resourceId);
    }

    /** Every grant on the experiment's scorers ({@code <experiment id>/<name>}). */
    static void forgetScorersOf(Connection c, long experimentId) throws SQLException {
        Jdbc.update(c, "DELETE FROM auth_grants WHERE resource_type = ? AND resource_id LIKE ?",
                ResourceType.SCORER.name(), experimentId + "/%");
    }

    /** The resource has a new id (a renamed model): its grants go with it. */
    static void move(Connection c, ResourceType type, String from, String to) throws SQLException {
        Jdbc.update(c, "UPDATE auth_grants SET resource_id = ? WHERE resource_type = ? AND resource_id = ?", to,
                type.name(), from);
    }
}
