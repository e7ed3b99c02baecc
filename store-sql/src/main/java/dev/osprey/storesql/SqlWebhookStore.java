package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Webhook;
import dev.osprey.store.PageTokens;
import dev.osprey.store.WebhookStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link WebhookStore} in the tracking store's database (V5, V20: the workspace). Events are stored as
 * {@code ENTITY:ACTION,...}.
 */
final class SqlWebhookStore implements WebhookStore {
    private static final String COLUMNS = "webhook_id, name, description, url, events, status, secret, "
            + "creation_time, last_updated_time, workspace";
    private final Database db;

    SqlWebhookStore(Database db) {
        this.db = db;
    }

    static OspreyException notFound(String id) {
        return StoreErrors.webhookNotFound(id);
    }

    private static String events(List<Webhook.Event> events) {
        List<String> parts = new ArrayList<>();
        events.forEach(e -> parts.add(e.entity() + ":" + e.action()));
        return String.join(",", parts);
    }

    private static List<Webhook.Event> events(String stored) {
        List<Webhook.Event> out = new ArrayList<>();
        for (String part : stored.split(",")) {
            int colon = part.indexOf(':');
            if (colon > 0) {
                out.add(new Webhook.Event(part.substring(0, colon), part.substring(colon + 1)));
            }
        }
        return out;
    }

    private static Webhook row(ResultSet rs) throws SQLException {
        return new Webhook(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)), rs.getString(4),
                events(rs.getString(5)), Webhook.Status.valueOf(rs.getString(6)), rs.getLong(8), rs.getLong(9),
                Optional.ofNullable(rs.getString(7)), rs.getString(10));
    }

    @Override
    public void create(Webhook w) {
        db.update(c -> Jdbc.update(c, "INSERT INTO webhooks (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                w.webhookId(), w.name(), w.description().orElse(null), w.url(), events(w.events()),
                w.status().name(), w.sealedSecret().orElse(null), w.creationTimestamp(), w.lastUpdatedTimestamp(),
                w.workspace()));
    }

    @Override
    public Optional<Webhook> get(String id) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM webhooks WHERE webhook_id = ?",
                SqlWebhookStore::row, id));
    }

    @Override
    public Page<Webhook> list(String workspace, int maxResults, Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        return db.read(c -> {
            List<Webhook> rows = Jdbc.list(c, "SELECT " + COLUMNS + " FROM webhooks WHERE workspace = ? ORDER BY "
                    + "creation_time, webhook_id LIMIT ? OFFSET ?", SqlWebhookStore::row, workspace, maxResults + 1,
                    offset);
            boolean more = rows.size() > maxResults;
            List<Webhook> page = more ? rows.subList(0, maxResults) : rows;
            return new Page<>(page, more ? Optional.of(PageTokens.offset((long) offset + page.size()))
                    : Optional.empty());
        });
    }

    @Override
    public void update(Webhook w) {
        db.update(c -> {
            int n = Jdbc.update(c, "UPDATE webhooks SET name = ?, description = ?, url = ?, events = ?, status = ?, "
                    + "secret = ?, last_updated_time = ? WHERE webhook_id = ?", w.name(),
                    w.description().orElse(null), w.url(), events(w.events()), w.status().name(),
                    w.sealedSecret().orElse(null), w.lastUpdatedTimestamp(), w.webhookId());
            if (n == 0) {
                throw notFound(w.webhookId());
            }
        });
    }

    @Override
    public void delete(String id) {
        db.update(c -> {
            delete(c, id);
        });
    }

    /** Deletes a webhook and the grants on it, inside the caller's transaction. */
    static void delete(java.sql.Connection c, String id) throws SQLException {
        if (Jdbc.update(c, "DELETE FROM webhooks WHERE webhook_id = ?", id) == 0) {
            throw notFound(id);
        }
        Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.WEBHOOK, id);
    }

    @Override
    public List<Webhook> active() {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM webhooks WHERE status = 'ACTIVE' ORDER BY "
                + "creation_time, webhook_id", SqlWebhookStore::row));
    }
}
