package dev.osprey.storememory;

import dev.osprey.core.OspreyException;
import dev.osprey.store.AuthStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@link AuthStore} on the in-memory tables. */
final class MemoryAuthStore implements AuthStore {
    private final MemoryDatabase db;

    MemoryAuthStore(MemoryDatabase db) {
        this.db = db;
    }

    private static OspreyException noUser(String username) {
        return OspreyException.notFound("User with username=" + username + " not found");
    }

    private Optional<User> find(String username) {
        return db.users.values().stream().filter(u -> u.username().equals(username)).findFirst();
    }

    private User require(String username) {
        return find(username).orElseThrow(() -> noUser(username));
    }

    @Override
    public User createUser(String username, String passwordHash, boolean admin) {
        return db.locked(() -> {
            if (find(username).isPresent()) {
                throw OspreyException.alreadyExists("User '" + username + "' already exists.");
            }
            User u = new User(db.nextUserId++, username, passwordHash, admin);
            db.users.put(u.id(), u);
            return u;
        });
    }

    @Override
    public Optional<User> user(String username) {
        return db.locked(() -> find(username));
    }

    @Override
    public Optional<User> userById(long id) {
        return db.locked(() -> Optional.ofNullable(db.users.get(id)));
    }

    @Override
    public List<User> users() {
        return db.locked(() -> db.users.values().stream().sorted(Comparator.comparing(User::username)).toList());
    }

    @Override
    public void updatePassword(String username, String passwordHash) {
        db.locked(() -> {
            User u = require(username);
            db.users.put(u.id(), new User(u.id(), u.username(), passwordHash, u.admin()));
        });
    }

    @Override
    public void updateAdmin(String username, boolean admin) {
        db.locked(() -> {
            User u = require(username);
            db.users.put(u.id(), new User(u.id(), u.username(), u.passwordHash(), admin));
        });
    }

    @Override
    public void deleteUser(String username) {
        db.locked(() -> {
            User u = require(username);
            db.grants.keySet().removeIf(k -> k.userId() == u.id());
            db.tokens.values().removeIf(t -> t.userId() == u.id());
            db.users.remove(u.id());
        });
    }

    private static String describe(ResourceType type, String id) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " '" + id + "'";
    }

    @Override
    public void createGrant(Grant g) {
        db.locked(() -> {
            MemoryDatabase.GrantKey key = new MemoryDatabase.GrantKey(g.type(), g.resourceId(), g.userId());
            if (db.grants.containsKey(key)) {
                throw OspreyException.alreadyExists("A permission on " + describe(g.type(), g.resourceId())
                        + " already exists for this user.");
            }
            db.grants.put(key, g);
        });
    }

    @Override
    public Optional<Grant> grant(ResourceType type, String resourceId, long userId) {
        return db.locked(() -> Optional.ofNullable(db.grants.get(new MemoryDatabase.GrantKey(type, resourceId,
                userId))));
    }

    @Override
    public void updateGrant(Grant g) {
        db.locked(() -> {
            MemoryDatabase.GrantKey key = new MemoryDatabase.GrantKey(g.type(), g.resourceId(), g.userId());
            if (!db.grants.containsKey(key)) {
                throw OspreyException.notFound("No permission on " + describe(g.type(), g.resourceId())
                        + " for this user.");
            }
            db.grants.put(key, g);
        });
    }

    @Override
    public void deleteGrant(ResourceType type, String resourceId, long userId) {
        db.locked(() -> {
            if (db.grants.remove(new MemoryDatabase.GrantKey(type, resourceId, userId)) == null) {
                throw OspreyException.notFound("No permission on " + describe(type, resourceId) + " for this user.");
            }
        });
    }

    @Override
    public List<Grant> grants(long userId) {
        return db.locked(() -> db.grants.values().stream().filter(g -> g.userId() == userId)
                .sorted(Comparator.comparing((Grant g) -> g.type().name()).thenComparing(Grant::resourceId))
                .toList());
    }

    @Override
    public Map<String, String> grants(ResourceType type, long userId, Collection<String> resourceIds) {
        return db.locked(() -> {
            Map<String, String> out = new HashMap<>();
            for (String id : resourceIds) {
                Grant g = db.grants.get(new MemoryDatabase.GrantKey(type, id, userId));
                if (g != null) {
                    out.put(id, g.permission());
                }
            }
            return out;
        });
    }

    @Override
    public Token createToken(long userId, String name, String secretHash, long createdAt, long expiresAt) {
        return db.locked(() -> {
            if (db.tokens.values().stream().anyMatch(t -> t.secretHash().equals(secretHash))) {
                throw OspreyException.alreadyExists("A token with that secret already exists.");
            }
            Token t = new Token(db.nextTokenId++, userId, name, secretHash, createdAt, expiresAt, Optional.empty());
            db.tokens.put(t.id(), t);
            return t;
        });
    }

    @Override
    public Optional<Token> tokenBySecretHash(String secretHash) {
        return db.locked(() -> db.tokens.values().stream().filter(t -> t.secretHash().equals(secretHash))
                .findFirst());
    }

    @Override
    public List<Token> tokens(long userId) {
        return db.locked(() -> db.tokens.values().stream().filter(t -> t.userId() == userId).toList());
    }

    @Override
    public void revokeToken(long userId, long tokenId, long at) {
        db.locked(() -> {
            Token t = db.tokens.get(tokenId);
            if (t == null || t.userId() != userId) {
                throw OspreyException.notFound("Token " + tokenId + " not found.");
            }
            db.tokens.put(tokenId, new Token(t.id(), t.userId(), t.name(), t.secretHash(), t.createdAt(),
                    t.expiresAt(), Optional.of(t.revokedAt().orElse(at))));
        });
    }

    @Override
    public void audit(long atMs, String actor, String action, String target, String detail) {
        db.locked(() -> {
            long id = db.nextAuditId++;
            db.audit.put(id, new AuditEvent(id, atMs, cut(actor, 255), cut(action, 64), cut(target, 512),
                    cut(detail, 1024)));
        });
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    @Override
    public AuditPage auditEvents(Optional<Long> before, int max, Optional<String> actor, Optional<String> action) {
        return db.locked(() -> {
            List<AuditEvent> rows = new ArrayList<>();
            for (AuditEvent e : db.audit.headMap(before.orElse(Long.MAX_VALUE), false).descendingMap().values()) {
                if (actor.filter(a -> !a.equals(e.actor())).isPresent()
                        || action.filter(a -> !a.equals(e.action())).isPresent()) {
                    continue;
                }
                rows.add(e);
                if (rows.size() > max) {
                    break;
                }
            }
            if (rows.size() > max) {
                List<AuditEvent> page = rows.subList(0, max);
                return new AuditPage(List.copyOf(page), Optional.of(page.get(max - 1).id()));
            }
            return new AuditPage(rows, Optional.empty());
        });
    }
}
