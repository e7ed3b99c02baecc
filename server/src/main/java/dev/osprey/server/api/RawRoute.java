package dev.osprey.server.api;

import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Handler;
import java.util.Objects;
import java.util.Optional;

/**
 * A route with its own Helidon handler rather than an API endpoint: the artifact proxy, downloads, OTLP ingest, the
 * gateway, pages, probes. One entry says where it is, who handles it and what it asks of the caller; the routing,
 * the auth filter and the workspace filter all read the same entry ({@link RawRoutes}).
 *
 * @param method the one method served; empty for every method
 * @param pattern Helidon's path pattern ({@code /health}, {@code /gateway/*}, {@code .../{model_id}/files})
 */
public record RawRoute(Optional<Method> method, String pattern, PathMatcher matcher, Handler handler,
        Requirement requirement) {
    public RawRoute {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(requirement, "requirement");
    }

    private static RawRoute of(Optional<Method> method, String pattern, Handler handler) {
        return new RawRoute(method, pattern, pattern.equals("*") ? PathMatchers.any() : PathMatchers.create(pattern),
                handler, Requirement.UNDECLARED);
    }

    public static RawRoute get(String pattern, Handler handler) {
        return of(Optional.of(Method.GET), pattern, handler);
    }

    public static RawRoute post(String pattern, Handler handler) {
        return of(Optional.of(Method.POST), pattern, handler);
    }

    /** Every method; {@code *} for every path (a handler that passes what is not its own on). */
    public static RawRoute any(String pattern, Handler handler) {
        return of(Optional.empty(), pattern, handler);
    }

    /** The same route with what it asks of its caller. */
    public RawRoute requires(Requirement what) {
        return new RawRoute(method, pattern, matcher, handler, what);
    }

    boolean serves(Method m) {
        return method.map(m::equals).orElse(true);
    }
}
