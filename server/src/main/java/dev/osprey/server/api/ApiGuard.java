package dev.osprey.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;

/** Decides, per call, whether it may run, and runs it (authorization sits here when auth is on). */
@FunctionalInterface
public interface ApiGuard {
    JsonNode invoke(Endpoint endpoint, ApiRequest request, ServerRequest raw);

    /** No authorization: every call runs. */
    ApiGuard OPEN = (e, r, raw) -> e.handler().handle(r);
}
