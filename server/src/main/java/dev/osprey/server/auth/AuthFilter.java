package dev.osprey.server.auth;

import dev.osprey.core.OspreyException;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import dev.osprey.store.TrackingStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Authentication for every request but {@code /health} and {@code /version} (401 with MLflow's Basic challenge), and
 * the authorization of the routes that are not API endpoints: the artifact proxy, artifact and trace downloads,
 * OTLP ingest, {@code /metrics}. API endpoints are authorized by {@link AccessPolicy} after their body is decoded.
 */
public final class AuthFilter implements Filter {
    private static final String CHALLENGE = "Basic realm=\"mlflow\"";
    private static final String HOW = "You are not authenticated. Please see "
            + "https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.";

    private static final io.helidon.http.HeaderName CSRF_HEADER = HeaderNames.create("X-CSRF-Token");

    private final AuthService auth;
    private final TrackingStore store;
    private final String prefix;
    private final boolean browserLogin;

    /** @param browserLogin OIDC browser login is available: unauthenticated page loads are sent there */
    public AuthFilter(AuthService auth, TrackingStore store, String prefix, boolean browserLogin) {
        this.auth = auth;
        this.store = store;
        this.prefix = prefix;
        this.browserLogin = browserLogin;
    }

    /** A cookie of the request, if sent. */
    public static Optional<String> cookie(io.helidon.webserver.http.ServerRequest req, String name) {
        for (String header : req.headers().all(HeaderNames.COOKIE, java.util.List::of)) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    return Optional.of(pair.substring(eq + 1).trim()).filter(v -> !v.isEmpty());
                }
            }
        }
        return Optional.empty();
    }

    /** The authenticated user of a request that passed this filter. */
    public static User user(io.helidon.webserver.http.ServerRequest req) {
        return req.context().get(User.class).orElseThrow(() -> new IllegalStateException("unauthenticated call"));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.equals(prefix + "/health") || path.equals(prefix + "/version") || path.equals(prefix + "/auth/login")
                || path.equals(prefix + "/auth/callback") || path.equals(prefix + "/auth/logout")) {
            chain.proceed();
            return;
        }
        Optional<User> user;
        try {
            Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
            Optional<String> session = authorization.isEmpty() ? cookie(req, BrowserLogin.SESSION_COOKIE)
                    : Optional.empty();
            if (session.isPresent() && dev.osprey.server.security.SecurityFilter.STATE_CHANGING.contains(req.prologue().method().text())
                    && !req.headers().first(CSRF_HEADER).orElse("").equals(AuthService.csrfToken(session.get()))) {
                // A cookie rides along on cross-site requests; only our pages can read the CSRF cookie to echo it.
                res.status(Status.FORBIDDEN_403).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .send("CSRF token missing or invalid: send the " + BrowserLogin.CSRF_COOKIE
                                + " cookie's value in the X-CSRF-Token header.");
                return;
            }
            user = auth.authenticate(authorization.or(() -> session.map(s -> "Bearer " + s)));
        } catch (AuthService.Throttled e) {
            res.status(Status.TOO_MANY_REQUESTS_429).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .header(HeaderNames.RETRY_AFTER, "60").send(e.getMessage());
            return;
        }
        if (user.isEmpty() && browserLogin && req.prologue().method().text().equals("GET")
                && req.headers().first(HeaderNames.ACCEPT).orElse("").contains("text/html")
                && !path.startsWith(prefix + "/api/") && !path.startsWith(prefix + "/ajax-api/")
                && !path.startsWith("/api/")) {
            String target = req.query().isEmpty() ? path : path + "?" + req.query().rawValue();
            res.status(Status.FOUND_302).header(HeaderNames.LOCATION, prefix + "/auth/login?next="
                    + java.net.URLEncoder.encode(target, StandardCharsets.UTF_8)).send();
            return;
        }
        if (user.isEmpty()) {
            res.status(Status.UNAUTHORIZED_401).header(HeaderNames.WWW_AUTHENTICATE, CHALLENGE)
                    .header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .send(HOW.getBytes(StandardCharsets.UTF_8));
            return;
        }
        req.context().register(user.get());
        try {
            authorizeOutsideApi(user.get(), req, path);
        } catch (OspreyException e) {
            res.status(Status.create(e.errorCode().httpStatus())).header(HeaderNames.CONTENT_TYPE,
                    "text/plain; charset=utf-8").send(e.getMessage());
            return;
        }
        chain.proceed();
    }

    private void experiment(User u, String experimentId, Need need) {
        auth.require(u, ResourceType.EXPERIMENT, experimentId, need);
    }

    private static Need byMethod(String method) {
        return switch (method) {
            case "GET", "HEAD" -> Need.READ;
            case "DELETE" -> Need.DELETE;
            default -> Need.UPDATE;
        };
    }

    /** The decisions of the routes that are not API endpoints; anything else needs only the login. */
    void authorizeOutsideApi(User u, RoutingRequest req, String path) {
        String method = req.prologue().method().text();
        var query = req.query();
        if (path.equals("/v1/traces")) {
            experiment(u, req.headers().first(HeaderNames.create("x-mlflow-experiment-id")).orElse("0"),
                    Need.UPDATE);
        } else if (path.equals(prefix + "/metrics")) {
            AuthService.requireAdmin(u);
        } else if (path.startsWith("/api/2.0/mlflow-artifacts/") || path.startsWith(prefix
                + "/ajax-api/2.0/mlflow-artifacts/")) {
            proxiedArtifact(u, method, path, query.first("path").orElse(""));
        } else if (path.equals(prefix + "/get-artifact")) {
            query.first("run_uuid").asOptional().or(() -> query.first("run_id").asOptional()).flatMap(store::getRun)
                    .ifPresent(r -> experiment(u, r.info().experimentId(), Need.READ));
        } else if (path.equals(prefix + "/model-versions/get-artifact")) {
            auth.require(u, ResourceType.REGISTERED_MODEL, query.first("name").orElse(""), Need.READ);
        } else if (path.equals("/api/3.0/mlflow/traces/get") || path.equals(prefix + "/ajax-api/3.0/mlflow/traces/get")
                || path.equals(prefix + "/ajax-api/2.0/mlflow/get-trace-artifact")) {
            query.first("trace_id").asOptional().or(() -> query.first("request_id").asOptional()).flatMap(store.traces()::getTraceInfo)
                    .ifPresent(t -> experiment(u, t.experimentId(), Need.READ));
        } else if (path.startsWith(prefix + "/ajax-api/2.0/mlflow/logged-models/") && path.endsWith(
                "/artifacts/files")) {
            String id = path.substring((prefix + "/ajax-api/2.0/mlflow/logged-models/").length(),
                    path.length() - "/artifacts/files".length());
            store.loggedModels().get(id, true).ifPresent(m -> experiment(u, m.experimentId(), Need.READ));
        }
    }

    /**
     * Proxied artifacts live under {@code <experiment id>/...} (runs, traces, logged models all keep that layout):
     * the first segment names the experiment. Anything else is the admin's.
     */
    private void proxiedArtifact(User u, String method, String path, String listPath) {
        String rest = path.substring(path.indexOf("/mlflow-artifacts/") + "/mlflow-artifacts/".length());
        String artifactPath;
        if (rest.startsWith("artifacts/")) {
            artifactPath = rest.substring("artifacts/".length());
        } else if (rest.equals("artifacts")) {
            artifactPath = listPath;
        } else if (rest.startsWith("mpu/")) {
            String[] parts = rest.split("/", 3);
            artifactPath = parts.length == 3 ? parts[2] : "";
        } else {
            artifactPath = "";
        }
        String first = java.net.URLDecoder.decode(artifactPath.split("/", 2)[0], StandardCharsets.UTF_8);
        if (first.matches("[0-9]{1,18}")) {
            experiment(u, first, byMethod(method));
        } else {
            AuthService.requireAdmin(u);
        }
    }
}
