package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.Tag;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.ParamConflictException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * log-batch on PostgreSQL in three round trips instead of seven: one query locks the run and reads the params the
 * batch names; one statement writes params, history, latest values and tags (data-modifying CTEs over
 * {@code unnest}ed arrays); then the commit. Same semantics as the generic path: the caller's transaction, the run
 * row lock, a conflicting param fails the whole batch, exact metric replays are dropped, latest values move forward
 * by (step, timestamp, value), tags upsert with the last value winning.
 */
final class PostgresLogBatch {
    private static final String LOCK_AND_PARAMS = "SELECT r.lifecycle_stage, p.param_key, p.param_value FROM runs r "
            + "LEFT JOIN params p ON p.run_id = r.run_id AND p.param_key = ANY (?) WHERE r.run_id = ? FOR UPDATE OF r";

    private static final String WRITE_ALL = "WITH "
            + "p AS (INSERT INTO params (run_id, param_key, param_value) SELECT ?, k, v "
            + "FROM unnest(?::text[], ?::text[]) AS t(k, v) ON CONFLICT DO NOTHING), "
            + "m AS (INSERT INTO metrics (run_id, metric_key, ts, step, metric_value, is_nan, dataset_name, "
            + "dataset_digest, model_id) SELECT ?, k, ts, st, v, n, dn, dd, mi FROM unnest(?::text[], ?::bigint[], "
            + "?::bigint[], ?::float8[], ?::bool[], ?::text[], ?::text[], ?::text[]) AS t(k, ts, st, v, n, dn, dd, mi) "
            + "ON CONFLICT DO NOTHING), "
            + "l AS (INSERT INTO latest_metrics (run_id, metric_key, metric_value, ts, step, is_nan) "
            + "SELECT ?, k, v, ts, st, n FROM unnest(?::text[], ?::float8[], ?::bigint[], ?::bigint[], ?::bool[]) "
            + "AS t(k, v, ts, st, n) ON CONFLICT (run_id, metric_key) DO UPDATE SET "
            + "metric_value = excluded.metric_value, ts = excluded.ts, step = excluded.step, is_nan = excluded.is_nan "
            + "WHERE (excluded.step, excluded.ts, excluded.metric_value) > "
            + "(latest_metrics.step, latest_metrics.ts, latest_metrics.metric_value)) "
            + "INSERT INTO run_tags (run_id, tag_key, tag_value) SELECT ?, k, v FROM unnest(?::text[], ?::text[]) "
            + "AS t(k, v) ON CONFLICT (run_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value";

    private PostgresLogBatch() {}

    static void log(Connection c, String runId, MetricBatch batch) throws SQLException {
        Map<String, String> params = new LinkedHashMap<>();
        for (Param p : batch.params()) {
            params.put(p.key(), p.value());
        }
        Map<String, String> stored = lockAndReadParams(c, runId, params);
        List<ParamConflictException.Conflict> conflicts = new ArrayList<>();
        params.forEach((key, value) -> {
            String old = stored.get(key);
            if (old != null && !old.equals(value)) {
                conflicts.add(new ParamConflictException.Conflict(key, old, value));
            }
        });
        if (!conflicts.isEmpty()) {
            throw new ParamConflictException(runId, conflicts);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (Tag t : batch.tags()) {
            tags.put(t.key(), t.value());
        }
        List<Metric> metrics = batch.metrics();
        Map<String, Metric> newest = MetricsSql.newestPerKey(metrics);
        try (PreparedStatement ps = c.prepareStatement(WRITE_ALL)) {
            int i = 1;
            ps.setString(i++, runId);
            ps.setArray(i++, array(c, "text", params.keySet().toArray()));
            ps.setArray(i++, array(c, "text", params.values().toArray()));
            ps.setString(i++, runId);
            ps.setArray(i++, array(c, "text", metrics.stream().map(Metric::key).toArray()));
            ps.setArray(i++, array(c, "bigint", metrics.stream().map(Metric::timestamp).toArray()));
            ps.setArray(i++, array(c, "bigint", metrics.stream().map(Metric::step).toArray()));
            ps.setArray(i++, array(c, "float8", metrics.stream().map(m -> MetricsSql.stored(m.value())).toArray()));
            ps.setArray(i++, array(c, "bool", metrics.stream().map(m -> Double.isNaN(m.value())).toArray()));
            ps.setArray(i++, array(c, "text", metrics.stream().map(m -> m.datasetName().orElse(null)).toArray()));
            ps.setArray(i++, array(c, "text", metrics.stream().map(m -> m.datasetDigest().orElse(null)).toArray()));
            ps.setArray(i++, array(c, "text", metrics.stream().map(m -> m.modelId().orElse(null)).toArray()));
            ps.setString(i++, runId);
            ps.setArray(i++, array(c, "text", newest.keySet().toArray()));
            ps.setArray(i++, array(c, "float8", newest.values().stream().map(m -> MetricsSql.stored(m.value()))
                    .toArray()));
            ps.setArray(i++, array(c, "bigint", newest.values().stream().map(Metric::timestamp).toArray()));
            ps.setArray(i++, array(c, "bigint", newest.values().stream().map(Metric::step).toArray()));
            ps.setArray(i++, array(c, "bool", newest.values().stream().map(m -> Double.isNaN(m.value())).toArray()));
            ps.setString(i++, runId);
            ps.setArray(i++, array(c, "text", tags.keySet().toArray()));
            ps.setArray(i, array(c, "text", tags.values().toArray()));
            ps.executeUpdate();
        }
        String name = tags.get(Run.RUN_NAME_TAG);
        if (name != null) {
            Jdbc.update(c, "UPDATE runs SET run_name = ? WHERE run_id = ?", name, runId);
        }
    }

    /** Locks the run row, checks it is active and returns the stored values of the given param keys. */
    private static Map<String, String> lockAndReadParams(Connection c, String runId, Map<String, String> params)
            throws SQLException {
        Map<String, String> stored = new HashMap<>();
        Optional<String> stage = Optional.empty();
        try (PreparedStatement ps = c.prepareStatement(LOCK_AND_PARAMS)) {
            ps.setArray(1, array(c, "text", params.keySet().toArray()));
            ps.setString(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stage = Optional.of(rs.getString(1));
                    if (rs.getString(2) != null) {
                        stored.put(rs.getString(2), rs.getString(3));
                    }
                }
            }
        }
        if (stage.isEmpty()) {
            throw StoreErrors.runNotFound(runId);
        }
        if (!LifecycleStage.ACTIVE.wireName().equals(stage.get())) {
            throw StoreErrors.runNotActive(runId);
        }
        return stored;
    }

    private static Array array(Connection c, String type, Object[] values) throws SQLException {
        return c.createArrayOf(type, values);
    }
}
