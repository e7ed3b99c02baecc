package dev.osprey.server.auth;

import dev.osprey.server.api.RawRoute;
import dev.osprey.server.api.RawRoutes;
import io.helidon.webserver.http.RoutingRequest;
import java.util.Optional;

/**
 * For the filters ahead of routing: which raw route a request will reach, and so whether it needs a login and
 * what it touches. Looked up once per request.
 */
public final class RouteTouches {
    private final RawRoutes routes;

    public RouteTouches(RawRoutes routes) {
        this.routes = routes;
    }

    /** What a request was found to touch, kept on it so the workspace and auth filters look it up once. */
    private record Resolved(Optional<RawRoute> route, Optional<RouteResources.Touch> touch) {}

    private Resolved resolve(RoutingRequest req) {
        Optional<Resolved> known = req.context().get(Resolved.class);
        if (known.isPresent()) {
            return known.get();
        }
        Optional<RawRoute> route = routes.match(req);
        Optional<RouteResources.Touch> touch = route.map(RawRoute::requirement).flatMap(r ->
                r instanceof Access.Touching t ? t.touch().apply(req) : Optional.empty());
        Resolved resolved = new Resolved(route, touch);
        req.context().register(resolved);
        return resolved;
    }

    /** What the request touches; empty for routes that need only a login (pages, the API router). */
    public Optional<RouteResources.Touch> of(RoutingRequest req) {
        return resolve(req).touch();
    }

    /** Whether the request reaches a route served without a login (probes, the login pages). */
    public boolean open(RoutingRequest req) {
        return resolve(req).route().map(r -> r.requirement() instanceof Access.Open).orElse(false);
    }
}
