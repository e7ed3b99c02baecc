package dev.osprey.server.api;

import java.util.Objects;

/**
 * An RPC as the protos declare it: method, conceptual path ({@code /mlflow/runs/create}) and API major version.
 * The router mounts it under {@code /api/<major>.0} and {@code /ajax-api/<major>.0}.
 */
public record Endpoint(String method, String path, int majorVersion, ApiHandler handler, int successStatus,
        Requirement requirement) {
    public Endpoint {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(requirement, "requirement");
    }

    /** An RPC answering 200 with its JSON. */
    public Endpoint(String method, String path, int majorVersion, ApiHandler handler) {
        this(method, path, majorVersion, handler, 200, Requirement.UNDECLARED);
    }

    /** The same RPC answering another status when it succeeds (201 Created; 204 sends no body). */
    public Endpoint withSuccessStatus(int status) {
        return new Endpoint(method, path, majorVersion, handler, status, requirement);
    }

    /** The same RPC with what it asks of its caller. */
    public Endpoint requires(Requirement what) {
        return new Endpoint(method, path, majorVersion, handler, successStatus, what);
    }

    public static Endpoint get(String path, ApiHandler handler) {
        return new Endpoint("GET", path, 2, handler);
    }

    public static Endpoint post(String path, ApiHandler handler) {
        return new Endpoint("POST", path, 2, handler);
    }

    /** PATCH with a JSON body, as the registry's update RPCs. */
    public static Endpoint patch(String path, ApiHandler handler) {
        return new Endpoint("PATCH", path, 2, handler);
    }

    /** DELETE with a JSON body (or a query string), as the registry's delete RPCs. */
    public static Endpoint delete(String path, ApiHandler handler) {
        return new Endpoint("DELETE", path, 2, handler);
    }
}
