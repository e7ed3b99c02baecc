package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * TRK-3: get-history of a 100k-point metric through HTTP versus a raw SELECT of the same rows; and
 * get-history-bulk-interval (320 points) over histories of 10k, 100k and 1M points versus a raw SELECT of the 320
 * sampled points, to show that sampling cost does not grow with history length.
 */
public final class MetricHistoryLoad {
    private MetricHistoryLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            rows.addAll(run(backend));
        }
        Bench.printTable(rows, "backend", "call", "history points", "Osprey HTTP p50 / p99 ms",
                "raw SELECT p50 / p99 ms", "ratio (p50)");
    }

    static List<String> run(String backendName) throws Exception {
        String uri = Bench.backend(backendName);
        List<String> rows = new ArrayList<>();
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String api = server.baseUrl() + "/api/2.0/mlflow";
            String exp = Bench.post(api + "/experiments/create", "{\"name\": \"history-" + System.nanoTime() + "\"}")
                    .replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            String runId = Bench.post(api + "/runs/create", "{\"experiment_id\": \"" + exp + "\"}")
                    .replaceAll(".*\"run_id\":\"([0-9a-f]+)\".*", "$1");
            System.err.println(backendName + ":");
            for (int points : new int[] {10_000, 100_000, 1_000_000}) {
                String key = "loss" + points;
                BulkLoader.history(c, runId, key, points);
                BulkLoader.analyze(c, backendName);
                if (points == 100_000) {
                    rows.add(row(backendName, "get-history (all points)", points,
                            () -> Bench.getBytes(api + "/metrics/get-history?run_id=" + runId + "&metric_key=" + key),
                            () -> rawHistory(c, runId, key), 5, 30));
                }
                String sampled = Bench.get(api + "/metrics/get-history-bulk-interval?run_ids=" + runId
                        + "&metric_key=" + key + "&max_results=320");
                List<Long> steps = new ArrayList<>();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"step\":(\\d+)").matcher(sampled);
                while (m.find()) {
                    steps.add(Long.parseLong(m.group(1)));
                }
                rows.add(row(backendName, "bulk-interval (" + steps.size() + " points)", points,
                        () -> Bench.get(api + "/metrics/get-history-bulk-interval?run_ids=" + runId + "&metric_key="
                                + key + "&max_results=320"),
                        () -> rawSteps(c, runId, key, steps), 30, 200));
            }
        }
        return rows;
    }

    private static String row(String backend, String call, int points, Supplier<Object> ours, Supplier<Object> raw,
            int warmup, int iterations) {
        for (int i = 0; i < warmup; i++) {
            ours.get();
            raw.get();
        }
        long[] o = new long[iterations];
        long[] r = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            ours.get();
            long t1 = System.nanoTime();
            raw.get();
            long t2 = System.nanoTime();
            o[i] = t1 - t0;
            r[i] = t2 - t1;
        }
        Bench.Latencies lo = new Bench.Latencies(o);
        Bench.Latencies lr = new Bench.Latencies(r);
        String row = String.format("| %s | %s | %,d | %.2f / %.2f | %.2f / %.2f | **%.2fx** |", backend, call, points,
                lo.p(0.5), lo.p(0.99), lr.p(0.5), lr.p(0.99), lo.p(0.5) / lr.p(0.5));
        System.err.println(row);
        return row;
    }

    private static Object rawHistory(Connection c, String runId, String key) {
        return select(c, "SELECT metric_key, metric_value, ts, step, is_nan FROM metrics WHERE run_id = ? AND "
                + "metric_key = ? ORDER BY ts, step, metric_value", List.of(runId, key));
    }

    private static Object rawSteps(Connection c, String runId, String key, List<Long> steps) {
        List<Object> args = new ArrayList<>(List.of(runId, key));
        args.addAll(steps);
        return select(c, "SELECT metric_key, metric_value, ts, step, is_nan FROM metrics WHERE run_id = ? AND "
                + "metric_key = ? AND step IN (" + "?,".repeat(steps.size() - 1) + "?) ORDER BY step, ts", args);
    }

    private static Object select(Connection c, String sql, List<Object> args) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getString(1);
                    rs.getDouble(2);
                    rs.getLong(3);
                    rs.getLong(4);
                    rs.getBoolean(5);
                    n++;
                }
            }
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
