package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * TRC-3: QueryTraceMetrics over 100k traces x 10 spans (TRC-2's data: every 3rd trace ERROR, request times 0..99,999
 * ms): trace count by status in 10-second buckets, through HTTP, versus hand-written SQL computing the same groups
 * (GROUP BY state and bucket) in the same database in the same run. Warm-up as TRC-2.
 */
public final class TraceMetricsLoad {
    private static final int ITERATIONS = 30;

    private TraceMetricsLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String backend : Bench.backends(args)) {
            rows.add(run(backend));
        }
        Bench.printTable(rows, "backend", "traces", "Osprey HTTP p50 / p99 ms", "hand-written SQL p50 / p99 ms",
                "ratio (p50)");
    }

    static String run(String backendName) throws Exception {
        String uri = Bench.backend(backendName);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String exp = Bench.post(server.baseUrl() + "/api/2.0/mlflow/experiments/create", "{\"name\": "
                    + "\"metrics-" + System.nanoTime() + "\"}").replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            long experiment = Long.parseLong(exp);
            TraceSearchLoad.load(c, experiment, "tr-" + Long.toHexString(System.nanoTime()));
            BulkLoader.analyze(c, backendName);
            String body = "{\"experiment_ids\": [\"" + exp + "\"], \"view_type\": \"TRACES\", \"metric_name\": "
                    + "\"trace_count\", \"aggregations\": [{\"aggregation_type\": \"COUNT\"}], \"dimensions\": "
                    + "[\"trace_status\"], \"time_interval_seconds\": 10, \"start_time_ms\": 0, \"end_time_ms\": "
                    + "100000}";
            String url = server.baseUrl() + "/api/3.0/mlflow/traces/metrics";
            String first = Bench.post(url, body);
            int groups = handWritten(c, experiment);
            int points = first.split("\"metric_name\"").length - 1;
            if (groups != points) {
                throw new IllegalStateException("Osprey answered " + points + " points, the SQL " + groups + " groups");
            }
            Bench.Paired timed = Bench.paired(() -> Bench.post(url, body), () -> handWritten(c, experiment),
                    ITERATIONS);
            Bench.Latencies o = timed.ours();
            Bench.Latencies r = timed.reference();
            String row = String.format("| %s | 100,000 | %.1f / %.1f | %.1f / %.1f | **%.1fx** |", backendName,
                    o.p(0.5), o.p(0.99), r.p(0.5), r.p(0.99), o.p(0.5) / r.p(0.5));
            System.err.println(row);
            return row;
        }
    }

    /** The same groups by hand; returns how many. */
    private static int handWritten(Connection c, long experiment) throws SQLException {
        int groups = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT FLOOR(request_time / 10000) * 10000 AS bucket, state, "
                + "COUNT(trace_id) FROM traces WHERE experiment_id = ? AND request_time >= 0 AND request_time <= 100000 "
                + "GROUP BY FLOOR(request_time / 10000) * 10000, state ORDER BY bucket, state")) {
            ps.setLong(1, experiment);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(3);
                    groups++;
                }
            }
        }
        return groups;
    }
}
