package dev.osprey.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Random;

/** Loads synthetic runs and metric histories straight into Osprey's schema with JDBC batches, with progress. */
final class BulkLoader {
    static final String[] OPTIMIZERS = {"adam", "sgd", "rmsprop", "adagrad"};

    private BulkLoader() {}

    /** {@code count} finished runs, each with metrics m0..m4 (latest values) and params p0..p9. */
    static void runs(Connection c, long experimentId, int count, String idPrefix) throws SQLException {
        Random random = new Random(42);
        c.setAutoCommit(false);
        try (PreparedStatement run = c.prepareStatement("INSERT INTO runs (run_id, experiment_id, run_name, user_id, "
                + "status, start_time, end_time, deleted_time, lifecycle_stage, artifact_uri) VALUES "
                + "(?, ?, ?, 'bench', 'FINISHED', ?, ?, NULL, 'active', ?)");
                PreparedStatement metric = c.prepareStatement("INSERT INTO latest_metrics (run_id, metric_key, "
                        + "metric_value, ts, step, is_nan) VALUES (?, ?, ?, ?, 0, ?)");
                PreparedStatement param = c.prepareStatement("INSERT INTO params (run_id, param_key, param_value) "
                        + "VALUES (?, ?, ?)");
                PreparedStatement tag = c.prepareStatement("INSERT INTO run_tags (run_id, tag_key, tag_value) VALUES "
                        + "(?, 'mlflow.runName', ?)")) {
            for (int i = 0; i < count; i++) {
                String id = String.format("%s%0" + (32 - idPrefix.length()) + "x", idPrefix, i);
                run.setString(1, id);
                run.setLong(2, experimentId);
                run.setString(3, "run-" + i);
                run.setLong(4, 1_700_000_000_000L + i);
                run.setLong(5, 1_700_000_000_000L + i + 1000);
                run.setString(6, "mlflow-artifacts:/" + experimentId + "/" + id + "/artifacts");
                run.addBatch();
                for (int m = 0; m < 5; m++) {
                    metric.setString(1, id);
                    metric.setString(2, "m" + m);
                    metric.setDouble(3, random.nextDouble());
                    metric.setLong(4, 1_700_000_000_000L + i);
                    metric.setBoolean(5, false);
                    metric.addBatch();
                }
                for (int p = 0; p < 10; p++) {
                    param.setString(1, id);
                    param.setString(2, "p" + p);
                    param.setString(3, p == 0 ? OPTIMIZERS[random.nextInt(OPTIMIZERS.length)]
                            : Integer.toString(random.nextInt(1000)));
                    param.addBatch();
                }
                tag.setString(1, id);
                tag.setString(2, "run-" + i);
                tag.addBatch();
                if (i % 2000 == 1999 || i == count - 1) {
                    run.executeBatch();
                    metric.executeBatch();
                    param.executeBatch();
                    tag.executeBatch();
                    c.commit();
                    progress("runs", i + 1, count);
                }
            }
        }
        c.setAutoCommit(true);
    }

    /** One metric key with {@code points} points at steps 0..points-1. */
    static void history(Connection c, String runId, String key, int points) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO metrics (run_id, metric_key, ts, step, "
                + "metric_value, is_nan) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < points; i++) {
                ps.setString(1, runId);
                ps.setString(2, key);
                ps.setLong(3, 1_700_000_000_000L + i);
                ps.setLong(4, i);
                ps.setDouble(5, Math.exp(-i / (double) points));
                ps.setBoolean(6, false);
                ps.addBatch();
                if (i % 10_000 == 9_999 || i == points - 1) {
                    ps.executeBatch();
                    c.commit();
                    progress(key, i + 1, points);
                }
            }
        }
        c.setAutoCommit(true);
    }

    /** Fresh planner statistics, as autovacuum or ANALYZE would leave them in a database that has been running. */
    static void analyze(Connection c, String backend) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try (var s = c.createStatement()) {
            if (backend.equals("mysql")) {
                s.execute("ANALYZE TABLE runs, latest_metrics, params, run_tags, metrics");
            } else {
                s.execute("ANALYZE");
            }
        }
        c.setAutoCommit(autoCommit);
    }

    private static void progress(String what, int done, int total) {
        System.err.printf("\r  loading %s: %,d / %,d (%d %%)", what, done, total, done * 100L / total);
        if (done == total) {
            System.err.println();
        }
    }
}
