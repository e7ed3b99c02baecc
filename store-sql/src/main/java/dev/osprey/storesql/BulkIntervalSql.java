package dev.osprey.storesql;

import dev.osprey.core.Metric;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.MetricSampling;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Sampled history for charts (spec/tracking.md §5.6). The cost is bounded whatever the history length: below
 * {@link #EXACT_LIMIT} points MLflow's algorithm runs on the exact set of distinct steps; above it the sample is
 * taken at evenly spaced step values found by index lookups — the same steps MLflow picks when steps are dense
 * (0, 1, 2, ...), the usual case for long histories.
 */
final class BulkIntervalSql {
    static final int EXACT_LIMIT = 5_000;

    List<Metric> sample(Connection c, BulkIntervalQuery q) throws SQLException {
        String key = q.metricKey();
        boolean exact = true;
        int budget = EXACT_LIMIT;
        for (String runId : q.runIds()) {
            int count = Jdbc.one(c, "SELECT COUNT(*) FROM (SELECT 1 FROM metrics WHERE run_id = ? AND metric_key = ? "
                    + "LIMIT " + (budget + 1) + ") bounded", rs -> rs.getInt(1), runId, key).orElse(0);
            budget -= count;
            if (budget < 0) {
                exact = false;
                break;
            }
        }
        TreeSet<Long> allSteps = new TreeSet<>();
        TreeSet<Long> extremes = new TreeSet<>();
        for (String runId : q.runIds()) {
            Optional<long[]> minMax = minMax(c, runId, key);
            if (minMax.isEmpty()) {
                continue;
            }
            extremes.add(minMax.get()[0]);
            extremes.add(minMax.get()[1]);
            if (exact) {
                allSteps.addAll(Jdbc.list(c, "SELECT DISTINCT step FROM metrics WHERE run_id = ? AND metric_key = ?",
                        rs -> rs.getLong(1), runId, key));
            }
        }
        if (extremes.isEmpty()) {
            return List.of();
        }
        long start = q.startStep().orElse(0);
        long end = q.endStep().orElse(exact ? (allSteps.isEmpty() ? 0 : allSteps.last()) : extremes.last());
        TreeSet<Long> chosen = new TreeSet<>(extremes.subSet(start, true, end, true));
        if (exact) {
            chosen.addAll(MetricSampling.sampleExact(new ArrayList<>(allSteps), start, end, q.maxResults()));
        } else {
            chosen.addAll(MetricSampling.sampleBySpacing(start, end, q.maxResults()));
        }
        List<Metric> out = new ArrayList<>();
        for (String runId : q.runIds()) {
            out.addAll(points(c, runId, key, chosen));
        }
        return out;
    }

    /** First and last step, each one index probe (a single MIN-and-MAX query scans the range on SQLite). */
    private static Optional<long[]> minMax(Connection c, String runId, String key) throws SQLException {
        String sql = "SELECT step FROM metrics WHERE run_id = ? AND metric_key = ? ORDER BY step ";
        Optional<Long> min = Jdbc.one(c, sql + "ASC LIMIT 1", rs -> rs.getLong(1), runId, key);
        if (min.isEmpty()) {
            return Optional.empty();
        }
        long max = Jdbc.one(c, sql + "DESC LIMIT 1", rs -> rs.getLong(1), runId, key).orElseThrow();
        return Optional.of(new long[] {min.get(), max});
    }

    private static List<Metric> points(Connection c, String runId, String key, TreeSet<Long> steps)
            throws SQLException {
        if (steps.isEmpty()) {
            return List.of();
        }
        List<Metric> out = new ArrayList<>();
        for (Metric m : Jdbc.list(c, "SELECT " + MetricsSql.POINT_COLUMNS + " FROM metrics WHERE run_id = ? AND "
                + "metric_key = ? AND step IN (" + Jdbc.marks(steps.size()) + ") ORDER BY step, ts LIMIT "
                + MetricSampling.MAX_POINTS_PER_RUN, MetricsSql::point, concat(runId, key, steps))) {
            out.add(m.withRunId(runId));
        }
        return out;
    }

    private static Object[] concat(String runId, String key, TreeSet<Long> steps) {
        Object[] args = new Object[steps.size() + 2];
        args[0] = runId;
        args[1] = key;
        int i = 2;
        for (Long s : steps) {
            args[i++] = s;
        }
        return args;
    }
}
