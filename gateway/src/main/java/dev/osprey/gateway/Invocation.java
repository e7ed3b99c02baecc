package dev.osprey.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.provider.Passthrough;
import java.util.Objects;
import java.util.Optional;

/**
 * One call to an endpoint, named in the caller's workspace.
 *
 * @param body the request as the caller sent it ({@code model} already removed for unified routes)
 * @param user who is calling (the authenticated user, else the {@code user} field, else "anonymous")
 * @param passthrough for provider passthrough routes: the provider family the caller speaks and the path under the
 *     provider's base URL; the body and the answer then stay in that provider's own format
 * @param workspace where the endpoint name is looked up (names are unique per workspace)
 */
public record Invocation(String endpointName, Operation operation, ObjectNode body, String user, boolean stream,
        Optional<Passthrough> passthrough, String workspace) {
    public Invocation {
        Objects.requireNonNull(endpointName, "endpointName");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passthrough, "passthrough");
        Objects.requireNonNull(workspace, "workspace");
    }

    /** A call in the default workspace. */
    public Invocation(String endpointName, Operation operation, ObjectNode body, String user, boolean stream,
            Optional<Passthrough> passthrough) {
        this(endpointName, operation, body, user, stream, passthrough, dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    /** The same call with another body (a guardrail's rewrite). */
    public Invocation withBody(ObjectNode newBody) {
        return new Invocation(endpointName, operation, newBody, user, stream, passthrough, workspace);
    }

    /** The same call made in a workspace. */
    public Invocation in(String workspace) {
        return new Invocation(endpointName, operation, body, user, stream, passthrough, workspace);
    }
}
