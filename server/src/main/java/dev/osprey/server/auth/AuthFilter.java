package dev.osprey.server.auth;

import dev.osprey.core.OspreyException;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
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
    private final RouteTouches routes;
    private final String prefix;
    private final boolean browserLogin;

    /** @param browserLogin OIDC browser login is available: unauthenticated page loads are sent there */
    /** @param proxiedPaths which experiment a path under the artifact proxy is in (workspace roots included) */
    private final java.util.function.Supplier<dev.osprey.server.workspaces.ProxiedPaths> proxiedPaths;

    public AuthFilter(AuthService auth, RouteTouches routes, String prefix, boolean browserLogin,
            java.util.function.Supplier<dev.osprey.server.workspaces.ProxiedPaths> proxiedPaths) {
        this.proxiedPaths = proxiedPaths;
        this.auth = auth;
        this.routes = routes;
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
        if (routes.open(req)) {
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
        chain.proceed();
    }

    /**
     * The authorization of the routes that are not API endpoints, as a filter that runs after the workspace filter
     * (a user's permissions depend on the workspace).
     */
    public Filter outsideApi() {
        return (chain, req, res) -> {
            Optional<User> user = req.context().get(User.class);
            if (user.isPresent()) {
                try {
                    authorizeOutsideApi(user.get(), req);
                } catch (OspreyException e) {
                    res.status(Status.create(e.errorCode().httpStatus())).header(HeaderNames.CONTENT_TYPE,
                            "text/plain; charset=utf-8").send(e.getMessage());
                    return;
                }
            }
            chain.proceed();
        };
    }

    /** The decisions of the routes that are not API endpoints; anything else needs only the login. */
    void authorizeOutsideApi(User u, RoutingRequest req) {
        Optional<String> workspace = dev.osprey.server.workspaces.Workspaces.nameOf(req);
        routes.of(req).ifPresent(touch -> {
            switch (touch) {
                case RouteResources.OnExperiment e -> auth.require(u, ResourceType.EXPERIMENT, e.experimentId(),
                        e.need(), workspace);
                case RouteResources.OnModel m -> auth.require(u, ResourceType.REGISTERED_MODEL,
                        AccessPolicy.grantId(ResourceType.REGISTERED_MODEL, m.name(), workspace), m.need(), workspace);
                case RouteResources.OnProxiedPath p -> proxiedPaths.get().experimentOf(
                        p.path()).ifPresentOrElse(id -> auth.require(u, ResourceType.EXPERIMENT, id, p.need(),
                                workspace), () -> AuthService.requireAdmin(u));
                case RouteResources.AdminOnly a -> AuthService.requireAdmin(u);
            }
        });
    }
}
