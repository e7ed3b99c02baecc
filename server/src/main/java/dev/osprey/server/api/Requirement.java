package dev.osprey.server.api;

/**
 * What an endpoint asks of its caller, declared where the endpoint is ({@code post(path, h).requires(onRun(UPDATE))}).
 * The access policy gives each requirement its meaning; an endpoint that declares none is refused to everyone but
 * admins, and a test fails on it.
 */
public interface Requirement {
    /** For coverage tables and docs: "UPDATE on the run", "admin only". */
    String description();

    /** No requirement declared: admins only, and a test names the endpoint. */
    Requirement UNDECLARED = () -> "undeclared (admins only)";
}
