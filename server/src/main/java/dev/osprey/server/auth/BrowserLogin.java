package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.Sha256;
import dev.osprey.protocol.Json;
import dev.osprey.store.AuthStore.User;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OIDC browser login: authorization code flow with PKCE (S256), state and nonce, against the issuer's discovery
 * endpoints. A successful login becomes a browser session — an HttpOnly, SameSite=Lax cookie holding a session token
 * (hashed at rest, revocable, 12 h) — plus a readable CSRF cookie the UI echoes in {@code X-CSRF-Token} on state
 * changes ({@link AuthFilter} checks it).
 */
public final class BrowserLogin {
    private static final Logger LOG = LoggerFactory.getLogger(BrowserLogin.class);
    public static final String SESSION_COOKIE = "osprey_session";
    public static final String CSRF_COOKIE = "osprey_csrf";
    /** A login must come back from the identity provider within this long. */
    static final long PENDING_MS = 600_000;

    private record Pending(String verifier, String nonce, String next, long expiresAt) {}

    private final AuthService auth;
    private final OidcVerifier oidc;
    private final String prefix;
    private final Optional<String> clientSecret;
    private final LongSupplier clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** @param clientSecret for confidential clients (OSPREY_OIDC_CLIENT_SECRET); public clients rely on PKCE */
    public BrowserLogin(AuthService auth, OidcVerifier oidc, String prefix, Optional<String> clientSecret,
            LongSupplier clock) {
        this.auth = auth;
        this.oidc = oidc;
        this.prefix = prefix;
        this.clientSecret = clientSecret;
        this.clock = clock;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Where the identity provider sends the browser back: this server, as the browser reached it. */
    private String redirectUri(ServerRequest req) {
        String scheme = req.headers().first(HeaderNames.X_FORWARDED_PROTO).orElse(req.isSecure() ? "https" : "http");
        String host = req.headers().first(HeaderNames.HOST).orElse("127.0.0.1");
        return scheme + "://" + host + prefix + "/auth/callback";
    }

    /** Only a path on this server: never another host ("//evil", "https://evil", "/\\evil"). */
    static String safeNext(String next, String prefix) {
        if (next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") && !next.contains("\r")
                && !next.contains("\n")) {
            return next;
        }
        return prefix + "/";
    }

    /** GET /auth/login?next=...: off to the identity provider. */
    public void login(ServerRequest req, ServerResponse res) {
        long now = clock.getAsLong();
        pending.values().removeIf(p -> p.expiresAt() < now);
        if (pending.size() > 10_000) {
            res.status(Status.SERVICE_UNAVAILABLE_503).send("Too many logins in progress; try again shortly.");
            return;
        }
        String state = AuthService.randomSecret();
        String verifier = AuthService.randomSecret();
        String nonce = AuthService.randomSecret();
        String next = safeNext(req.query().first("next").orElse(prefix + "/"), prefix);
        pending.put(state, new Pending(verifier, nonce, next, now + PENDING_MS));
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(Sha256.of(verifier));
        String url = oidc.endpoint("authorization_endpoint") + "?response_type=code&client_id="
                + enc(oidc.settings().audience()) + "&redirect_uri=" + enc(redirectUri(req))
                + "&scope=" + enc("openid profile email") + "&state=" + enc(state) + "&nonce=" + enc(nonce)
                + "&code_challenge=" + enc(challenge) + "&code_challenge_method=S256";
        res.status(Status.FOUND_302).header(HeaderNames.LOCATION, url).header(HeaderNames.CACHE_CONTROL, "no-store")
                .send();
    }

    /** GET /auth/callback?code=...&state=...: the code exchanged (with the PKCE verifier), the ID token checked. */
    public void callback(ServerRequest req, ServerResponse res) {
        Optional<String> state = req.query().first("state").asOptional();
        Pending login = state.map(pending::remove).orElse(null); // one use only
        if (login == null || login.expiresAt() < clock.getAsLong()) {
            refuse(res, "This login is unknown or expired; start again from " + prefix + "/auth/login.");
            return;
        }
        Optional<String> code = req.query().first("code").asOptional();
        if (code.isEmpty()) {
            refuse(res, "The identity provider did not sign you in: " + req.query().first("error").orElse("no code")
                    .replaceAll("[^\\w .-]", "?") + ".");
            return;
        }
        Optional<User> user = exchange(code.get(), login, redirectUri(req)).flatMap(idToken ->
                auth.oidcLogin(idToken, login.nonce()));
        if (user.isEmpty()) {
            refuse(res, "The sign-in could not be verified; start again from " + prefix + "/auth/login.");
            return;
        }
        AuthService.NewToken session = auth.createSession(user.get());
        boolean secure = req.isSecure() || req.headers().first(HeaderNames.X_FORWARDED_PROTO).orElse("")
                .equalsIgnoreCase("https");
        String attributes = "; Path=" + (prefix.isEmpty() ? "/" : prefix) + "; SameSite=Lax; Max-Age="
                + AuthService.SESSION_MS / 1000 + (secure ? "; Secure" : "");
        res.headers().add(HeaderNames.SET_COOKIE, SESSION_COOKIE + "=" + session.secret() + attributes + "; HttpOnly");
        res.headers().add(HeaderNames.SET_COOKIE, CSRF_COOKIE + "=" + AuthService.csrfToken(session.secret())
                + attributes);
        res.status(Status.FOUND_302).header(HeaderNames.LOCATION, login.next())
                .header(HeaderNames.CACHE_CONTROL, "no-store").send();
    }

    private Optional<String> exchange(String code, Pending login, String redirectUri) {
        StringBuilder form = new StringBuilder("grant_type=authorization_code&code=" + enc(code) + "&redirect_uri="
                + enc(redirectUri) + "&client_id=" + enc(oidc.settings().audience()) + "&code_verifier="
                + enc(login.verifier()));
        clientSecret.ifPresent(s -> form.append("&client_secret=").append(enc(s)));
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(oidc.endpoint("token_endpoint")))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                LOG.warn("OIDC token endpoint answered {} to a code exchange", r.statusCode());
                return Optional.empty();
            }
            JsonNode body = Json.read(r.body());
            return Optional.of(body.path("id_token").asText("")).filter(t -> !t.isEmpty());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("OIDC code exchange failed: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** POST /auth/logout: the session ends (its token is revoked) and the cookies are cleared. */
    public void logout(ServerRequest req, ServerResponse res) {
        AuthFilter.cookie(req, SESSION_COOKIE).ifPresent(auth::endSession);
        String clear = "=; Path=" + (prefix.isEmpty() ? "/" : prefix) + "; Max-Age=0; SameSite=Lax";
        res.headers().add(HeaderNames.SET_COOKIE, SESSION_COOKIE + clear + "; HttpOnly");
        res.headers().add(HeaderNames.SET_COOKIE, CSRF_COOKIE + clear);
        res.status(Status.NO_CONTENT_204).send();
    }

    private static void refuse(ServerResponse res, String message) {
        res.status(Status.BAD_REQUEST_400).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HeaderNames.CACHE_CONTROL, "no-store").send(message);
    }
}
