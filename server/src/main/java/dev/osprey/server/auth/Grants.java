package dev.osprey.server.auth;

import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What users may do on resources: {@link AuthService} when auth is on; {@link #OPEN} when it is off and the access
 * policy runs only to keep calls inside their workspace.
 */
public interface Grants {
    /**
     * What the user may do on each resource, by id.
     *
     * @param workspace the call's workspace (when workspaces are on): a user's permission in it applies to its
     *     resources that have no grant of their own
     */
    Map<String, Permission> effective(User user, ResourceType type, List<String> resourceIds,
            Optional<String> workspace);

    /** The user's own grants on these resources, by id (absent: none). */
    Map<String, String> explicitGrants(User user, ResourceType type, List<String> resourceIds);

    /** What the user may do in a workspace on resources without a grant of their own. */
    Permission inWorkspace(User user, Optional<String> workspace);

    /** The creator of a resource manages it. */
    void grantCreator(User user, ResourceType type, String resourceId);

    /**
     * Cached grants are stale: a grant changed, or a resource with grants was deleted or renamed (its grants went
     * with it in the store, and a new resource may take its name).
     */
    default void grantsChanged() {
    }

    default void require(User user, ResourceType type, String resourceId, Permission.Need need,
            Optional<String> workspace) {
        if (!effective(user, type, List.of(resourceId), workspace).get(resourceId).allows(need)) {
            throw AuthService.denied();
        }
    }

    /** The one user of a server without auth. */
    User ANONYMOUS = new User(0, "anonymous", "", true);

    /** No auth: everyone manages everything. */
    Grants OPEN = new Grants() {
        @Override
        public Map<String, Permission> effective(User user, ResourceType type, List<String> resourceIds,
                Optional<String> workspace) {
            Map<String, Permission> out = new java.util.HashMap<>();
            resourceIds.forEach(id -> out.put(id, Permission.MANAGE));
            return out;
        }

        @Override
        public Map<String, String> explicitGrants(User user, ResourceType type, List<String> resourceIds) {
            return Map.of();
        }

        @Override
        public Permission inWorkspace(User user, Optional<String> workspace) {
            return Permission.MANAGE;
        }

        @Override
        public void grantCreator(User user, ResourceType type, String resourceId) {}
    };
}
