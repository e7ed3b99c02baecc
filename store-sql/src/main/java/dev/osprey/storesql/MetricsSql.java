package dev.osprey.storesql;

import dev.osprey.core.Metric;
import dev.osprey.core.Page;
import dev.osprey.store.PageTokens;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Metric history and the latest-value table kept beside it. */
final class MetricsSql {
    static final String POINT_COLUMNS = "metric_key, metric_value, ts, step, is_nan, dataset_name, dataset_digest, "
            + "model_id";

    static final String LATEST_COLUMNS = "metric_key, metric_value, ts, step, is_nan";

    private final SqlDialect dialect;

    MetricsSql(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Appends points (exact replays are dropped by the primary key) and moves each key's latest value forward when
     * a new point orders after it by (step, timestamp, value), in one conditional upsert per key. The caller holds
     * the run's row lock, so concurrent batches on one run apply one after another.
     */
    void log(Connection c, String runId, List<Metric> metrics) throws SQLException {
        if (metrics.isEmpty()) {
            return;
        }
        Map<String, Metric> newest = newestPerKey(metrics);
        try (PreparedStatement ps = c.prepareStatement(dialect.insertIgnore("metrics",
                "run_id, metric_key, ts, step, metric_value, is_nan, dataset_name, dataset_digest, model_id",
                "run_id, metric_key, ts, step, metric_value, is_nan"))) {
            for (Metric m : metrics) {
                Jdbc.bind(ps, runId, m.key(), m.timestamp(), m.step(), stored(m.value()), Double.isNaN(m.value()),
                        m.datasetName().orElse(null), m.datasetDigest().orElse(null), m.modelId().orElse(null));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement(dialect.latestMetricUpsert())) {
            for (Metric m : newest.values()) {
                Jdbc.bind(ps, runId, m.key(), stored(m.value()), m.timestamp(), m.step(), Double.isNaN(m.value()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Per key, the batch's point that orders last by MLflow's "latest" rule. */
    static Map<String, Metric> newestPerKey(List<Metric> metrics) {
        Map<String, Metric> newest = new LinkedHashMap<>();
        for (Metric m : metrics) {
            newest.merge(m.key(), m, (a, b) -> compare(b, a) > 0 ? b : a);
        }
        return newest;
    }

    /** MLflow's order for "latest": step, then timestamp, then value, with NaN compared as its stored 0. */
    private static int compare(Metric a, Metric b) {
        int bySteps = Long.compare(a.step(), b.step());
        if (bySteps != 0) {
            return bySteps;
        }
        int byTime = Long.compare(a.timestamp(), b.timestamp());
        if (byTime != 0) {
            return byTime;
        }
        return Double.compare(stored(a.value()), stored(b.value()));
    }

    /** NaN is kept as 0 with is_nan set: MySQL has no NaN, and one encoding keeps the backends alike. */
    static double stored(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    /** A history row, with its dataset and model links. */
    static Metric point(ResultSet rs) throws SQLException {
        return new Metric(rs.getString("metric_key"), value(rs), rs.getLong("ts"), rs.getLong("step"),
                Optional.ofNullable(rs.getString("dataset_name")), Optional.ofNullable(rs.getString("dataset_digest")),
                Optional.ofNullable(rs.getString("model_id")), Optional.empty());
    }

    /** A latest_metrics row. */
    static Metric latest(ResultSet rs) throws SQLException {
        return Metric.of(rs.getString("metric_key"), value(rs), rs.getLong("ts"), rs.getLong("step"));
    }

    private static double value(ResultSet rs) throws SQLException {
        return rs.getBoolean("is_nan") ? Double.NaN : rs.getDouble("metric_value");
    }

    Page<Metric> history(Connection c, String runId, String key, OptionalInt maxResults, Optional<String> token)
            throws SQLException {
        String sql = "SELECT " + POINT_COLUMNS + " FROM metrics WHERE run_id = ? AND metric_key = ? "
                + "ORDER BY ts, step, metric_value";
        int offset = PageTokens.offsetOf(token);
        if (maxResults.isEmpty()) {
            List<Metric> all = Jdbc.list(c, sql + (offset > 0 ? " LIMIT " + Integer.MAX_VALUE + " OFFSET " + offset
                    : ""), MetricsSql::point, runId, key);
            return Page.last(all);
        }
        int limit = maxResults.getAsInt();
        List<Metric> rows = Jdbc.list(c, sql + " LIMIT " + (limit + 1) + " OFFSET " + offset, MetricsSql::point,
                runId, key);
        if (rows.size() > limit) {
            return new Page<>(rows.subList(0, limit), Optional.of(PageTokens.offset((long) offset + limit)));
        }
        return Page.last(rows);
    }
}
