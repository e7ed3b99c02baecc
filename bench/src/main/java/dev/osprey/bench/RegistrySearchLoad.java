package dev.osprey.bench;

import dev.osprey.server.OspreyServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * REG-1: SearchRegisteredModels over 10k models x 10 versions with {@code name LIKE '<prefix>-01%' AND
 * tags.team = 't3'} (100 of 10,000 match), through HTTP; versus hand-written SQL returning the same page (names,
 * tags, aliases, latest versions per stage with their tags) on the same database in the same run.
 */
public final class RegistrySearchLoad {
    private static final int MODELS = 10_000;
    private static final int VERSIONS = 10;
    private static final int WARMUP = 30;
    private static final int ITERATIONS = 200;

    private RegistrySearchLoad() {}

    public static void main(String[] args) throws Exception {
        List<String> backends = Bench.backends(args);
        List<String> rows = new ArrayList<>();
        for (String backend : backends) {
            rows.add(run(backend));
        }
        Bench.printTable(rows, "backend", "models x versions", "Osprey HTTP p50 / p99 ms",
                "store call alone p50 ms (vs SQL)", "hand-written SQL p50 / p99 ms", "ratio (p50)");
    }

    static String run(String backendName) throws Exception {
        String uri = Bench.backend(backendName);
        try (OspreyServer server = Bench.server(uri); Connection c = Bench.jdbc(uri)) {
            String prefix = "reg" + Long.toString(System.nanoTime(), 36);
            System.err.printf("%s, %,d models x %d versions:%n", backendName, MODELS, VERSIONS);
            load(c, prefix);
            BulkLoader.analyze(c, backendName);
            String filter = "name LIKE '" + prefix + "-01%' AND tags.team = 't3'";
            String url = server.baseUrl() + "/api/2.0/mlflow/registered-models/search?max_results=100&filter="
                    + URLEncoder.encode(filter, StandardCharsets.UTF_8);
            String first = Bench.get(url);
            List<String> viaSql = handWritten(c, prefix);
            if (viaSql.size() != 100 || !first.contains("\"" + viaSql.get(0) + "\"")
                    || !first.contains("\"" + viaSql.get(99) + "\"")) {
                throw new IllegalStateException("Osprey and the hand-written SQL disagree on the result");
            }
            long[] ours = new long[ITERATIONS];
            long[] raw = new long[ITERATIONS];
            long[] storeOnly = new long[ITERATIONS];
            // The store call alone (no HTTP, no JSON), to tell SQL time from encoding time.
            try (var store = dev.osprey.store.Stores.open(uri)) {
                var grammar = dev.osprey.search.EntityGrammar.REGISTERED_MODELS;
                var query = new dev.osprey.store.RegistryQuery(grammar.parseFilter(filter), List.of(), 100,
                        java.util.Optional.empty());
                for (int i = 0; i < WARMUP; i++) {
                    Bench.get(url);
                    handWritten(c, prefix);
                    store.registry().searchRegisteredModels(query);
                }
                for (int i = 0; i < ITERATIONS; i++) {
                    long t0 = System.nanoTime();
                    Bench.get(url);
                    long t1 = System.nanoTime();
                    handWritten(c, prefix);
                    long t2 = System.nanoTime();
                    store.registry().searchRegisteredModels(query);
                    long t3 = System.nanoTime();
                    ours[i] = t1 - t0;
                    raw[i] = t2 - t1;
                    storeOnly[i] = t3 - t2;
                }
            }
            Bench.Latencies o = new Bench.Latencies(ours);
            Bench.Latencies r = new Bench.Latencies(raw);
            Bench.Latencies st = new Bench.Latencies(storeOnly);
            String row = String.format("| %s | %,d x %d | %.2f / %.2f | %.2f (%.2fx) | %.2f / %.2f | **%.2fx** |",
                    backendName, MODELS, VERSIONS, o.p(0.5), o.p(0.99), st.p(0.5), st.p(0.5) / r.p(0.5), r.p(0.5),
                    r.p(0.99), o.p(0.5) / r.p(0.5));
            System.err.println(row);
            return row;
        }
    }

    /** 10k models (tag team=t0..t9, one alias each) with 10 versions in rotating stages, straight into the tables. */
    private static void load(Connection c, String prefix) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        String[] stages = {"None", "Staging", "Production", "Archived"};
        try (PreparedStatement model = c.prepareStatement("INSERT INTO registered_models (name, creation_time, "
                + "last_updated_time, description) VALUES (?, ?, ?, ?)");
                PreparedStatement tag = c.prepareStatement("INSERT INTO registered_model_tags (name, tag_key, "
                        + "tag_value) VALUES (?, ?, ?)");
                PreparedStatement alias = c.prepareStatement("INSERT INTO registered_model_aliases (name, alias, "
                        + "version) VALUES (?, ?, ?)");
                PreparedStatement version = c.prepareStatement("INSERT INTO model_versions (name, version, "
                        + "creation_time, last_updated_time, description, user_id, current_stage, source, run_id, "
                        + "run_link, status, storage_location, model_id) VALUES (?, ?, ?, ?, NULL, '', ?, ?, '', '', "
                        + "'READY', ?, NULL)");
                PreparedStatement versionTag = c.prepareStatement("INSERT INTO model_version_tags (name, version, "
                        + "tag_key, tag_value) VALUES (?, ?, 'sha', ?)")) {
            for (int i = 0; i < MODELS; i++) {
                String name = String.format("%s-%05d", prefix, i);
                model.setString(1, name);
                model.setLong(2, 1_000 + i);
                model.setLong(3, 2_000 + i);
                model.setString(4, "model " + i);
                model.addBatch();
                tag.setString(1, name);
                tag.setString(2, "team");
                tag.setString(3, "t" + (i % 10));
                tag.addBatch();
                alias.setString(1, name);
                alias.setString(2, "champion");
                alias.setLong(3, VERSIONS);
                alias.addBatch();
                for (int v = 1; v <= VERSIONS; v++) {
                    version.setString(1, name);
                    version.setLong(2, v);
                    version.setLong(3, 3_000 + v);
                    version.setLong(4, 3_000 + v);
                    version.setString(5, stages[v % stages.length]);
                    version.setString(6, "s3://bucket/" + name + "/" + v);
                    version.setString(7, "s3://bucket/" + name + "/" + v);
                    version.addBatch();
                    versionTag.setString(1, name);
                    versionTag.setLong(2, v);
                    versionTag.setString(3, Integer.toHexString(i * 31 + v));
                    versionTag.addBatch();
                }
                if (i % 500 == 499) {
                    for (PreparedStatement ps : List.of(model, tag, alias, version, versionTag)) {
                        ps.executeBatch();
                    }
                    c.commit();
                    System.err.printf("\r  loading models: %,d / %,d", i + 1, MODELS);
                }
            }
            for (PreparedStatement ps : List.of(model, tag, alias, version, versionTag)) {
                ps.executeBatch();
            }
            c.commit();
            System.err.println();
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** The same page by hand: names in order, then models, tags, aliases, latest versions and their tags. */
    static List<String> handWritten(Connection c, String prefix) throws SQLException {
        List<String> names = new ArrayList<>(100);
        try (PreparedStatement ps = c.prepareStatement("SELECT m.name FROM registered_models m WHERE m.name LIKE ? "
                + "AND EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = m.name AND t.tag_key = 'team' "
                + "AND t.tag_value = 't3') AND NOT EXISTS (SELECT 1 FROM registered_model_tags p WHERE p.name = "
                + "m.name AND p.tag_key = 'mlflow.prompt.is_prompt' AND LOWER(p.tag_value) = 'true') "
                + "ORDER BY m.name LIMIT 101")) {
            ps.setString(1, prefix + "-01%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        String in = "(" + "?,".repeat(names.size() - 1) + "?)";
        List<String> page = names.subList(0, Math.min(100, names.size()));
        for (String sql : List.of("SELECT name, creation_time, last_updated_time, description FROM registered_models "
                + "WHERE name IN " + in, "SELECT name, tag_key, tag_value FROM registered_model_tags WHERE name IN "
                + in, "SELECT name, alias, version FROM registered_model_aliases WHERE name IN " + in,
                "SELECT v.* FROM model_versions v JOIN (SELECT name, MAX(version) AS version FROM model_versions "
                + "WHERE name IN " + in + " AND current_stage <> 'Deleted_Internal' GROUP BY name, current_stage) l "
                + "ON l.name = v.name AND l.version = v.version",
                "SELECT t.name, t.version, t.tag_key, t.tag_value FROM model_version_tags t WHERE t.name IN " + in)) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < names.size(); i++) {
                    ps.setString(i + 1, names.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getString(1);
                    }
                }
            }
        }
        return page;
    }
}
