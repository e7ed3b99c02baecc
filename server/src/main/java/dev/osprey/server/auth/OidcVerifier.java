package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OIDC bearer tokens: JWTs signed by the issuer's keys (its JWKS, found through discovery and refreshed when a new
 * key id appears), for this server's audience, unexpired. The username and groups come from configurable claims;
 * groups map to admin and to a permission the user has where nothing was granted.
 */
public final class OidcVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(OidcVerifier.class);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);

    /**
     * @param issuer the issuer URL; discovery is read from {@code <issuer>/.well-known/openid-configuration}
     * @param audience this server's client id: tokens must name it in {@code aud}
     * @param groupPermissions permission by group; a user in several groups gets the highest
     */
    public record Settings(String issuer, String audience, String usernameClaim, String groupsClaim,
            Set<String> adminGroups, Map<String, Permission> groupPermissions,
            Map<String, Map<String, Permission>> groupWorkspaces) {
        public Settings {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            adminGroups = Set.copyOf(adminGroups);
            groupPermissions = Map.copyOf(groupPermissions);
            groupWorkspaces = Map.copyOf(groupWorkspaces);
        }

        /** Without group to workspace mapping. */
        public Settings(String issuer, String audience, String usernameClaim, String groupsClaim,
                Set<String> adminGroups, Map<String, Permission> groupPermissions) {
            this(issuer, audience, usernameClaim, groupsClaim, adminGroups, groupPermissions, Map.of());
        }
    }

    /**
     * Who a valid token names, what its groups make them (admin, a permission where nothing was granted, a
     * permission in each workspace they map to), and until when the token is good.
     */
    public record Identity(String username, boolean admin, Optional<Permission> groupPermission,
            Map<String, Permission> workspacePermissions, long expiresAt) {}

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private volatile DefaultJWTProcessor<SecurityContext> processor;
    private volatile JsonNode discovery;

    public OidcVerifier(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Reads discovery and builds the validator; on failure the next token tries again. */
    private DefaultJWTProcessor<SecurityContext> processor() {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (processor == null) {
                processor = build();
            }
            return processor;
        }
    }

    /** An endpoint the discovery document names (authorization_endpoint, token_endpoint...). */
    public String endpoint(String name) {
        processor();
        String url = discovery.path(name).asText("");
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new IllegalStateException("The OIDC discovery document of " + settings.issuer() + " has no " + name);
        }
        return url;
    }

    private DefaultJWTProcessor<SecurityContext> build() {
        String issuer = settings.issuer().replaceAll("/+$", "");
        JsonNode discovery;
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(issuer
                    + "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("discovery answered " + r.statusCode());
            }
            discovery = Json.read(r.body());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Cannot read the OIDC discovery document of " + issuer + ": "
                    + e.getMessage(), e);
        }
        if (!discovery.path("issuer").asText().replaceAll("/+$", "").equals(issuer)) {
            throw new IllegalStateException("The discovery document of " + issuer + " names another issuer: "
                    + discovery.path("issuer").asText());
        }
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.create(URI.create(discovery.path("jwks_uri").asText()).toURL()).retrying(true)
                    .build();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new IllegalStateException("The discovery document of " + issuer + " has no usable jwks_uri.", e);
        }
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(settings.audience(),
                new JWTClaimsSet.Builder().issuer(discovery.path("issuer").asText()).build(),
                Set.of("sub", "exp")));
        this.discovery = discovery;
        return p;
    }

    /** The identity in a valid token; empty for anything else (bad signature, issuer, audience, expired...). */
    public Optional<Identity> verify(String token) {
        return verify(token, Optional.empty());
    }

    /** As {@link #verify(String)}, and the token must carry this nonce (an ID token from a login this server began). */
    public Optional<Identity> verify(String token, Optional<String> nonce) {
        JWTClaimsSet claims;
        try {
            claims = processor().process(token, null);
            if (nonce.isPresent() && !nonce.get().equals(claims.getClaim("nonce"))) {
                LOG.debug("OIDC ID token refused: nonce does not match the login");
                return Optional.empty();
            }
        } catch (IllegalStateException e) {
            LOG.warn("OIDC bearer token not checked: {}", e.getMessage());
            return Optional.empty();
        } catch (Exception e) {
            LOG.debug("OIDC bearer token refused: {}", e.getMessage());
            return Optional.empty();
        }
        String username = claim(claims, settings.usernameClaim()).orElseGet(claims::getSubject);
        if (username == null || username.isBlank() || username.length() > 255) {
            return Optional.empty();
        }
        List<String> groups = groups(claims);
        boolean admin = groups.stream().anyMatch(settings.adminGroups()::contains);
        Optional<Permission> best = groups.stream().map(settings.groupPermissions()::get).filter(Objects::nonNull)
                .max(STRENGTH);
        Map<String, Permission> workspaces = new java.util.HashMap<>();
        for (String group : groups) {
            settings.groupWorkspaces().getOrDefault(group, Map.of()).forEach((ws, p) -> workspaces.merge(ws, p,
                    (a, b) -> STRENGTH.compare(a, b) >= 0 ? a : b));
        }
        return Optional.of(new Identity(username, admin, best, workspaces, claims.getExpirationTime().getTime()));
    }

    /** A user in several groups gets the strongest permission they give. */
    private static final java.util.Comparator<Permission> STRENGTH = java.util.Comparator.comparingInt(
            p -> p == Permission.NO_PERMISSIONS ? -1 : p.ordinal());

    private static Optional<String> claim(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    private List<String> groups(JWTClaimsSet claims) {
        Object value = claims.getClaim(settings.groupsClaim());
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(g -> out.add(String.valueOf(g)));
        } else if (value instanceof String s) {
            out.addAll(List.of(s.split("[ ,]+")));
        }
        return out;
    }

    /** Settings from the environment, when {@code OSPREY_OIDC_ISSUER} is set. */
    public static Optional<Settings> fromEnvironment(Map<String, String> env) {
        String issuer = env.getOrDefault("OSPREY_OIDC_ISSUER", "").trim();
        if (issuer.isEmpty()) {
            return Optional.empty();
        }
        String audience = env.getOrDefault("OSPREY_OIDC_AUDIENCE", "").trim();
        if (audience.isEmpty()) {
            throw OspreyException.invalid("OSPREY_OIDC_ISSUER is set but OSPREY_OIDC_AUDIENCE is not: set it to "
                    + "this server's client id at the identity provider (tokens must name it in 'aud').");
        }
        Map<String, Permission> groupPermissions = new java.util.HashMap<>();
        for (String pair : env.getOrDefault("OSPREY_OIDC_GROUP_PERMISSIONS", "").split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw OspreyException.invalid("OSPREY_OIDC_GROUP_PERMISSIONS takes group=PERMISSION pairs separated "
                        + "by commas; got '" + pair.trim() + "'.");
            }
            groupPermissions.put(pair.substring(0, eq).trim(), Permission.parse(pair.substring(eq + 1).trim()));
        }
        Map<String, Map<String, Permission>> groupWorkspaces = new java.util.HashMap<>();
        for (String pair : env.getOrDefault("OSPREY_OIDC_GROUP_WORKSPACES", "").split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            int colon = pair.lastIndexOf(':');
            if (eq <= 0 || colon < eq + 2) {
                throw OspreyException.invalid("OSPREY_OIDC_GROUP_WORKSPACES takes group=workspace:PERMISSION entries "
                        + "separated by commas; got '" + pair.trim() + "'.");
            }
            groupWorkspaces.computeIfAbsent(pair.substring(0, eq).trim(), g -> new java.util.HashMap<>()).put(
                    pair.substring(eq + 1, colon).trim(), Permission.parse(pair.substring(colon + 1).trim()));
        }
        Set<String> admins = new java.util.HashSet<>();
        for (String g : env.getOrDefault("OSPREY_OIDC_ADMIN_GROUPS", "").split(",")) {
            if (!g.isBlank()) {
                admins.add(g.trim());
            }
        }
        return Optional.of(new Settings(issuer, audience, env.getOrDefault("OSPREY_OIDC_USERNAME_CLAIM",
                "preferred_username").trim(), env.getOrDefault("OSPREY_OIDC_GROUPS_CLAIM", "groups").trim(), admins,
                groupPermissions, groupWorkspaces));
    }
}
