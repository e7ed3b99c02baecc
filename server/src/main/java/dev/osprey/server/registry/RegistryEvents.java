package dev.osprey.server.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where registry changes are announced (webhooks); entity and action in MLflow's lower-case payload form. */
public interface RegistryEvents {

    /** Whether anyone listens for the event, so payloads are only built when needed. */
    boolean wants(String entity, String action);

    void publish(String entity, String action, ObjectNode data);

    RegistryEvents NONE = new RegistryEvents() {
        @Override
        public boolean wants(String entity, String action) {
            return false;
        }

        @Override
        public void publish(String entity, String action, ObjectNode data) {}
    };
}
