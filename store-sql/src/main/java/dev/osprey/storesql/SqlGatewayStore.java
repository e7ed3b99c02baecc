package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.store.GatewayStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@link GatewayStore} in the tracking store's database (migration V9). */
final class SqlGatewayStore implements GatewayStore {
    private static final String COLUMNS = "kind, id, name, body, created_at, updated_at, workspace";
    private static final long DAY_MS = 86_400_000L;
    private final Database db;

    SqlGatewayStore(Database db) {
        this.db = db;
    }

    private static GatewayDocument row(ResultSet rs) throws SQLException {
        return new GatewayDocument(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getLong(6), rs.getString(7));
    }

    private static String label(String kind) {
        return kind.replace('_', ' ');
    }

    @Override
    public void insert(GatewayDocument d) {
        try {
            db.update(c -> Jdbc.update(c, "INSERT INTO gateway_documents (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, "
                    + "?)", d.kind(), d.id(), d.name(), d.body(), d.createdAt(), d.updatedAt(), d.workspace()));
        } catch (ServerFailure e) {
            if (e.getCause() instanceof SQLException sql && db.dialect().isUniqueViolation(sql)) {
                throw OspreyException.alreadyExists("A " + label(d.kind()) + " named '" + d.name()
                        + "' already exists.");
            }
            throw e;
        }
    }

    @Override
    public void update(GatewayDocument d) {
        updateAll(List.of(d));
    }

    @Override
    public void updateAll(List<GatewayDocument> documents) {
        try {
            db.update(c -> {
                for (GatewayDocument d : documents) {
                    int n = Jdbc.update(c, "UPDATE gateway_documents SET name = ?, body = ?, updated_at = ? "
                            + "WHERE kind = ? AND id = ?", d.name(), d.body(), d.updatedAt(), d.kind(), d.id());
                    if (n == 0) {
                        throw OspreyException.notFound("No " + label(d.kind()) + " with id " + d.id() + ".");
                    }
                }
            });
        } catch (ServerFailure e) {
            if (e.getCause() instanceof SQLException sql && db.dialect().isUniqueViolation(sql)) {
                throw OspreyException.alreadyExists("Another " + label(documents.get(0).kind())
                        + " already has that name.");
            }
            throw e;
        }
    }

    @Override
    public Optional<GatewayDocument> get(String kind, String id) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM gateway_documents WHERE kind = ? AND id = ?",
                SqlGatewayStore::row, kind, id));
    }

    @Override
    public Optional<GatewayDocument> byName(String kind, String workspace, String name) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM gateway_documents WHERE kind = ? AND "
                + "workspace = ? AND name = ?", SqlGatewayStore::row, kind, workspace, name));
    }

    @Override
    public List<GatewayDocument> list(String kind) {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM gateway_documents WHERE kind = ? "
                + "ORDER BY created_at, id", SqlGatewayStore::row, kind));
    }

    @Override
    public boolean delete(String kind, String id) {
        return db.write(c -> {
            forgetGrants(c, kind, id);
            return Jdbc.update(c, "DELETE FROM gateway_documents WHERE kind = ? AND id = ?", kind, id) > 0;
        });
    }

    /** Grants on a gateway document ({@code secret}, {@code model_definition}, {@code endpoint}) go with it. */
    static void forgetGrants(java.sql.Connection c, String kind, String id) throws java.sql.SQLException {
        dev.osprey.store.AuthStore.ResourceType type;
        switch (kind) {
            case "secret" -> type = dev.osprey.store.AuthStore.ResourceType.GATEWAY_SECRET;
            case "model_definition" -> type = dev.osprey.store.AuthStore.ResourceType.GATEWAY_MODEL_DEFINITION;
            case "endpoint" -> type = dev.osprey.store.AuthStore.ResourceType.GATEWAY_ENDPOINT;
            default -> {
                return; // budgets and the like carry no grants
            }
        }
        Grants.forget(c, type, id);
    }

    @Override
    public void recordUsage(List<GatewayUsage> usage) {
        if (usage.isEmpty()) {
            return;
        }
        db.update(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO gateway_usage (request_id, timestamp_ms, "
                    + "epoch_day, endpoint_id, endpoint_name, provider, model, user_name, input_tokens, "
                    + "output_tokens, cost, latency_ms, status, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    + "?, ?)")) {
                for (GatewayUsage u : usage) {
                    Jdbc.bind(ps, u.requestId(), u.timestampMs(), Math.floorDiv(u.timestampMs(), DAY_MS),
                            u.endpointId(), u.endpointName(), u.provider(), u.model(), u.user(), u.inputTokens(),
                            u.outputTokens(), u.cost(), u.latencyMs(), u.status(), u.workspace());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
    }

    @Override
    public List<UsageTotals> usage(UsageQuery q) {
        String key = switch (q.groupBy()) {
            case ENDPOINT -> "endpoint_name";
            case USER -> "user_name";
            case DAY -> "epoch_day";
            case PROVIDER -> "provider";
            case MODEL -> "model";
        };
        StringBuilder sql = new StringBuilder("SELECT " + key + ", COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 "
                + "ELSE 0 END), SUM(input_tokens), SUM(output_tokens), SUM(cost), SUM(latency_ms) FROM gateway_usage "
                + "WHERE timestamp_ms >= ? AND timestamp_ms < ?");
        List<Object> args = new ArrayList<>(List.of(q.startMs(), q.endMs()));
        q.endpointId().ifPresent(id -> {
            sql.append(" AND endpoint_id = ?");
            args.add(id);
        });
        q.user().ifPresent(u -> {
            sql.append(" AND user_name = ?");
            args.add(u);
        });
        q.workspace().ifPresent(w -> {
            sql.append(" AND workspace = ?");
            args.add(w);
        });
        sql.append(" GROUP BY ").append(key);
        List<UsageTotals> rows = db.read(c -> Jdbc.list(c, sql.toString(), rs -> new UsageTotals(
                q.groupBy() == UsageGroup.DAY ? java.time.LocalDate.ofEpochDay(rs.getLong(1)).toString()
                        : rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getDouble(6), rs.getLong(7)), args.toArray()));
        List<UsageTotals> sorted = new ArrayList<>(rows);
        sorted.sort(q.groupBy() == UsageGroup.DAY ? java.util.Comparator.comparing(UsageTotals::key)
                : java.util.Comparator.comparingDouble(UsageTotals::cost).reversed()
                        .thenComparing(t -> t.key().toLowerCase(Locale.ROOT)));
        return sorted;
    }
}
