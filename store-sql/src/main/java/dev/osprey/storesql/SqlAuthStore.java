package dev.osprey.storesql;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.store.AuthStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link AuthStore} in the tracking store's database (migrations V14: auth_users, auth_grants; V15: auth_tokens,
 * auth_audit).
 */
final class SqlAuthStore implements AuthStore {
    private static final String USER = "SELECT id, username, password_hash, is_admin FROM auth_users ";
    /** Bulk permission lookups bind at most this many ids per statement. */
    private static final int IN_CHUNK = 500;
    private final Database db;

    SqlAuthStore(Database db) {
        this.db = db;
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0);
    }

    private static Grant grant(ResultSet rs) throws SQLException {
        return new Grant(ResourceType.valueOf(rs.getString(1)), rs.getString(2), rs.getLong(3), rs.getString(4));
    }

    private static OspreyException noUser(String username) {
        return OspreyException.notFound("User with username=" + username + " not found");
    }

    @Override
    public User createUser(String username, String passwordHash, boolean admin) {
        try {
            return db.write(c -> {
                Jdbc.update(c, "INSERT INTO auth_users (username, password_hash, is_admin) VALUES (?, ?, ?)",
                        username, passwordHash, admin ? 1 : 0);
                return Jdbc.one(c, USER + "WHERE username = ?", SqlAuthStore::user, username).orElseThrow();
            });
        } catch (ServerFailure e) {
            if (e.getCause() instanceof SQLException sql && db.dialect().isUniqueViolation(sql)) {
                throw new OspreyException(ErrorCode.RESOURCE_ALREADY_EXISTS, "User '" + username
                        + "' already exists.");
            }
            throw e;
        }
    }

    @Override
    public Optional<User> user(String username) {
        return db.read(c -> Jdbc.one(c, USER + "WHERE username = ?", SqlAuthStore::user, username));
    }

    @Override
    public Optional<User> userById(long id) {
        return db.read(c -> Jdbc.one(c, USER + "WHERE id = ?", SqlAuthStore::user, id));
    }

    @Override
    public List<User> users() {
        return db.read(c -> Jdbc.list(c, USER + "ORDER BY username", SqlAuthStore::user));
    }

    @Override
    public void updatePassword(String username, String passwordHash) {
        db.write(c -> {
            if (Jdbc.update(c, "UPDATE auth_users SET password_hash = ? WHERE username = ?", passwordHash,
                    username) == 0) {
                throw noUser(username);
            }
            return null;
        });
    }

    @Override
    public void updateAdmin(String username, boolean admin) {
        db.write(c -> {
            if (Jdbc.one(c, USER + "WHERE username = ?", SqlAuthStore::user, username).isEmpty()) {
                throw noUser(username);
            }
            Jdbc.update(c, "UPDATE auth_users SET is_admin = ? WHERE username = ?", admin ? 1 : 0, username);
            return null;
        });
    }

    @Override
    public void deleteUser(String username) {
        db.write(c -> {
            User u = Jdbc.one(c, USER + "WHERE username = ?", SqlAuthStore::user, username)
                    .orElseThrow(() -> noUser(username));
            Jdbc.update(c, "DELETE FROM auth_grants WHERE user_id = ?", u.id());
            Jdbc.update(c, "DELETE FROM auth_tokens WHERE user_id = ?", u.id());
            Jdbc.update(c, "DELETE FROM auth_users WHERE id = ?", u.id());
            return null;
        });
    }

    @Override
    public void createGrant(Grant g) {
        try {
            db.write(c -> Jdbc.update(c, "INSERT INTO auth_grants (resource_type, resource_id, user_id, permission) "
                    + "VALUES (?, ?, ?, ?)", g.type().name(), g.resourceId(), g.userId(), g.permission()));
        } catch (ServerFailure e) {
            if (e.getCause() instanceof SQLException sql && db.dialect().isUniqueViolation(sql)) {
                throw new OspreyException(ErrorCode.RESOURCE_ALREADY_EXISTS, "A permission on " + describe(g.type(),
                        g.resourceId()) + " already exists for this user.");
            }
            throw e;
        }
    }

    private static String describe(ResourceType type, String id) {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " '" + id + "'";
    }

    @Override
    public Optional<Grant> grant(ResourceType type, String resourceId, long userId) {
        return db.read(c -> Jdbc.one(c, "SELECT resource_type, resource_id, user_id, permission FROM auth_grants "
                + "WHERE resource_type = ? AND resource_id = ? AND user_id = ?", SqlAuthStore::grant, type.name(),
                resourceId, userId));
    }

    @Override
    public void updateGrant(Grant g) {
        db.write(c -> {
            if (Jdbc.update(c, "UPDATE auth_grants SET permission = ? WHERE resource_type = ? AND resource_id = ? "
                    + "AND user_id = ?", g.permission(), g.type().name(), g.resourceId(), g.userId()) == 0) {
                throw OspreyException.notFound("No permission on " + describe(g.type(), g.resourceId())
                        + " for this user.");
            }
            return null;
        });
    }

    @Override
    public void deleteGrant(ResourceType type, String resourceId, long userId) {
        db.write(c -> {
            if (Jdbc.update(c, "DELETE FROM auth_grants WHERE resource_type = ? AND resource_id = ? AND user_id = ?",
                    type.name(), resourceId, userId) == 0) {
                throw OspreyException.notFound("No permission on " + describe(type, resourceId)
                        + " for this user.");
            }
            return null;
        });
    }

    @Override
    public List<Grant> grants(long userId) {
        return db.read(c -> Jdbc.list(c, "SELECT resource_type, resource_id, user_id, permission FROM auth_grants "
                + "WHERE user_id = ? ORDER BY resource_type, resource_id", SqlAuthStore::grant, userId));
    }

    @Override
    public Map<String, String> grants(ResourceType type, long userId, Collection<String> resourceIds) {
        List<String> ids = new ArrayList<>(resourceIds);
        Map<String, String> out = new HashMap<>();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            List<Object> args = new ArrayList<>(List.of(type.name(), userId));
            args.addAll(chunk);
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            db.read(c -> Jdbc.list(c, "SELECT resource_type, resource_id, user_id, permission FROM auth_grants WHERE "
                    + "resource_type = ? AND user_id = ? AND resource_id IN (" + marks + ")", SqlAuthStore::grant,
                    args.toArray())).forEach(g -> out.put(g.resourceId(), g.permission()));
        }
        return out;
    }

    private static final String TOKEN = "SELECT id, user_id, name, secret_hash, created_at, expires_at, revoked_at "
            + "FROM auth_tokens ";

    private static Token token(ResultSet rs) throws SQLException {
        long revoked = rs.getLong(7);
        Optional<Long> revokedAt = rs.wasNull() ? Optional.empty() : Optional.of(revoked); // before any other read
        return new Token(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getLong(6), revokedAt);
    }

    @Override
    public Token createToken(long userId, String name, String secretHash, long createdAt, long expiresAt) {
        return db.write(c -> {
            Jdbc.update(c, "INSERT INTO auth_tokens (user_id, name, secret_hash, created_at, expires_at) VALUES "
                    + "(?, ?, ?, ?, ?)", userId, name, secretHash, createdAt, expiresAt);
            return Jdbc.one(c, TOKEN + "WHERE secret_hash = ?", SqlAuthStore::token, secretHash).orElseThrow();
        });
    }

    @Override
    public Optional<Token> tokenBySecretHash(String secretHash) {
        return db.read(c -> Jdbc.one(c, TOKEN + "WHERE secret_hash = ?", SqlAuthStore::token, secretHash));
    }

    @Override
    public List<Token> tokens(long userId) {
        return db.read(c -> Jdbc.list(c, TOKEN + "WHERE user_id = ? ORDER BY id", SqlAuthStore::token, userId));
    }

    @Override
    public void revokeToken(long userId, long tokenId, long at) {
        db.write(c -> {
            if (Jdbc.update(c, "UPDATE auth_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND "
                    + "user_id = ?", at, tokenId, userId) == 0) {
                throw OspreyException.notFound("Token " + tokenId + " not found.");
            }
            return null;
        });
    }

    @Override
    public void audit(long atMs, String actor, String action, String target, String detail) {
        db.write(c -> Jdbc.update(c, "INSERT INTO auth_audit (at_ms, actor, action, target, detail) VALUES "
                + "(?, ?, ?, ?, ?)", atMs, cut(actor, 255), cut(action, 64), cut(target, 512), cut(detail, 1024)));
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    @Override
    public AuditPage auditEvents(Optional<Long> before, int max, Optional<String> actor, Optional<String> action) {
        StringBuilder sql = new StringBuilder("SELECT id, at_ms, actor, action, target, detail FROM auth_audit "
                + "WHERE id < ?");
        List<Object> args = new ArrayList<>(List.of(before.orElse(Long.MAX_VALUE)));
        actor.ifPresent(a -> {
            sql.append(" AND actor = ?");
            args.add(a);
        });
        action.ifPresent(a -> {
            sql.append(" AND action = ?");
            args.add(a);
        });
        sql.append(" ORDER BY id DESC LIMIT ").append(max + 1);
        List<AuditEvent> rows = db.read(c -> Jdbc.list(c, sql.toString(), rs -> new AuditEvent(rs.getLong(1),
                rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)), args.toArray()));
        if (rows.size() > max) {
            List<AuditEvent> page = rows.subList(0, max);
            return new AuditPage(List.copyOf(page), Optional.of(page.get(max - 1).id()));
        }
        return new AuditPage(rows, Optional.empty());
    }
}
