package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import dev.osprey.storesql.BackendUri;
import dev.osprey.storesql.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TRK-1 and TRK-4: log-batch through HTTP from concurrent clients versus a raw JDBC executeBatch of the same rows
 * into tables of the same shape, in the same database, in the same run.
 */
public final class LogBatchLoad {
    /** A batch shape: metrics, tags and params per request. */
    record Shape(String name, int metrics, int tags, int params) {}

    static final Shape SMALL = new Shape("10m+5t+3p", 10, 5, 3);
    static final Shape LARGE = new Shape("1000m", 1000, 0, 0);

    record Result(String backend, Shape shape, int clients, int requests, int errors, double metricsPerSecond,
            Bench.Latencies latencies, double rawMetricsPerSecond, int rawThreads) {
        double ratio() {
            return metricsPerSecond / rawMetricsPerSecond;
        }

        String row() {
            return String.format("| %s | %s | %d | %,.0f | %.2f | %.2f | %,.0f (%d thr) | **%.0f %%** | %d |", backend,
                    shape.name(), clients, metricsPerSecond, latencies.p(0.5), latencies.p(0.99), rawMetricsPerSecond,
                    rawThreads, ratio() * 100, errors);
        }
    }

    private LogBatchLoad() {}

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "trk1";
        List<String> backends = args.length > 1 ? List.of(args[1].split(",")) : List.of("sqlite", "postgresql",
                "mysql");
        List<Result> results = new ArrayList<>();
        for (String backend : backends) {
            if (which.equals("trk4")) {
                results.add(run(backend, 64, SMALL, 100));
            } else {
                results.add(run(backend, 20, SMALL, 300));
                results.add(run(backend, 20, LARGE, 10));
            }
        }
        System.out.println();
        System.out.println("| backend | batch | clients | metrics/s | p50 ms | p99 ms | raw JDBC metrics/s | ratio | errors |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(r.row()));
    }

    static Result run(String backendName, int clients, Shape shape, int batchesPerClient) throws Exception {
        String uri = Bench.backend(backendName);
        System.err.printf("%s %s x%d clients: warming up...%n", backendName, shape.name(), clients);
        double raw;
        int rawThreads = BackendUri.parse(uri).dialect() == SqlDialect.SQLITE ? 1 : clients;
        try (OspreyServer server = Bench.server(uri)) {
            String api = server.baseUrl() + "/api/2.0/mlflow";
            String exp = Bench.post(api + "/experiments/create", "{\"name\": \"bench-" + System.nanoTime() + "\"}")
                    .replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            List<String> runs = new ArrayList<>();
            int port = server.port();
            for (int c = 0; c < clients; c++) {
                runs.add(Bench.post(api + "/runs/create", "{\"experiment_id\": \"" + exp + "\"}")
                        .replaceAll(".*\"run_id\":\"([0-9a-f]+)\".*", "$1"));
            }
            load(port, runs, shape, Math.max(2, batchesPerClient / 10), 0, new AtomicInteger());
            long start = System.nanoTime();
            long writerCpu0 = writerCpuNanos();
            long processCpu0 = processCpuNanos();
            AtomicInteger errors = new AtomicInteger();
            long[] lat = load(port, runs, shape, batchesPerClient, 1_000_000, errors);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf("  cpu: process %.0f %% of one core, sqlite writer thread %.0f %%%n",
                    (processCpuNanos() - processCpu0) / 1e7 / seconds, (writerCpuNanos() - writerCpu0) / 1e7 / seconds);
            raw = rawInsert(uri, rawThreads, shape, batchesPerClient * clients / rawThreads);
            int requests = clients * batchesPerClient;
            Result r = new Result(backendName, shape, clients, requests, errors.get(),
                    (double) requests * shape.metrics() / seconds, new Bench.Latencies(lat), raw, rawThreads);
            System.err.println(r.row());
            return r;
        }
    }

    /** CPU time of the SQLite writer thread, to tell whether the single writer is the bottleneck (0 elsewhere). */
    private static long writerCpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (java.lang.management.ThreadInfo t : mx.dumpAllThreads(false, false)) {
            if (t.getThreadName().equals("osprey-sqlite-writer")) {
                return mx.getThreadCpuTime(t.getThreadId());
            }
        }
        return 0;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long[] load(int port, List<String> runs, Shape shape, int batches, int stepBase,
            AtomicInteger errors) throws Exception {
        int clients = runs.size();
        long[] latencies = new long[clients * batches];
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (KeepAliveClient http = new KeepAliveClient("127.0.0.1", port)) {
                        for (int b = 0; b < batches; b++) {
                            byte[] body = body(runs.get(client), shape, stepBase + b)
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                            long t0 = System.nanoTime();
                            if (http.post("/api/2.0/mlflow/runs/log-batch", body) != 200) {
                                if (errors.incrementAndGet() == 1) {
                                    System.err.println("  first error: " + http.lastError);
                                }
                            }
                            latencies[client * batches + b] = System.nanoTime() - t0;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return latencies;
    }

    static String body(String runId, Shape shape, int batch) {
        StringBuilder sb = new StringBuilder(64 + shape.metrics() * 64).append("{\"run_id\":\"").append(runId)
                .append("\",\"metrics\":[");
        long ts = 1_700_000_000_000L + batch;
        for (int i = 0; i < shape.metrics(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"m").append(i % 10).append("\",\"value\":")
                    .append((batch * 31 + i) % 1000 / 1000.0).append(",\"timestamp\":").append(ts)
                    .append(",\"step\":").append((long) batch * shape.metrics() + i).append('}');
        }
        sb.append("],\"params\":[");
        for (int i = 0; i < shape.params(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"p").append(batch).append('_').append(i)
                    .append("\",\"value\":\"v\"}");
        }
        sb.append("],\"tags\":[");
        for (int i = 0; i < shape.tags(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"t").append(i).append("\",\"value\":\"").append(batch)
                    .append("\"}");
        }
        return sb.append("]}").toString();
    }

    /** The same rows with plain executeBatch, one transaction per batch, into indexed tables of the same shape. */
    static double rawInsert(String uri, int threads, Shape shape, int batchesPerThread) throws Exception {
        try (Connection c = Bench.jdbc(uri); Statement s = c.createStatement()) {
            for (String t : List.of("bench_raw_metrics", "bench_raw_params", "bench_raw_tags")) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
            s.execute("CREATE TABLE bench_raw_metrics (run_id VARCHAR(32) NOT NULL, metric_key VARCHAR(250) NOT NULL,"
                    + " ts BIGINT NOT NULL, step BIGINT NOT NULL, metric_value DOUBLE PRECISION NOT NULL, "
                    + "PRIMARY KEY (run_id, metric_key, ts, step, metric_value))");
            s.execute("CREATE TABLE bench_raw_params (run_id VARCHAR(32) NOT NULL, param_key VARCHAR(250) NOT NULL, "
                    + "param_value VARCHAR(500) NOT NULL, PRIMARY KEY (run_id, param_key))");
            s.execute("CREATE TABLE bench_raw_tags (run_id VARCHAR(32) NOT NULL, tag_key VARCHAR(250) NOT NULL, "
                    + "tag_value VARCHAR(100) NOT NULL, PRIMARY KEY (run_id, tag_key, tag_value))");
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String runId = String.format("%032x", t);
                done.add(pool.submit(() -> {
                    try (Connection c = Bench.jdbc(uri)) {
                        c.setAutoCommit(false);
                        try (PreparedStatement m = c.prepareStatement("INSERT INTO bench_raw_metrics VALUES (?,?,?,?,?)");
                                PreparedStatement p = c.prepareStatement("INSERT INTO bench_raw_params VALUES (?,?,?)");
                                PreparedStatement g = c.prepareStatement("INSERT INTO bench_raw_tags VALUES (?,?,?)")) {
                            for (int b = 0; b < batchesPerThread; b++) {
                                for (int i = 0; i < shape.metrics(); i++) {
                                    m.setString(1, runId);
                                    m.setString(2, "m" + (i % 10));
                                    m.setLong(3, 1_700_000_000_000L + b);
                                    m.setLong(4, (long) b * shape.metrics() + i);
                                    m.setDouble(5, (b * 31 + i) % 1000 / 1000.0);
                                    m.addBatch();
                                }
                                m.executeBatch();
                                for (int i = 0; i < shape.params(); i++) {
                                    p.setString(1, runId);
                                    p.setString(2, "p" + b + "_" + i);
                                    p.setString(3, "v");
                                    p.addBatch();
                                }
                                for (int i = 0; i < shape.tags(); i++) {
                                    g.setString(1, runId);
                                    g.setString(2, "t" + i);
                                    g.setString(3, Integer.toString(b));
                                    g.addBatch();
                                }
                                if (shape.params() > 0) {
                                    p.executeBatch();
                                }
                                if (shape.tags() > 0) {
                                    g.executeBatch();
                                }
                                c.commit();
                            }
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return (double) threads * batchesPerThread * shape.metrics() / seconds;
    }
}
