package dev.osprey.server.security;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first thing every request meets (MLflow 3.5's security middleware, stricter where noted in
 * docs/architecture.md): Host allow-list against DNS rebinding, CORS (preflights answered here, before
 * authentication; state-changing calls from other origins refused), {@code nosniff} and X-Frame-Options on every
 * answer, and API bodies over the limit refused from their Content-Length before a byte is read.
 */
public final class SecurityFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(SecurityFilter.class);
    static final String INVALID_HOST = "Invalid Host header - possible DNS rebinding attack detected";
    static final String CORS_BLOCKED = "Cross-origin request blocked";
    /** Methods that change state: what cross-site requests (CORS here, CSRF in the auth filter) must not send. */
    public static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final HeaderName FRAME_OPTIONS = HeaderNames.create("X-Frame-Options");

    private final HostRules rules;
    private final Optional<String> frameOptions;
    private final String prefix;
    private final long maxApiBody;

    /**
     * @param frameOptions the X-Frame-Options value, or empty to send none
     * @param maxApiBody largest JSON body an API call may carry
     */
    public SecurityFilter(HostRules rules, Optional<String> frameOptions, String prefix, long maxApiBody) {
        this.rules = rules;
        this.frameOptions = frameOptions;
        this.prefix = prefix;
        this.maxApiBody = maxApiBody;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        String method = req.prologue().method().text();
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        frameOptions.ifPresent(v -> res.header(FRAME_OPTIONS, v));
        if (path.equals(prefix + "/health") || path.equals(prefix + "/version")) {
            chain.proceed(); // probes (load balancers) may use any Host
            return;
        }
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        if (!rules.hostAllowed(host)) {
            LOG.warn("Refused a request for Host '{}' (not in --allowed-hosts)", host.replaceAll("[^\\x20-\\x7e]",
                    "?"));
            refuse(res, INVALID_HOST + ". If this server should answer to that name, start it with --allowed-hosts "
                    + "(MLFLOW_SERVER_ALLOWED_HOSTS) listing it.");
            return;
        }
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent()) {
            boolean allowed = rules.originAllowed(origin.get(), host);
            if (method.equals("OPTIONS") && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
                preflight(req, res, origin.get(), allowed);
                return;
            }
            if (!allowed && STATE_CHANGING.contains(method)) {
                refuse(res, CORS_BLOCKED + ": origin " + origin.get() + " is not allowed. Add it with "
                        + "--cors-allowed-origins (MLFLOW_SERVER_CORS_ALLOWED_ORIGINS).");
                return;
            }
            if (allowed) {
                corsHeaders(res, origin.get());
            }
        }
        if (isApi(path) && req.headers().contentLength().orElse(0L) > maxApiBody) {
            res.status(Status.REQUEST_ENTITY_TOO_LARGE_413).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send("{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"Request body exceeds "
                            + maxApiBody + " bytes.\"}");
            return;
        }
        chain.proceed();
    }

    /** JSON API calls (artifact uploads under mlflow-artifacts stream and have no such limit). */
    private boolean isApi(String path) {
        return (path.startsWith(prefix + "/api/") || path.startsWith(prefix + "/ajax-api/") || path.startsWith("/api/"))
                && !path.contains("/mlflow-artifacts/");
    }

    private static void preflight(RoutingRequest req, RoutingResponse res, String origin, boolean allowed) {
        if (!allowed) {
            refuse(res, CORS_BLOCKED + ": origin " + origin + " is not allowed.");
            return;
        }
        corsHeaders(res, origin);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS).ifPresent(h -> res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, h));
        res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        res.status(Status.NO_CONTENT_204).send();
    }

    private static void corsHeaders(RoutingResponse res, String origin) {
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        res.header(HeaderNames.VARY, "Origin");
    }

    private static void refuse(RoutingResponse res, String message) {
        res.status(Status.FORBIDDEN_403).header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").send(message);
    }
}
