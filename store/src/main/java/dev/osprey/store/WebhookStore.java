package dev.osprey.store;

import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import java.util.Optional;

/** Registry webhooks. Unknown ids are {@code RESOURCE_DOES_NOT_EXIST} "Webhook with ID <id> not found.". */
public interface WebhookStore {

    void create(Webhook webhook);

    Optional<Webhook> get(String webhookId);

    /** Webhooks in creation order (oldest first). */
    Page<Webhook> list(int maxResults, Optional<String> pageToken);

    /** Replaces the stored webhook with the same id. */
    void update(Webhook webhook);

    void delete(String webhookId);

    /** Every ACTIVE webhook, for delivery. */
    java.util.List<Webhook> active();
}
