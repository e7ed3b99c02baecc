package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * TRC-2: SearchTracesV3 over 100k traces x 10 spans with a tag, status and time filter (100 of the matches, newest
 * first) through HTTP, versus hand-written SQL returning the same page (ids in order, then infos, tags, metadata
 * and assessments) on the same database in the same run. Both sides are first run for
 * {@code OSPREY_BENCH_WARMUP_SECONDS} (default 15) so that the JIT has compiled the server's path (until session 12
 * 20 warm-up calls were all there was: the server's side was measured mostly interpreted).
 */
public final class TraceSearchLoad {
    private static final int TRACES = 100_000;
    private static final int SPANS = 10;
    private static final int ITERATIONS = 300;

    private TraceSearchLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            rows.add(run(backend));
        }
        Bench.printTable(rows, "backend", "traces x spans", "Osprey HTTP p50 / p99 ms",
                "hand-written SQL p50 / p99 ms", "ratio (p50)", "with the JDK HttpClient: p50 ms (ratio)");
    }

    static String run(String backendName) throws Exception {
        String uri = Bench.backend(backendName);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String exp = Bench.post(server.baseUrl() + "/api/2.0/mlflow/experiments/create", "{\"name\": "
                    + "\"traces-" + System.nanoTime() + "\"}").replaceAll(".*\"experiment_id\":\"(\\d+)\".*", "$1");
            long experiment = Long.parseLong(exp);
            System.err.printf("%s, %,d traces x %d spans:%n", backendName, TRACES, SPANS);
            String prefix = "tr-" + Long.toHexString(System.nanoTime());
            load(c, experiment, prefix);
            BulkLoader.analyze(c, backendName);
            String body = "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": "
                    + "\"" + exp + "\"}}], \"filter\": \"tags.env = 'prod' AND trace.status = 'OK' AND "
                    + "trace.timestamp_ms > 50000\", \"max_results\": 100}";
            String url = server.baseUrl() + "/api/3.0/mlflow/traces/search";
            String first = Bench.post(url, body);
            List<String> viaSql = handWritten(c, experiment);
            if (viaSql.size() != 100 || !first.contains(viaSql.get(0)) || !first.contains(viaSql.get(99))) {
                throw new IllegalStateException("Osprey and the hand-written SQL disagree on the result");
            }
            // The server is measured with a minimal keep-alive client (the body read and dropped), as TRC-1 and GW-1
            // are; the JDK HttpClient's own cost (its selector hand-offs, decoding the 50 KB answer into a String)
            // is reported beside it, as the table measured until session 13.
            java.net.URI target = java.net.URI.create(url);
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (KeepAliveClient http = new KeepAliveClient(target.getHost(), target.getPort())) {
                Bench.Call viaServer = () -> {
                    if (http.post(target.getPath(), bytes) != 200) {
                        throw new IllegalStateException("search failed: " + http.lastError);
                    }
                };
                Bench.Call bySql = () -> handWritten(c, experiment);
                Bench.Call viaJdkClient = () -> Bench.post(url, body);
                List<Bench.Latencies> timed = Bench.interleaved(List.of(viaServer, bySql, viaJdkClient), ITERATIONS);
                Bench.Latencies o = timed.get(0);
                Bench.Latencies r = timed.get(1);
                Bench.Latencies jdk = timed.get(2);
                String row = String.format("| %s | %,d x %d | %.2f / %.2f | %.2f / %.2f | **%.2fx** | %.2f (%.2fx) |",
                        backendName, TRACES, SPANS, o.p(0.5), o.p(0.99), r.p(0.5), r.p(0.99), o.p(0.5) / r.p(0.5),
                        jdk.p(0.5), jdk.p(0.5) / r.p(0.5));
                System.err.println(row);
                return row;
            }
        }
    }

    /** Traces (every 3rd ERROR, tag env alternating prod/dev, 3 tags and 2 metadata each) with 10 span rows. */
    static void load(Connection c, long experiment, String prefix) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement trace = c.prepareStatement("INSERT INTO traces (trace_id, experiment_id, request_time, "
                + "execution_duration, state, request_preview, response_preview) VALUES (?, ?, ?, ?, ?, ?, ?)");
                PreparedStatement tag = c.prepareStatement("INSERT INTO trace_tags (trace_id, tag_key, tag_value) "
                        + "VALUES (?, ?, ?)");
                PreparedStatement meta = c.prepareStatement("INSERT INTO trace_metadata (trace_id, metadata_key, "
                        + "metadata_value) VALUES (?, ?, ?)");
                PreparedStatement span = c.prepareStatement("INSERT INTO spans (trace_id, span_id, parent_span_id, "
                        + "name, span_type, status, start_time_ns, end_time_ns, content) VALUES (?, ?, ?, ?, ?, ?, ?, "
                        + "?, ?)")) {
            for (int i = 0; i < TRACES; i++) {
                String id = prefix + String.format("%08d", i);
                trace.setString(1, id);
                trace.setLong(2, experiment);
                trace.setLong(3, i);
                trace.setLong(4, 100 + i % 50);
                trace.setString(5, i % 3 == 0 ? "ERROR" : "OK");
                trace.setString(6, "{\"q\": " + i + "}");
                trace.setString(7, "\"a\"");
                trace.addBatch();
                String[][] tags = {{"env", i % 2 == 0 ? "prod" : "dev"}, {"mlflow.traceName", "agent"},
                    {"mlflow.artifactLocation", "mlflow-artifacts:/x/traces/" + id}};
                for (String[] t : tags) {
                    tag.setString(1, id);
                    tag.setString(2, t[0]);
                    tag.setString(3, t[1]);
                    tag.addBatch();
                }
                for (String[] m : new String[][] {{"mlflow.sourceRun", "run" + i % 100}, {"mlflow.trace_schema"
                        + ".version", "3"}}) {
                    meta.setString(1, id);
                    meta.setString(2, m[0]);
                    meta.setString(3, m[1]);
                    meta.addBatch();
                }
                for (int s = 0; s < SPANS; s++) {
                    span.setString(1, id);
                    span.setString(2, String.format("%016x", s));
                    span.setString(3, s == 0 ? null : String.format("%016x", 0));
                    span.setString(4, "step-" + s);
                    span.setString(5, "LLM");
                    span.setString(6, "OK");
                    span.setLong(7, s);
                    span.setLong(8, s + 1);
                    span.setString(9, "{\"name\": \"step-" + s + "\"}");
                    span.addBatch();
                }
                if (i % 1000 == 999) {
                    for (PreparedStatement ps : List.of(trace, tag, meta, span)) {
                        ps.executeBatch();
                    }
                    c.commit();
                    System.err.printf("\r  loading traces: %,d / %,d", i + 1, TRACES);
                }
            }
            c.commit();
            System.err.println();
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** The same page by hand. */
    static List<String> handWritten(Connection c, long experiment) throws SQLException {
        List<String> ids = new ArrayList<>(101);
        try (PreparedStatement ps = c.prepareStatement("SELECT t.trace_id FROM traces t WHERE t.experiment_id = ? AND "
                + "EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_id = t.trace_id AND g.tag_key = 'env' AND "
                + "g.tag_value = 'prod') AND t.state = 'OK' AND t.request_time > 50000 ORDER BY t.request_time DESC, "
                + "t.trace_id LIMIT 101")) {
            ps.setLong(1, experiment);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        List<String> page = ids.subList(0, Math.min(100, ids.size()));
        String in = "(" + "?,".repeat(page.size() - 1) + "?)";
        for (String sql : List.of("SELECT * FROM traces WHERE trace_id IN " + in,
                "SELECT trace_id, tag_key, tag_value FROM trace_tags WHERE trace_id IN " + in,
                "SELECT trace_id, metadata_key, metadata_value FROM trace_metadata WHERE trace_id IN " + in,
                "SELECT trace_id, body FROM assessments WHERE trace_id IN " + in)) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < page.size(); i++) {
                    ps.setString(i + 1, page.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    // Every column selected is read, as code returning the page must (until session 13 only the
                    // first was, so the reference skipped reading the previews, tag and metadata values).
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            rs.getObject(i);
                        }
                    }
                }
            }
        }
        return page;
    }
}
