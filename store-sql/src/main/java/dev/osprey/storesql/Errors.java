package dev.osprey.storesql;

import dev.osprey.core.OspreyException;

/** MLflow's wording for the store's not-found and wrong-state errors (clients and tests match on it). */
final class Errors {
    private Errors() {}

    static OspreyException experimentNotFound(String id) {
        return OspreyException.notFound("No Experiment with id=" + id + " exists");
    }

    static OspreyException runNotFound(String id) {
        return OspreyException.notFound("Run with id=" + id + " not found");
    }

    static OspreyException runNotActive(String id) {
        return OspreyException.invalid("The run " + id + " must be in the 'active' state. Current state is deleted.");
    }

    static OspreyException experimentNotActive(String id) {
        return OspreyException.invalid("The experiment " + id
                + " must be in the 'active' state. Current state is deleted.");
    }
}
