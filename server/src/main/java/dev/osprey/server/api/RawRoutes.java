package dev.osprey.server.api;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import java.util.List;
import java.util.Optional;

/**
 * The raw routes in the order they are tried. Helidon routes them from this list, and the filters ahead of routing
 * look up the same list to learn what a request will reach, so the access checks and the handlers cannot disagree
 * about which route serves a path.
 */
public final class RawRoutes {
    private final List<RawRoute> routes;

    public RawRoutes(List<RawRoute> routes) {
        this.routes = List.copyOf(routes);
    }

    public List<RawRoute> routes() {
        return routes;
    }

    /** Mounts every route, in order. */
    public void mount(HttpRouting.Builder routing) {
        for (RawRoute route : routes) {
            routing.route(route::serves, route.matcher(), route.handler());
        }
    }

    /** The route a request reaches first, if any (what is left goes to the API router). */
    public Optional<RawRoute> match(RoutingRequest req) {
        for (RawRoute route : routes) {
            if (route.serves(req.prologue().method()) && route.matcher().match(req.path()).accepted()) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }
}
