package dev.osprey.store;

import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import java.util.Optional;

/**
 * Registry webhooks, each in a workspace. Unknown ids are {@code RESOURCE_DOES_NOT_EXIST} "Webhook with ID <id> not
 * found."; deleting one drops the grants on it.
 */
public interface WebhookStore {

    void create(Webhook webhook);

    Optional<Webhook> get(String webhookId);

    /** A workspace's webhooks in creation order (oldest first). */
    Page<Webhook> list(String workspace, int maxResults, Optional<String> pageToken);

    /** Replaces the stored webhook with the same id (its workspace and creation time stay). */
    void update(Webhook webhook);

    void delete(String webhookId);

    /** Every ACTIVE webhook of every workspace, for delivery. */
    java.util.List<Webhook> active();
}
