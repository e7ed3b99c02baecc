package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * TRK-2: SearchRuns over N runs x 5 metrics x 10 params with {@code metrics.m0 > 0.5 and params.p0 = 'adam'},
 * ordered by {@code metrics.m0 DESC}, 100 rows, through HTTP; versus hand-written SQL that finds the same 100 runs
 * and reads their data, on the same database in the same run.
 */
public final class SearchRunsLoad {
    private static final int WARMUP = 30;
    private static final int ITERATIONS = 200;
    /** Slow backends stop measuring after this long (at least 20 iterations). */
    private static final long TIME_BUDGET_NANOS = 60_000_000_000L;

    private SearchRunsLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        List<Integer> sizes = new ArrayList<>();
        for (String s : (args.length > 1 ? args[1] : "10000,100000").split(",")) {
            sizes.add(Integer.parseInt(s));
        }
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            for (int size : sizes) {
                rows.add(run(backend, size));
            }
        }
        Bench.printTable(rows, "backend", "runs", "Osprey HTTP p50 / p99 ms", "hand-written SQL p50 / p99 ms",
                "ratio (p50)");
    }

    static String run(String backendName, int size) throws Exception {
        String uri = Bench.backend(backendName);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String api = server.baseUrl() + "/api/2.0/mlflow";
            String exp = Bench.post(api + "/experiments/create", "{\"name\": \"search-" + System.nanoTime() + "\"}")
                    .replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            System.err.printf("%s, %,d runs:%n", backendName, size);
            BulkLoader.runs(c, Long.parseLong(exp), size, String.format("%08x", Long.parseLong(exp)));
            BulkLoader.analyze(c, backendName);
            String body = "{\"experiment_ids\": [\"" + exp + "\"], \"filter\": \"metrics.m0 > 0.5 and params.p0 = "
                    + "'adam'\", \"order_by\": [\"metrics.m0 DESC\"], \"max_results\": 100}";
            String first = Bench.post(api + "/runs/search", body);
            List<String> viaSql = handWritten(c, Long.parseLong(exp));
            if (!first.contains(viaSql.get(0)) || !first.contains(viaSql.get(99))) {
                throw new IllegalStateException("Osprey and the hand-written SQL disagree on the result");
            }
            long[] ours = new long[ITERATIONS];
            long[] raw = new long[ITERATIONS];
            long budget = System.nanoTime() + TIME_BUDGET_NANOS;
            for (int i = 0; i < WARMUP && System.nanoTime() < budget; i++) {
                Bench.post(api + "/runs/search", body);
                handWritten(c, Long.parseLong(exp));
            }
            int done = 0;
            budget = System.nanoTime() + TIME_BUDGET_NANOS;
            for (int i = 0; i < ITERATIONS && (i < 20 || System.nanoTime() < budget); i++, done++) {
                long t0 = System.nanoTime();
                Bench.post(api + "/runs/search", body);
                long t1 = System.nanoTime();
                handWritten(c, Long.parseLong(exp));
                long t2 = System.nanoTime();
                ours[i] = t1 - t0;
                raw[i] = t2 - t1;
            }
            Bench.Latencies o = new Bench.Latencies(java.util.Arrays.copyOf(ours, done));
            Bench.Latencies r = new Bench.Latencies(java.util.Arrays.copyOf(raw, done));
            String row = String.format("| %s | %,d | %.2f / %.2f | %.2f / %.2f | **%.2fx** |", backendName, size,
                    o.p(0.5), o.p(0.99), r.p(0.5), r.p(0.99), o.p(0.5) / r.p(0.5));
            System.err.println(row);
            return row;
        }
    }

    /** The same page by hand: ids in order, then the runs' rows, params, tags and latest metrics. */
    static List<String> handWritten(Connection c, long experimentId) throws SQLException {
        List<String> ids = new ArrayList<>(100);
        try (PreparedStatement ps = c.prepareStatement("SELECT r.run_id FROM runs r "
                + "JOIN latest_metrics m ON m.run_id = r.run_id AND m.metric_key = 'm0' "
                + "JOIN params p ON p.run_id = r.run_id AND p.param_key = 'p0' "
                + "WHERE r.experiment_id = ? AND r.lifecycle_stage = 'active' AND m.metric_value > 0.5 "
                + "AND p.param_value = 'adam' ORDER BY m.metric_value DESC, r.start_time DESC, r.run_id LIMIT 100")) {
            ps.setLong(1, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        String in = "(" + "?,".repeat(ids.size() - 1) + "?)";
        for (String sql : List.of("SELECT * FROM runs WHERE run_id IN " + in,
                "SELECT run_id, param_key, param_value FROM params WHERE run_id IN " + in,
                "SELECT run_id, tag_key, tag_value FROM run_tags WHERE run_id IN " + in,
                "SELECT run_id, metric_key, metric_value, ts, step, is_nan FROM latest_metrics WHERE run_id IN " + in)) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < ids.size(); i++) {
                    ps.setString(i + 1, ids.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getString(1);
                    }
                }
            }
        }
        return ids;
    }
}
