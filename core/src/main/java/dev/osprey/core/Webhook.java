package dev.osprey.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registry webhook. {@code sealedSecret} is the signing secret as stored — encrypted, never shown to clients;
 * only the delivery code opens it. It belongs to a workspace and hears only that workspace's events.
 */
public record Webhook(
        String webhookId,
        String name,
        Optional<String> description,
        String url,
        List<Event> events,
        Status status,
        long creationTimestamp,
        long lastUpdatedTimestamp,
        Optional<String> sealedSecret,
        String workspace) {

    /** ACTIVE webhooks receive deliveries; DISABLED ones keep their configuration only. */
    public enum Status {
        ACTIVE,
        DISABLED
    }

    /** A subscribed (entity, action) pair, by MLflow's upper-case enum names. */
    public record Event(String entity, String action) {
        public Event {
            Objects.requireNonNull(entity, "entity");
            Objects.requireNonNull(action, "action");
        }
    }

    public Webhook {
        Objects.requireNonNull(webhookId, "webhookId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(url, "url");
        events = List.copyOf(events);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(sealedSecret, "sealedSecret");
        Objects.requireNonNull(workspace, "workspace");
    }

    public Webhook inWorkspace(String workspace) {
        return new Webhook(webhookId, name, description, url, events, status, creationTimestamp, lastUpdatedTimestamp,
                sealedSecret, workspace);
    }
}
