package dev.osprey.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Users and their per-resource permission grants (basic auth). Passwords arrive already hashed; permissions are
 * stored by name ({@code READ}, {@code USE}, {@code EDIT}, {@code MANAGE}, {@code NO_PERMISSIONS}) and interpreted by
 * the server.
 */
public interface AuthStore {
    /** What a grant is on. Ids: experiment id, registered model name, "experimentId/scorerName", gateway ids. */
    enum ResourceType {
        EXPERIMENT, REGISTERED_MODEL, SCORER, GATEWAY_ENDPOINT, GATEWAY_SECRET, GATEWAY_MODEL_DEFINITION, WORKSPACE,
        DATASET,
        WEBHOOK
    }

    record User(long id, String username, String passwordHash, boolean admin) {
        public User {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(passwordHash, "passwordHash");
        }

        @Override
        public String toString() {
            return "User[id=" + id + ", username=" + username + ", admin=" + admin + "]"; // never the hash
        }
    }

    record Grant(ResourceType type, String resourceId, long userId, String permission) {
        public Grant {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(resourceId, "resourceId");
            Objects.requireNonNull(permission, "permission");
        }
    }

    /** An API token: only a SHA-256 of its secret is stored; revoked or expired tokens authenticate nobody. */
    record Token(long id, long userId, String name, String secretHash, long createdAt, long expiresAt,
            Optional<Long> revokedAt) {
        public Token {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(secretHash, "secretHash");
            Objects.requireNonNull(revokedAt, "revokedAt");
        }

        public boolean validAt(long now) {
            return revokedAt.isEmpty() && now < expiresAt;
        }

        @Override
        public String toString() {
            return "Token[id=" + id + ", userId=" + userId + ", name=" + name + "]"; // never the hash
        }
    }

    /** One audit record: who did what to which target, when. */
    record AuditEvent(long id, long atMs, String actor, String action, String target, String detail) {
        public AuditEvent {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** A page of audit events, newest first; {@code nextBefore} is the id to continue below. */
    record AuditPage(List<AuditEvent> events, Optional<Long> nextBefore) {}

    /** @throws dev.osprey.core.OspreyException RESOURCE_ALREADY_EXISTS for a taken username */
    User createUser(String username, String passwordHash, boolean admin);

    Optional<User> user(String username);

    Optional<User> userById(long id);

    List<User> users();

    /** @throws dev.osprey.core.OspreyException RESOURCE_DOES_NOT_EXIST for an unknown user */
    void updatePassword(String username, String passwordHash);

    /** @throws dev.osprey.core.OspreyException RESOURCE_DOES_NOT_EXIST for an unknown user */
    void updateAdmin(String username, boolean admin);

    /** Deletes the user and every grant it holds. RESOURCE_DOES_NOT_EXIST for an unknown user. */
    void deleteUser(String username);

    /** @throws dev.osprey.core.OspreyException RESOURCE_ALREADY_EXISTS when the user already has a grant there */
    void createGrant(Grant grant);

    Optional<Grant> grant(ResourceType type, String resourceId, long userId);

    /** @throws dev.osprey.core.OspreyException RESOURCE_DOES_NOT_EXIST when there is no such grant */
    void updateGrant(Grant grant);

    /** @throws dev.osprey.core.OspreyException RESOURCE_DOES_NOT_EXIST when there is no such grant */
    void deleteGrant(ResourceType type, String resourceId, long userId);

    List<Grant> grants(long userId);

    /** The user's grants on the given resources of one type, by resource id (absent: no explicit grant). */
    Map<String, String> grants(ResourceType type, long userId, Collection<String> resourceIds);

    /** Stores a new token (its id is assigned); the secret hash must be unique. */
    Token createToken(long userId, String name, String secretHash, long createdAt, long expiresAt);

    Optional<Token> tokenBySecretHash(String secretHash);

    List<Token> tokens(long userId);

    /** Marks the user's token revoked. RESOURCE_DOES_NOT_EXIST when the user has no such token. */
    void revokeToken(long userId, long tokenId, long at);

    void audit(long atMs, String actor, String action, String target, String detail);

    /** Newest first, ids below {@code before} (empty: from the newest), optionally only one actor or action. */
    AuditPage auditEvents(Optional<Long> before, int max, Optional<String> actor, Optional<String> action);
}
