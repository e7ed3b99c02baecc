package dev.osprey.server.auth;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Sha256;
import dev.osprey.store.AuthStore;
import dev.osprey.store.AuthStore.Grant;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Basic auth: who is calling (HTTP Basic, Argon2id-verified, cached briefly so a client's every request does not pay
 * a hash), login throttling, user management, and the effective permission of a user on a resource (admins:
 * everything; an explicit grant; otherwise the server's default permission).
 */
public final class AuthService implements Grants {
    private static final Logger AUDIT = LoggerFactory.getLogger("dev.osprey.audit");
    /** A verified credential is trusted this long before it is hashed again. */
    static final long CACHE_MS = 60_000;
    /** After this many failed logins of one username within the window, further attempts are refused. */
    static final int MAX_FAILURES = 5;
    static final long FAILURE_WINDOW_MS = 60_000;

    private final AuthStore store;
    private final Permission defaultPermission;
    private final LongSupplier clock;
    private final Map<String, Cached> verified = new ConcurrentHashMap<>();
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    /** Bumped by every change to a user, so cached credentials from before it are not used. */
    private final AtomicLong generation = new AtomicLong();

    private record Cached(User user, long expiresAt, long generation) {}

    private record Failures(int count, long since) {}

    /** Too many failed logins: the caller must wait. */
    public static final class Throttled extends RuntimeException {
        Throttled(String message) {
            super(message, null, false, false);
        }
    }

    private final Optional<OidcVerifier> oidc;
    private final PasswordPolicy passwords;
    /** What OIDC groups give each user where nothing was granted, as of the user's last validated token. */
    private final Map<Long, Permission> groupPermissions = new ConcurrentHashMap<>();
    /** Per OIDC user: the permission their groups give in each workspace (from their latest token). */
    private final Map<Long, Map<String, Permission>> groupWorkspaces = new ConcurrentHashMap<>();

    public AuthService(AuthStore store, Permission defaultPermission, LongSupplier clock) {
        this(store, defaultPermission, clock, Optional.empty());
    }

    public AuthService(AuthStore store, Permission defaultPermission, LongSupplier clock, Optional<OidcVerifier> oidc) {
        this(store, defaultPermission, clock, oidc, PasswordPolicy.DEFAULT);
    }

    public AuthService(AuthStore store, Permission defaultPermission, LongSupplier clock, Optional<OidcVerifier> oidc,
            PasswordPolicy passwords) {
        this.store = store;
        this.defaultPermission = defaultPermission;
        this.clock = clock;
        this.oidc = oidc;
        this.passwords = passwords;
    }

    /** Users that only ever sign in through OIDC carry this instead of a password hash: no password matches it. */
    static final String NO_PASSWORD = "!oidc";

    public Permission defaultPermission() {
        return defaultPermission;
    }

    /** Creates the admin on first start; an existing user of that name is made admin, its password left alone. */
    public void bootstrapAdmin(String username, String password) {
        Optional<User> existing = store.user(username);
        if (existing.isEmpty()) {
            store.createUser(username, Passwords.hash(password), true);
            audit("server", "user.create", username, "admin bootstrap");
        } else if (!existing.get().admin()) {
            store.updateAdmin(username, true);
            audit("server", "user.update-admin", username, "admin bootstrap: made admin");
        }
    }

    /** The user behind an {@code Authorization: Basic ...} header, if the credentials are right. */
    public Optional<User> authenticate(Optional<String> authorization) {
        if (authorization.isEmpty()) {
            return Optional.empty();
        }
        if (authorization.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return bearer(authorization.get().substring(7).trim());
        }
        if (!authorization.get().regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String header = authorization.get().substring(6).trim();
        String key = java.util.HexFormat.of().formatHex(Sha256.of(header));
        long now = clock.getAsLong();
        Optional<User> hit = cached(key, now);
        if (hit.isPresent()) {
            return hit;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String username = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        Failures f = failures.get(username);
        if (f != null && f.count() >= MAX_FAILURES && now - f.since() < FAILURE_WINDOW_MS) {
            throw new Throttled("Too many failed logins for this user; try again in "
                    + Math.max(1, (FAILURE_WINDOW_MS - (now - f.since())) / 1000) + " s.");
        }
        long gen = generation.get();
        Optional<User> user = store.user(username);
        boolean ok;
        if (user.isPresent()) {
            ok = Passwords.verify(password, user.get().passwordHash());
        } else {
            Passwords.verifyNothing(password);
            ok = false;
        }
        if (!ok) {
            failures.merge(username, new Failures(1, now), (a, b) -> now - a.since() >= FAILURE_WINDOW_MS
                    ? new Failures(1, now) : new Failures(a.count() + 1, a.since()));
            audit(username, "login.failure", username, "basic credentials");
            return Optional.empty();
        }
        failures.remove(username);
        audit(username, "login.success", username, "basic credentials");
        remember(key, user.get(), now + CACHE_MS, gen);
        return user;
    }

    private Optional<User> cached(String key, long now) {
        Cached cached = verified.get(key);
        if (cached != null && cached.expiresAt() > now && cached.generation() == generation.get()) {
            return Optional.of(cached.user());
        }
        return Optional.empty();
    }

    private void remember(String key, User user, long expiresAt, long gen) {
        if (verified.size() > 10_000) {
            verified.clear();
        }
        verified.put(key, new Cached(user, expiresAt, gen));
    }

    // --- API tokens: "osp_" + 256 random bits; only their SHA-256 is stored (high-entropy secrets need no slow hash)

    static final String TOKEN_PREFIX = "osp_";
    static final int DEFAULT_TOKEN_DAYS = 90;
    static final int MAX_TOKEN_DAYS = 365;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A token as created: its record, and its secret, which is shown this once and never again. */
    public record NewToken(AuthStore.Token token, String secret) {
        @Override
        public String toString() {
            return "NewToken[" + token + "]"; // never the secret
        }
    }

    private static String secretHash(String secret) {
        return java.util.HexFormat.of().formatHex(Sha256.of(secret));
    }

    private Optional<User> bearer(String secret) {
        if (!secret.startsWith(TOKEN_PREFIX)) {
            return oidc.isPresent() ? oidcUser(secret) : Optional.empty();
        }
        String hash = secretHash(secret);
        long now = clock.getAsLong();
        Optional<User> hit = cached("bearer:" + hash, now);
        if (hit.isPresent()) {
            return hit;
        }
        long gen = generation.get();
        Optional<User> user = store.tokenBySecretHash(hash).filter(t -> t.validAt(now))
                .flatMap(t -> store.userById(t.userId()));
        user.ifPresent(u -> remember("bearer:" + hash, u, now + CACHE_MS, gen));
        return user;
    }

    /**
     * The user an OIDC token names: provisioned on first sight (no password), made admin when an admin group says so
     * (never demoted by groups: the bootstrap admin may not be in any), its group permission remembered.
     */
    private Optional<User> oidcUser(String jwt) {
        String key = "oidc:" + secretHash(jwt);
        long now = clock.getAsLong();
        Optional<User> hit = cached(key, now);
        if (hit.isPresent()) {
            return hit;
        }
        long gen = generation.get();
        Optional<OidcVerifier.Identity> identity = oidc.orElseThrow().verify(jwt);
        if (identity.isEmpty()) {
            return Optional.empty();
        }
        User user = signIn(identity.get());
        // Trusted no longer than the token itself.
        remember(key, user, Math.min(now + CACHE_MS, identity.get().expiresAt()), gen);
        return Optional.of(user);
    }

    /** Provisions the identity's user on first sight, promotes it when an admin group says so, notes its groups. */
    private User signIn(OidcVerifier.Identity id) {
        User user = store.user(id.username()).orElseGet(() -> {
            try {
                User created = store.createUser(id.username(), NO_PASSWORD, false);
                audit(id.username(), "user.create", id.username(), "first OIDC sign-in");
                return created;
            } catch (OspreyException e) {
                return store.user(id.username()).orElseThrow(() -> e); // created by a concurrent request
            }
        });
        if (id.admin() && !user.admin()) {
            store.updateAdmin(user.username(), true);
            audit(user.username(), "user.update-admin", user.username(), "is_admin=true from OIDC groups");
            user = new User(user.id(), user.username(), user.passwordHash(), true);
        }
        if (id.groupPermission().isPresent()) {
            groupPermissions.put(user.id(), id.groupPermission().get());
        } else {
            groupPermissions.remove(user.id());
        }
        groupWorkspaces.put(user.id(), Map.copyOf(id.workspacePermissions()));
        return user;
    }

    public NewToken createToken(User user, String name, java.util.OptionalLong expiresInDays) {
        if (name.isBlank() || name.length() > 255) {
            throw OspreyException.invalid("A token needs a name of 1 to 255 characters.");
        }
        long days = expiresInDays.orElse(DEFAULT_TOKEN_DAYS);
        if (days < 1 || days > MAX_TOKEN_DAYS) {
            throw OspreyException.invalid("Invalid value " + days + " for parameter 'expires_in_days': tokens "
                    + "expire after 1 to " + MAX_TOKEN_DAYS + " days.");
        }
        NewToken created = issue(user, name, days * 86_400_000L);
        audit(user.username(), "token.create", user.username(), "token " + created.token().id() + " '" + name
                + "', " + days + " days");
        return created;
    }

    /** 256 random bits, URL-safe (token secrets, login state, PKCE verifiers, nonces). */
    static String randomSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private NewToken issue(User user, String name, long lifetimeMs) {
        String secret = TOKEN_PREFIX + randomSecret();
        long now = clock.getAsLong();
        return new NewToken(store.createToken(user.id(), name, secretHash(secret), now, now + lifetimeMs), secret);
    }

    /** A browser session lasts this long; it is an API token under the hood, so it is hashed and revocable too. */
    static final long SESSION_MS = 12 * 3_600_000L;

    /** A session after a browser login: a token named "browser session" expiring in {@link #SESSION_MS}. */
    public NewToken createSession(User user) {
        NewToken session = issue(user, "browser session", SESSION_MS);
        audit(user.username(), "login.success", user.username(), "browser session " + session.token().id()
                + " (OIDC)");
        return session;
    }

    /**
     * The CSRF token of a session: derived from the session secret, which scripts of other sites cannot read (an
     * HttpOnly cookie), so a page proves it is ours by echoing the readable CSRF cookie in a header.
     */
    public static String csrfToken(String sessionSecret) {
        return secretHash("csrf:" + sessionSecret);
    }

    /** Ends a browser session (logout). */
    public void endSession(String sessionSecret) {
        store.tokenBySecretHash(secretHash(sessionSecret)).filter(t -> t.revokedAt().isEmpty()).ifPresent(t -> {
            store.revokeToken(t.userId(), t.id(), clock.getAsLong());
            generation.incrementAndGet();
            store.userById(t.userId()).ifPresent(u -> audit(u.username(), "logout", u.username(), "browser session "
                    + t.id()));
        });
    }

    /** The user an OIDC ID token from a login this server began names (provisioned as for bearer tokens). */
    public Optional<User> oidcLogin(String idToken, String nonce) {
        return oidc.flatMap(o -> o.verify(idToken, Optional.of(nonce))).map(this::signIn);
    }

    public Optional<OidcVerifier> oidc() {
        return oidc;
    }

    public List<AuthStore.Token> tokens(User user) {
        return store.tokens(user.id());
    }

    public void revokeToken(User owner, long tokenId, User by) {
        store.revokeToken(owner.id(), tokenId, clock.getAsLong());
        generation.incrementAndGet(); // a cached bearer credential must not outlive its revocation
        audit(by.username(), "token.revoke", owner.username(), "token " + tokenId);
    }

    public long now() {
        return clock.getAsLong();
    }

    /** What the user may do on each resource outside any workspace (workspaces off). */
    public Map<String, Permission> effective(User user, ResourceType type, List<String> resourceIds) {
        return effective(user, type, resourceIds, Optional.empty());
    }

    /**
     * What the user may do on each resource (one query): admins manage everything; else a grant on it, else what
     * the user may do in the workspace ({@link #inWorkspace}).
     */
    @Override
    public Map<String, Permission> effective(User user, ResourceType type, List<String> resourceIds,
            Optional<String> workspace) {
        Map<String, Permission> out = new java.util.HashMap<>();
        if (user.admin()) {
            resourceIds.forEach(id -> out.put(id, Permission.MANAGE));
            return out;
        }
        Map<String, String> grants = explicitGrants(user, type, resourceIds);
        Optional<Permission> fallback = Optional.empty(); // looked up once, and only when some id has no grant
        for (String id : resourceIds) {
            String grant = grants.get(id);
            if (grant != null) {
                out.put(id, Permission.parse(grant));
            } else {
                if (fallback.isEmpty()) {
                    fallback = Optional.of(inWorkspace(user, workspace));
                }
                out.put(id, fallback.get());
            }
        }
        return out;
    }

    /**
     * What the user may do on a workspace's resources that have no grant of their own: a grant on the workspace,
     * else what their OIDC groups give there; without either, in the default workspace (and with workspaces off)
     * their groups' permission or the server's default, in any other nothing.
     */
    @Override
    public Permission inWorkspace(User user, Optional<String> workspace) {
        if (user.admin()) {
            return Permission.MANAGE;
        }
        if (workspace.isPresent()) {
            String ws = workspace.get();
            String grant = explicitGrants(user, ResourceType.WORKSPACE, List.of(ws)).get(ws);
            if (grant != null) {
                return Permission.parse(grant);
            }
            Permission fromGroups = groupWorkspaces.getOrDefault(user.id(), Map.of()).get(ws);
            if (fromGroups != null) {
                return fromGroups;
            }
            if (!ws.equals(dev.osprey.store.WorkspaceStore.DEFAULT)) {
                return Permission.NO_PERMISSIONS;
            }
        }
        return groupPermissions.getOrDefault(user.id(), defaultPermission);
    }

    /**
     * Explicit grants were looked up this recently (per user, type and resource; an empty string records "none").
     * Any grant change made through this server drops them at once; the time limit bounds how long a change made
     * through another server sharing the database takes to show.
     */
    static final long GRANT_CACHE_MS = 5_000;

    private record CachedGrant(String permission, long expiresAt, long generation) {}

    private final Map<String, CachedGrant> grantCache = new ConcurrentHashMap<>();
    private final AtomicLong grantGeneration = new AtomicLong();

    /** The user's explicit grants on these resources, by id (absent: none), from the cache or one query. */
    @Override
    public Map<String, String> explicitGrants(User user, ResourceType type, List<String> resourceIds) {
        long now = clock.getAsLong();
        long gen = grantGeneration.get();
        Map<String, String> out = new java.util.HashMap<>();
        List<String> missing = new java.util.ArrayList<>();
        for (String id : resourceIds) {
            CachedGrant c = grantCache.get(grantKey(user, type, id));
            if (c != null && c.expiresAt() > now && c.generation() == gen) {
                if (!c.permission().isEmpty()) {
                    out.put(id, c.permission());
                }
            } else {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            Map<String, String> fetched = store.grants(type, user.id(), missing);
            if (grantCache.size() > 100_000) {
                grantCache.clear();
            }
            for (String id : missing) {
                String p = fetched.get(id);
                grantCache.put(grantKey(user, type, id), new CachedGrant(p == null ? "" : p, now + GRANT_CACHE_MS,
                        gen));
                if (p != null) {
                    out.put(id, p);
                }
            }
        }
        return out;
    }

    private static String grantKey(User user, ResourceType type, String id) {
        return user.id() + "\u0000" + type.name() + "\u0000" + id;
    }

    /** Every grant change made through this server calls this, so no cached grant outlives it. */
    @Override
    public void grantsChanged() {
        grantGeneration.incrementAndGet();
    }

    public void require(User user, ResourceType type, String resourceId, Permission.Need need) {
        require(user, type, resourceId, need, Optional.empty());
    }

    public static OspreyException denied() {
        return new OspreyException(ErrorCode.PERMISSION_DENIED, "Permission denied");
    }

    public static void requireAdmin(User user) {
        if (!user.admin()) {
            throw denied();
        }
    }

    /** The creator of a resource manages it (MLflow's rule); an existing grant is left as it is. */
    @Override
    public void grantCreator(User user, ResourceType type, String resourceId) {
        if (store.grant(type, resourceId, user.id()).isEmpty()) {
            store.createGrant(new Grant(type, resourceId, user.id(), Permission.MANAGE.name()));
            grantsChanged();
        }
    }

    // --- user management (admins only; checked by the routes)

    public User createUser(String username, String password, User by) {
        if (username.isBlank()) {
            throw OspreyException.invalid("Username must not be empty.");
        }
        passwords.check(password);
        User created = store.createUser(username, Passwords.hash(password), false);
        audit(by.username(), "user.create", username, "");
        return created;
    }

    public User user(String username) {
        return store.user(username).orElseThrow(() -> OspreyException.notFound("User with username=" + username
                + " not found"));
    }

    public List<User> users() {
        return store.users();
    }

    public void updatePassword(String username, String password, User by) {
        passwords.check(password);
        store.updatePassword(username, Passwords.hash(password));
        generation.incrementAndGet();
        audit(by.username(), "user.update-password", username, "");
    }

    public void updateAdmin(String username, boolean admin, User by) {
        store.updateAdmin(username, admin);
        generation.incrementAndGet();
        audit(by.username(), "user.update-admin", username, "is_admin=" + admin);
    }

    public void deleteUser(String username, User by) {
        store.deleteUser(username);
        generation.incrementAndGet();
        grantsChanged();
        audit(by.username(), "user.delete", username, "");
    }

    public List<Grant> grants(User user) {
        return store.grants(user.id());
    }

    public AuthStore store() {
        return store;
    }

    /** Records an audit event in the database (queryable by admins) and in the {@code dev.osprey.audit} log. */
    public void audit(String actor, String action, String target, String detail) {
        AUDIT.info("{} by '{}' on '{}' {}", action, printable(actor), printable(target), printable(detail));
        store.audit(clock.getAsLong(), actor, action, target, detail);
    }

    /** Log lines never carry control characters from a client (forged log lines). */
    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
