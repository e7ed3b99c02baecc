package dev.osprey.server.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where registry changes are announced (webhooks of the workspace they happened in); entity and action in MLflow's
 * lower-case payload form.
 */
public interface RegistryEvents {

    /** Whether anyone in the workspace listens for the event, so payloads are only built when needed. */
    boolean wants(String workspace, String entity, String action);

    void publish(String workspace, String entity, String action, ObjectNode data);

    RegistryEvents NONE = new RegistryEvents() {
        @Override
        public boolean wants(String workspace, String entity, String action) {
            return false;
        }

        @Override
        public void publish(String workspace, String entity, String action, ObjectNode data) {}
    };
}
