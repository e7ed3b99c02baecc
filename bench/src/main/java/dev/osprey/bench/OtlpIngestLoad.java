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
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TRC-1: OTLP/HTTP ingest of whole traces (one trace of N spans per protobuf request) from concurrent clients,
 * counted by reading the spans back from the store, versus a raw JDBC batch insert of the same span rows (same
 * columns, same JSON content) into a table of the same shape, in the same database in the same run.
 */
public final class OtlpIngestLoad {
    private OtlpIngestLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            for (int spans : new int[] {10, 100}) {
                for (int clients : new int[] {16, 64}) {
                    rows.add(run(backend, spans, clients, spans == 10 ? 40 : 6));
                }
            }
        }
        Bench.printTable(rows, "backend", "spans/trace", "clients", "spans/s (read back)", "p50 / p99 ms per trace",
                "raw JDBC spans/s", "ratio", "errors");
    }

    private static byte[] trace(Random random, int spans) {
        byte[] traceId = new byte[16];
        random.nextBytes(traceId);
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        byte[] root = new byte[8];
        random.nextBytes(root);
        for (int i = 0; i < spans; i++) {
            byte[] id = root;
            if (i > 0) {
                id = new byte[8];
                random.nextBytes(id);
            }
            Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
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

    static String run(String backendName, int spansPerTrace, int clients, int tracesPerClient) throws Exception {
        String uri = Bench.backend(backendName);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String exp = Bench.post(server.baseUrl() + "/api/2.0/mlflow/experiments/create", "{\"name\": \"otlp-"
                    + System.nanoTime() + "\"}").replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            // Fresh ids every run: the server databases keep traces of earlier runs.
            Random random = new Random(System.nanoTime());
            List<List<byte[]>> work = new ArrayList<>();
            for (int k = 0; k < clients; k++) {
                List<byte[]> bodies = new ArrayList<>();
                for (int t = 0; t < tracesPerClient; t++) {
                    bodies.add(trace(random, spansPerTrace));
                }
                work.add(bodies);
            }
            URI base = URI.create(server.baseUrl());
            AtomicInteger errors = new AtomicInteger();
            long[] latencies = new long[clients * tracesPerClient];
            String headers = "Content-Type: application/x-protobuf\r\nx-mlflow-experiment-id: " + exp + "\r\n";
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long t0 = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int k = 0; k < clients; k++) {
                int client = k;
                futures.add(pool.submit(() -> {
                    try (KeepAliveClient http = new KeepAliveClient(base.getHost(), base.getPort())) {
                        for (int t = 0; t < tracesPerClient; t++) {
                            long s = System.nanoTime();
                            if (http.post("/v1/traces", work.get(client).get(t), headers) != 200) {
                                errors.incrementAndGet();
                            }
                            latencies[client * tracesPerClient + t] = System.nanoTime() - s;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            long stored;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM spans s JOIN traces t ON t.trace_id "
                    + "= s.trace_id WHERE t.experiment_id = ?")) {
                ps.setLong(1, Long.parseLong(exp));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    stored = rs.getLong(1);
                }
            }
            double spansPerSecond = stored / seconds;
            double raw = raw(c, backendName, clients * tracesPerClient, spansPerTrace);
            Bench.Latencies l = new Bench.Latencies(latencies);
            String row = String.format("| %s | %d | %d | %,.0f | %.1f / %.1f | %,.0f | **%.0f %%** | %d |", backendName,
                    spansPerTrace, clients, spansPerSecond, l.p(0.5), l.p(0.99), raw, 100 * spansPerSecond / raw,
                    errors.get());
            System.err.println(row);
            return row;
        }
    }

    /** The same number of span rows, with content of the same size, in one JDBC batch per trace. */
    private static double raw(Connection c, String backend, int traces, int spansPerTrace) throws Exception {
        try (var s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS bench_spans");
            s.execute("CREATE TABLE bench_spans AS SELECT * FROM spans WHERE 1 = 0");
        }
        String content;
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT content FROM spans LIMIT 1")) {
            content = rs.next() ? rs.getString(1) : "{}";
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_spans (trace_id, span_id, parent_span_id, "
                + "name, span_type, status, start_time_ns, end_time_ns, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int t = 0; t < traces; t++) {
                for (int i = 0; i < spansPerTrace; i++) {
                    ps.setString(1, "tr-raw-" + t);
                    ps.setString(2, Integer.toHexString(i));
                    ps.setString(3, i == 0 ? null : "0");
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
}
