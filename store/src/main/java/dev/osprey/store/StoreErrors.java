package dev.osprey.store;

import dev.osprey.core.OspreyException;

/**
 * MLflow's wording for the stores' not-found and wrong-state errors, shared by every backend: clients and tests
 * match on it, so one backend must not word them differently from another.
 */
public final class StoreErrors {
    private StoreErrors() {}

    public static OspreyException experimentNotFound(String id) {
        return OspreyException.notFound("No Experiment with id=" + id + " exists");
    }

    public static OspreyException experimentNotActive(String id) {
        return OspreyException.invalid("The experiment " + id
                + " must be in the 'active' state. Current state is deleted.");
    }

    /** A name already taken by another experiment, deleted ones included; {@code detail} says how it was found. */
    public static OspreyException experimentExists(String name, String detail) {
        return OspreyException.alreadyExists("Experiment(name=" + name + ") already exists. Error: " + detail);
    }

    /** An experiment id a caller must give as an integer. */
    public static OspreyException invalidExperimentId(String id) {
        return OspreyException.invalid("Invalid experiment id '" + id + "'.");
    }

    public static OspreyException runNotFound(String id) {
        return OspreyException.notFound("Run with id=" + id + " not found");
    }

    public static OspreyException runNotActive(String id) {
        return OspreyException.invalid("The run " + id + " must be in the 'active' state. Current state is deleted.");
    }

    public static OspreyException registeredModelNotFound(String name) {
        return OspreyException.notFound("Registered Model with name=" + name + " not found");
    }

    public static OspreyException modelVersionNotFound(String name, String version) {
        return OspreyException.notFound("Model Version (name=" + name + ", version=" + version + ") not found");
    }

    public static OspreyException loggedModelNotFound(String id) {
        return OspreyException.notFound("Logged model with ID '" + id + "' not found.");
    }

    public static OspreyException traceNotFound(String traceId) {
        return OspreyException.notFound("Trace with ID '" + traceId + "' not found.");
    }

    public static OspreyException assessmentNotFound(String id) {
        return OspreyException.notFound("Assessment with ID '" + id + "' not found.");
    }

    public static OspreyException datasetNotFound(String datasetId) {
        return OspreyException.notFound("Could not find evaluation dataset with ID " + datasetId);
    }

    public static OspreyException webhookNotFound(String id) {
        return OspreyException.notFound("Webhook with ID " + id + " not found.");
    }

    /**
     * Deleting a workspace with SET_DEFAULT would give the default workspace a second experiment or model of a name
     * (MLflow's preflight wording; each clash a line such as {@code experiments: 'churn'}).
     */
    public static OspreyException namesTakenInDefault(String workspace, java.util.List<String> clashes) {
        return new OspreyException(dev.osprey.core.ErrorCode.RESOURCE_CONFLICT, "Cannot reassign resources from "
                + "workspace '" + workspace + "' to '" + WorkspaceStore.DEFAULT + "': the following names already "
                + "exist in the default workspace and would cause conflicts:\n  - " + String.join("\n  - ", clashes)
                + "\nRename or remove the conflicting resources before retrying.");
    }

    public static OspreyException workspaceNotFound(String name) {
        return OspreyException.notFound("Workspace '" + name + "' not found");
    }
}
