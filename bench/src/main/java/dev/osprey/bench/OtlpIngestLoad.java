package dev.osprey.bench;

import com.google.protobuf.ByteString;
import dev.osprey.server.OspreyServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TRC-1: OTLP/HTTP ingest of whole traces (one trace of N spans per protobuf request) from concurrent clients,
 * counted by reading the spans back from the store, versus a raw JDBC batch insert of the same span rows (same
 * columns, same JSON content) into a table of the same shape, in the same database in the same run.
 *
 * <p>Each configuration first warms the server up (JIT) for {@code OSPREY_BENCH_WARMUP_SECONDS} (default 5) into an
 * experiment of its own, then measures for {@code OSPREY_BENCH_SECONDS} (default 15). Request bodies come from one
 * serialized template per trace size with a fresh trace id written into it, so the clients spend almost nothing on
 * making them (they share two cores with the server and the database).
 */
public final class OtlpIngestLoad {
    private static final byte[] TEMPLATE_TRACE_ID = {(byte) 0xA5, 0x5A, (byte) 0xC3, 0x3C, (byte) 0xA5, 0x5A,
        (byte) 0xC3, 0x3C, (byte) 0xA5, 0x5A, (byte) 0xC3, 0x3C, (byte) 0xA5, 0x5A, (byte) 0xC3, 0x3C};

    private OtlpIngestLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        double warmup = Double.parseDouble(System.getenv().getOrDefault("OSPREY_BENCH_WARMUP_SECONDS", "5"));
        double measured = Double.parseDouble(System.getenv().getOrDefault("OSPREY_BENCH_SECONDS", "15"));
        // OSPREY_BENCH_SPANS / OSPREY_BENCH_CLIENTS pick one configuration (for profiling one of them).
        int[] spanCounts = sizes("OSPREY_BENCH_SPANS", "10,100");
        int[] clientCounts = sizes("OSPREY_BENCH_CLIENTS", "16,64");
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            for (int spans : spanCounts) {
                for (int clients : clientCounts) {
                    rows.add(run(backend, spans, clients, warmup, measured));
                }
            }
        }
        Bench.printTable(rows, "backend", "spans/trace", "clients", "traces", "spans/s (read back)",
                "p50 / p99 ms per trace", "raw JDBC spans/s (keyed copy)", "ratio", "raw spans/s (unindexed heap)",
                "ratio to heap", "errors");
    }

    private static int[] sizes(String variable, String fallback) {
        return java.util.Arrays.stream(System.getenv().getOrDefault(variable, fallback).split(","))
                .mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    /** A request body of one trace, and where its trace id sits in it (in every span). */
    record Template(byte[] body, int[] traceIdOffsets) {
        static Template of(int spans) {
            byte[] body = trace(spans);
            List<Integer> offsets = new ArrayList<>();
            for (int i = 0; i + TEMPLATE_TRACE_ID.length <= body.length; i++) {
                if (java.util.Arrays.equals(body, i, i + TEMPLATE_TRACE_ID.length, TEMPLATE_TRACE_ID, 0,
                        TEMPLATE_TRACE_ID.length)) {
                    offsets.add(i);
                }
            }
            if (offsets.size() != spans) {
                throw new IllegalStateException("trace id found " + offsets.size() + " times in " + spans + " spans");
            }
            return new Template(body, offsets.stream().mapToInt(Integer::intValue).toArray());
        }

        /** The body with a new trace id: the same bytes, so the same size and encoding. */
        byte[] withTraceId(long high, long low) {
            byte[] copy = body.clone();
            for (int offset : traceIdOffsets) {
                for (int b = 0; b < 8; b++) {
                    copy[offset + b] = (byte) (high >>> (56 - 8 * b));
                    copy[offset + 8 + b] = (byte) (low >>> (56 - 8 * b));
                }
            }
            return copy;
        }
    }

    private static byte[] trace(int spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        byte[] root = {1, 2, 3, 4, 5, 6, 7, 8};
        for (int i = 0; i < spans; i++) {
            byte[] id = root;
            if (i > 0) {
                id = java.nio.ByteBuffer.allocate(8).putLong(0x1000L + i).array();
            }
            Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(TEMPLATE_TRACE_ID))
                    .setSpanId(ByteString.copyFrom(id)).setName(i == 0 ? "agent" : "step-" + i)
                    .setStartTimeUnixNano(1_700_000_000_000_000_000L + i * 1000L)
                    .setEndTimeUnixNano(1_700_000_000_000_000_000L + i * 1000L + 500)
                    .addAttributes(KeyValue.newBuilder().setKey("mlflow.spanType").setValue(AnyValue.newBuilder()
                            .setStringValue(i == 0 ? "\"AGENT\"" : "\"LLM\"")))
                    .addAttributes(KeyValue.newBuilder().setKey("mlflow.spanInputs").setValue(AnyValue.newBuilder()
                            .setStringValue("{\"question\": \"what is step " + i + "?\"}")));
            if (i > 0) {
                s.setParentSpanId(ByteString.copyFrom(root));
            }
            scope.addSpans(s);
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope))
                .build().toByteArray();
    }

    /** What the clients did in one timed window. */
    private record Window(int traces, int errors, long[] latencies, double seconds) {}

    /** Clients post whole traces into the experiment until the window closes. */
    private static Window post(OspreyServer server, String experimentId, Template template, int clients,
            double seconds) throws Exception {
        URI base = URI.create(server.baseUrl());
        String headers = "Content-Type: application/x-protobuf\r\nx-mlflow-experiment-id: " + experimentId + "\r\n";
        long runId = System.nanoTime();
        AtomicInteger errors = new AtomicInteger();
        List<long[]> perClient = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            long client = k;
            futures.add(pool.submit(() -> {
                long[] latencies = new long[1024];
                int n = 0;
                try (KeepAliveClient http = new KeepAliveClient(base.getHost(), base.getPort())) {
                    while (System.nanoTime() < deadline) {
                        byte[] body = template.withTraceId(runId, (client << 32) | n);
                        long s = System.nanoTime();
                        if (http.post("/v1/traces", body, headers) != 200) {
                            errors.incrementAndGet();
                        }
                        if (n == latencies.length) {
                            latencies = java.util.Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = System.nanoTime() - s;
                    }
                }
                perClient.add(java.util.Arrays.copyOf(latencies, n));
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long[] all = perClient.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        return new Window(all.length, errors.get(), all, elapsed);
    }

    private static String experiment(OspreyServer server, String name) {
        return Bench.post(server.baseUrl() + "/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "-"
                + System.nanoTime() + "\"}").replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
    }

    static String run(String backendName, int spansPerTrace, int clients, double warmupSeconds,
            double measuredSeconds) throws Exception {
        String uri = Bench.backend(backendName);
        Template template = Template.of(spansPerTrace);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            post(server, experiment(server, "otlp-warmup"), template, clients, warmupSeconds);
            String exp = experiment(server, "otlp");
            Window w = post(server, exp, template, clients, measuredSeconds);
            long stored;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM spans s JOIN traces t ON t.trace_id "
                    + "= s.trace_id WHERE t.experiment_id = ?")) {
                ps.setLong(1, Long.parseLong(exp));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    stored = rs.getLong(1);
                }
            }
            double spansPerSecond = stored / w.seconds();
            double raw = raw(c, backendName, w.traces(), spansPerTrace, true);
            double heap = raw(c, backendName, w.traces(), spansPerTrace, false);
            Bench.Latencies l = new Bench.Latencies(w.latencies());
            String row = String.format("| %s | %d | %d | %,d | %,.0f | %.1f / %.1f | %,.0f | **%.0f %%** | %,.0f | %.0f %% "
                    + "| %d |", backendName, spansPerTrace, clients, w.traces(), spansPerSecond, l.p(0.5), l.p(0.99), raw,
                    100 * spansPerSecond / raw, heap, 100 * spansPerSecond / heap, w.errors());
            System.err.println(row);
            return row;
        }
    }

    /**
     * The same number of span rows, with content of the same size and trace ids of the same form (random hex), in one
     * JDBC batch and commit per trace, into a copy of the {@code spans} table with its primary key and indexes — the
     * B-trees the ingest must maintain too. (Until session 12 the copy was made with CREATE TABLE AS SELECT, which
     * copies no key or index: the reference then measured appends to an unindexed heap.)
     */
    private static double raw(Connection c, String backend, int traces, int spansPerTrace, boolean keyed)
            throws Exception {
        try (var s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS bench_spans");
            if (keyed) {
                createKeyedCopy(s, backend);
            } else {
                s.execute("CREATE TABLE bench_spans AS SELECT * FROM spans WHERE 1 = 0");
            }
        }
        String content;
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT content FROM spans LIMIT 1")) {
            content = rs.next() ? rs.getString(1) : "{}";
        }
        java.util.Random random = new java.util.Random();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_spans (trace_id, span_id, parent_span_id, "
                + "name, span_type, status, start_time_ns, end_time_ns, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int t = 0; t < traces; t++) {
                String traceId = "tr-" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(16)
                        .putLong(random.nextLong()).putLong(random.nextLong()).array());
                for (int i = 0; i < spansPerTrace; i++) {
                    ps.setString(1, traceId);
                    ps.setString(2, String.format("%016x", 0x1000L + i));
                    ps.setString(3, i == 0 ? null : "0102030405060708");
                    ps.setString(4, "step-" + i);
                    ps.setString(5, "LLM");
                    ps.setString(6, "UNSET");
                    ps.setLong(7, i);
                    ps.setLong(8, i + 500);
                    ps.setString(9, content);
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        c.setAutoCommit(auto);
        try (var s = c.createStatement()) {
            s.execute("DROP TABLE bench_spans");
        }
        return traces * spansPerTrace / seconds;
    }

    /** A table like {@code spans}, with its primary key and indexes. */
    private static void createKeyedCopy(java.sql.Statement s, String backend) throws java.sql.SQLException {
        switch (backend) {
            case "postgresql" -> s.execute("CREATE TABLE bench_spans (LIKE spans INCLUDING ALL)");
            case "mysql" -> s.execute("CREATE TABLE bench_spans LIKE spans");
            default -> {
                List<String> ddl = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT sql FROM sqlite_master WHERE tbl_name = 'spans' AND "
                        + "sql IS NOT NULL ORDER BY type DESC")) {
                    while (rs.next()) {
                        // After a table rebuild SQLite keeps the name quoted: CREATE TABLE "spans" (...).
                        ddl.add(rs.getString(1).replaceFirst("(?i)(TABLE|INDEX) \"?(\\w+)\"?", "$1 bench_$2")
                                .replaceFirst("(?i) ON \"?spans\"?", " ON bench_spans"));
                    }
                }
                for (String statement : ddl) {
                    s.execute(statement);
                }
            }
        }
    }
}
