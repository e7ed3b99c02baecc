package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import dev.osprey.store.PageTokens;
import dev.osprey.store.WebhookStore;
import dev.osprey.store.WorkspaceStore;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** {@link WebhookStore} on the in-memory tables; a webhook's workspace is kept with the other resources'. */
final class MemoryWebhookStore implements WebhookStore {
    private static final Comparator<Webhook> CREATION_ORDER = Comparator.comparingLong(Webhook::creationTimestamp)
            .thenComparing(Webhook::webhookId);

    private final MemoryDatabase db;

    MemoryWebhookStore(MemoryDatabase db) {
        this.db = db;
    }


    @Override
    public void create(Webhook webhook) {
        db.locked(() -> {
            if (db.webhooks.containsKey(webhook.webhookId())) {
                throw OspreyException.alreadyExists("Webhook with ID " + webhook.webhookId() + " already exists.");
            }
            db.webhooks.put(webhook.webhookId(), webhook);
            db.workspaces(WorkspaceStore.Kind.WEBHOOK).put(webhook.webhookId(), webhook.workspace());
        });
    }

    /** The stored webhook with its current workspace (moved when a workspace is deleted with SET_DEFAULT). */
    private Webhook current(Webhook w) {
        return w.inWorkspace(db.workspaces(WorkspaceStore.Kind.WEBHOOK).getOrDefault(w.webhookId(),
                WorkspaceStore.DEFAULT));
    }

    @Override
    public Optional<Webhook> get(String webhookId) {
        return db.locked(() -> Optional.ofNullable(db.webhooks.get(webhookId)).map(this::current));
    }

    @Override
    public Page<Webhook> list(String workspace, int maxResults, Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        return db.locked(() -> Tables.page(db.webhooks.values().stream().map(this::current)
                .filter(w -> w.workspace().equals(workspace)).sorted(CREATION_ORDER).toList(), offset, maxResults));
    }

    @Override
    public void update(Webhook webhook) {
        db.locked(() -> {
            Webhook old = db.webhooks.get(webhook.webhookId());
            if (old == null) {
                throw StoreErrors.webhookNotFound(webhook.webhookId());
            }
            db.webhooks.put(webhook.webhookId(), new Webhook(webhook.webhookId(), webhook.name(),
                    webhook.description(), webhook.url(), webhook.events(), webhook.status(),
                    old.creationTimestamp(), webhook.lastUpdatedTimestamp(), webhook.sealedSecret(), old.workspace()));
        });
    }

    @Override
    public void delete(String webhookId) {
        db.locked(() -> {
            if (db.webhooks.remove(webhookId) == null) {
                throw StoreErrors.webhookNotFound(webhookId);
            }
            db.workspaces(WorkspaceStore.Kind.WEBHOOK).remove(webhookId);
            db.forgetGrants(dev.osprey.store.AuthStore.ResourceType.WEBHOOK, webhookId);
        });
    }

    @Override
    public List<Webhook> active() {
        return db.locked(() -> db.webhooks.values().stream().filter(w -> w.status() == Webhook.Status.ACTIVE)
                .map(this::current).sorted(CREATION_ORDER).toList());
    }
}
