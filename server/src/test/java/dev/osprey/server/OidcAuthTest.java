package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.server.auth.OidcVerifier;
import dev.osprey.server.auth.Permission;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OIDC bearer tokens against a local identity provider the test runs (discovery and JWKS over HTTP, keys made
 * here): signature, issuer, audience and expiry checked; groups mapped to admin and permissions; key rotation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OidcAuthTest {
    private static final String AUDIENCE = "osprey-test";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<RSAKey> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private final Map<String, Map<String, String>> codes = new java.util.concurrent.ConcurrentHashMap<>();
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
    private HttpServer idp;
    private String issuer;
    private RSAKey key;
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        published.add(key);
        idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer = "http://127.0.0.1:" + idp.getAddress().getPort() + "/realms/test";
        idp.createContext("/realms/test/.well-known/openid-configuration", ex -> {
            byte[] body = ("{\"issuer\": \"" + issuer + "\", \"jwks_uri\": \"" + issuer + "/jwks\", "
                    + "\"authorization_endpoint\": \"" + issuer + "/auth\", \"token_endpoint\": \"" + issuer
                    + "/token\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.createContext("/realms/test/jwks", ex -> {
            jwksFetches.incrementAndGet();
            byte[] body = new JWKSet(new ArrayList<>(published.stream().map(RSAKey::toPublicJWK).toList()))
                    .toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.createContext("/realms/test/auth", ex -> {
            Map<String, String> q = form(ex.getRequestURI().getRawQuery());
            String code = "code-" + codes.size();
            codes.put(code, q);
            ex.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + code + "&state="
                    + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        idp.createContext("/realms/test/token", ex -> {
            Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Map<String, String> auth = codes.remove(f.get("code")); // codes are single-use
            String challenge = f.get("code_verifier") == null ? "" : Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(dev.osprey.core.Sha256.of(f.get("code_verifier")));
            byte[] body;
            int status;
            if (auth == null || !challenge.equals(auth.get("code_challenge"))
                    || !"S256".equals(auth.get("code_challenge_method"))
                    || !f.get("redirect_uri").equals(auth.get("redirect_uri")) || !AUDIENCE.equals(f.get("client_id"))) {
                status = 400;
                body = "{\"error\": \"invalid_grant\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    body = ("{\"token_type\": \"Bearer\", \"access_token\": \"opaque\", \"id_token\": \""
                            + sign(key, claims("lena", "ml-editors").claim("nonce", auth.get("nonce")).build())
                            + "\"}").getBytes(StandardCharsets.UTF_8);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                status = 200;
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.start();
        Path dir = Files.createTempDirectory("osprey-oidc");
        OidcVerifier.Settings oidc = new OidcVerifier.Settings(issuer, AUDIENCE, "preferred_username", "groups",
                Set.of("ml-admins"), Map.of("ml-editors", Permission.EDIT, "ml-blocked", Permission.NO_PERMISSIONS),
                Map.of("team-x-devs", Map.of("team-x", Permission.EDIT), "team-x-viewers",
                        Map.of("team-x", Permission.READ)));
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true)
                .withAuth(new ServerConfig.AuthOptions(true, "READ", Optional.of("admin"),
                        Optional.of("admin-secret-1")).withOidc(oidc)).withWorkspaces(true));
    }

    @AfterAll
    void stop() {
        server.close();
        idp.stop(0);
    }

    private JWTClaimsSet.Builder claims(String user, String... groups) {
        return new JWTClaimsSet.Builder().issuer(issuer).audience(AUDIENCE).subject("sub-" + user)
                .claim("preferred_username", user).claim("groups", List.of(groups))
                .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 600_000));
    }

    private String sign(RSAKey with, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    private String token(String user, String... groups) throws Exception {
        return sign(key, claims(user, groups).build());
    }

    private HttpResponse<String> call(String token, String method, String path, String json) throws Exception {
        return call(token, method, path, json, "default");
    }

    private HttpResponse<String> call(String token, String method, String path, String json, String workspace)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("X-MLFLOW-WORKSPACE", workspace)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> asAdmin(String method, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin-secret-1"
                        .getBytes(StandardCharsets.UTF_8))).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void validTokens_signIn_andGroupsMapToAdminAndPermissions() throws Exception {
        assertThat(call(token("olga", "ml-admins"), "GET", "/api/2.0/mlflow/users/list", null).statusCode())
                .isEqualTo(200);
        String exp = dev.osprey.protocol.Json.read(asAdmin("POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"shared\"}").body()).path("experiment_id").asText();
        String tag = "{\"experiment_id\": \"" + exp + "\", \"key\": \"k\", \"value\": \"v\"}";
        assertThat(call(token("edgar", "ml-editors", "other"), "POST", "/api/2.0/mlflow/experiments/set-experiment-tag",
                tag).statusCode()).as("EDIT from the group").isEqualTo(200);
        assertThat(call(token("rita"), "POST", "/api/2.0/mlflow/experiments/set-experiment-tag", tag).statusCode())
                .as("no group: the default READ").isEqualTo(403);
        assertThat(call(token("rita"), "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp, null)
                .statusCode()).isEqualTo(200);
        assertThat(call(token("bart", "ml-blocked"), "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp,
                null).statusCode()).isEqualTo(403);
        assertThat(call(token("rita"), "GET", "/api/2.0/mlflow/users/list", null).statusCode()).isEqualTo(403);
        // Provisioned on first sight, with no password anyone could use.
        assertThat(asAdmin("GET", "/api/2.0/mlflow/users/get?username=edgar", null).body()).contains("edgar");
        for (String password : List.of("!oidc", "", "null")) {
            HttpResponse<String> basic = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                    + "/api/2.0/mlflow/experiments/search")).header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(("edgar:" + password).getBytes(StandardCharsets.UTF_8))).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(basic.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void groups_mapToWorkspaces() throws Exception {
        assertThat(asAdmin("POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"team-x\"}").statusCode())
                .isEqualTo(201);
        String create = "/api/2.0/mlflow/experiments/create";
        HttpResponse<String> created = call(token("xavier", "team-x-devs"), "POST", create, "{\"name\": \"x-exp\"}",
                "team-x");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = dev.osprey.protocol.Json.read(created.body()).path("experiment_id").asText();
        String get = "/api/2.0/mlflow/experiments/get?experiment_id=" + id;
        // Viewers read what is in the workspace and create nothing; others do not see the workspace at all.
        assertThat(call(token("vera", "team-x-viewers"), "GET", get, null, "team-x").statusCode()).isEqualTo(200);
        assertThat(call(token("vera", "team-x-viewers"), "POST", create, "{\"name\": \"v-exp\"}", "team-x")
                .statusCode()).isEqualTo(403);
        HttpResponse<String> outsider = call(token("yara", "ml-editors"), "GET", get, null, "team-x");
        assertThat(outsider.statusCode()).isEqualTo(404);
        assertThat(outsider.body()).contains("RESOURCE_DOES_NOT_EXIST").contains("Workspace 'team-x' not found");
        assertThat(call(token("yara", "ml-editors"), "GET", "/api/3.0/mlflow/workspaces", null).body())
                .doesNotContain("team-x");
        assertThat(call(token("vera", "team-x-viewers"), "GET", "/api/3.0/mlflow/workspaces", null).body())
                .contains("team-x");
        // The experiment is not in the default workspace either.
        assertThat(call(token("yara", "ml-editors"), "GET", get, null).statusCode()).isEqualTo(404);
    }

    @Test
    void forgedExpiredOrMisaddressedTokens_areRefused() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
        List<String> bad = new ArrayList<>(List.of(
                sign(stranger, claims("mallory", "ml-admins").build()),
                sign(key, claims("mallory", "ml-admins").audience("another-app").build()),
                sign(key, claims("mallory", "ml-admins").issuer("http://evil.example/realms/test").build()),
                sign(key, claims("mallory", "ml-admins").expirationTime(new Date(System.currentTimeMillis()
                        - 120_000)).build()),
                new PlainJWT(claims("mallory", "ml-admins").build()).serialize(),
                "not.a.jwt", ""));
        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims("mallory", "ml-admins").build());
        hmac.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
        bad.add(hmac.serialize());
        String valid = token("mallory", "ml-admins");
        String[] parts = valid.split("\\.");
        String tamperedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(claims("mallory",
                "ml-admins").claim("preferred_username", "olga").build().toString().getBytes(StandardCharsets.UTF_8));
        bad.add(parts[0] + "." + tamperedClaims + "." + parts[2]);
        for (String token : bad) {
            HttpResponse<String> r = call(token, "GET", "/api/2.0/mlflow/users/list", null);
            assertThat(r.statusCode()).as(token).isEqualTo(401);
        }
        assertThat(asAdmin("GET", "/api/2.0/mlflow/users/list", null).body()).doesNotContain("mallory");
    }

    @Test
    void rotatedKeys_areFetchedWhenANewKeyIdAppears() throws Exception {
        assertThat(call(token("ivan"), "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                .isEqualTo(200);
        RSAKey next = new RSAKeyGenerator(2048).keyID("k2").generate();
        published.add(next);
        int before = jwksFetches.get();
        assertThat(call(sign(next, claims("ivan").build()), "GET", "/api/2.0/mlflow/experiments/search", null)
                .statusCode()).isEqualTo(200);
        assertThat(jwksFetches.get()).isGreaterThan(before);
    }

    private HttpResponse<String> browse(String url, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").GET();
        if (!cookie.isEmpty()) {
            b.header("Cookie", cookie);
        }
        return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The browser's walk: login -> identity provider -> callback; returns the callback's answer. */
    private HttpResponse<String> signIn(String next) throws Exception {
        HttpResponse<String> login = browse(server.baseUrl() + "/auth/login?next=" + java.net.URLEncoder.encode(next,
                StandardCharsets.UTF_8), "");
        assertThat(login.statusCode()).isEqualTo(302);
        String authorize = login.headers().firstValue("Location").orElseThrow();
        assertThat(authorize).startsWith(issuer + "/auth?").contains("code_challenge_method=S256")
                .contains("code_challenge=").contains("nonce=").contains("state=").contains("client_id=" + AUDIENCE);
        HttpResponse<String> back = browse(authorize, "");
        return browse(back.headers().firstValue("Location").orElseThrow(), "");
    }

    private static String cookieValue(HttpResponse<String> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(name.length() + 1, c.indexOf(';'))).findFirst().orElseThrow();
    }

    private HttpResponse<String> post(String path, String cookie, String csrf, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Cookie", cookie)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (!csrf.isEmpty()) {
            b.header("X-CSRF-Token", csrf);
        }
        return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void browserLogin_withPkce_givesAnHttpOnlySession_andWritesNeedTheCsrfToken() throws Exception {
        HttpResponse<String> page = browse(server.baseUrl() + "/experiments/1?tab=runs", "");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValue("/auth/login?next=%2Fexperiments%2F1%3Ftab%3Druns");
        assertThat(browse(server.baseUrl() + "/api/2.0/mlflow/experiments/search", "").statusCode())
                .as("API calls get 401, not a redirect").isEqualTo(401);

        HttpResponse<String> callback = signIn("/experiments/1?tab=runs");
        assertThat(callback.statusCode()).as(callback.body()).isEqualTo(302);
        assertThat(callback.headers().firstValue("Location")).hasValue("/experiments/1?tab=runs");
        String sessionCookie = callback.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("osprey_session=")).findFirst().orElseThrow();
        assertThat(sessionCookie).contains("HttpOnly").contains("SameSite=Lax");
        String session = cookieValue(callback, "osprey_session");
        String csrf = cookieValue(callback, "osprey_csrf");
        String cookies = "osprey_session=" + session + "; osprey_csrf=" + csrf;

        assertThat(browse(server.baseUrl() + "/api/2.0/mlflow/experiments/search", cookies).statusCode())
                .isEqualTo(200);
        String create = "/api/2.0/mlflow/experiments/create";
        HttpResponse<String> noCsrf = post(create, cookies, "", "{\"name\": \"lena-1\"}");
        assertThat(noCsrf.statusCode()).isEqualTo(403);
        assertThat(noCsrf.body()).contains("CSRF");
        assertThat(post(create, cookies, csrf.substring(1) + "0", "{\"name\": \"lena-1\"}").statusCode())
                .isEqualTo(403);
        assertThat(post(create, cookies, csrf, "{\"name\": \"lena-1\"}").statusCode()).isEqualTo(200);
        assertThat(asAdmin("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=lena-1", null).statusCode())
                .isEqualTo(200);

        // A replayed callback, an open redirect, logout.
        assertThat(browse(callback.request().uri().toString(), "").statusCode()).isEqualTo(400);
        for (String next : List.of("//evil.example/x", "https://evil.example", "/\\evil.example")) {
            HttpResponse<String> other = signIn(next);
            assertThat(other.headers().firstValue("Location")).as(next).hasValue("/");
        }
        HttpResponse<String> out = post("/auth/logout", cookies, csrf, "");
        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(browse(server.baseUrl() + "/api/2.0/mlflow/experiments/search", cookies).statusCode())
                .as("the session ended").isEqualTo(401);
    }
}
