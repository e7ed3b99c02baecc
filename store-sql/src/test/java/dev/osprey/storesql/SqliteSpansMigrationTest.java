package dev.osprey.storesql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.core.SpanRecord;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.store.TraceUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;

/** V18 rebuilds SQLite's spans table (rowid rows, the key as a unique index) and keeps every span of older data. */
class SqliteSpansMigrationTest {

    @Test
    void spansStoredBeforeV18_readBackAfterIt_andTheKeyStillReplacesSpans() throws Exception {
        Path dir = Files.createTempDirectory("osprey-v18");
        SQLiteDataSource source = new SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + dir.resolve("osprey.db"));
        Flyway.configure().dataSource(source).locations(SqlDialect.SQLITE.migrationLocations())
                .table("osprey_schema_history").target("17").load().migrate();
        try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                    + "creation_time, last_update_time) VALUES (7, 'old', 'a/7', 'active', 1, 1)");
            s.execute("INSERT INTO traces (trace_id, experiment_id, request_time, state) VALUES ('tr-old', 7, 5, 'OK')");
            s.execute("INSERT INTO spans (trace_id, span_id, parent_span_id, name, status, start_time_ns, content, "
                    + "input_tokens, output_tokens, total_tokens, total_cost) VALUES "
                    + "('tr-old', 'b', 'a', 'child', 'OK', 20, '{\"name\":\"child\"}', 1, 2, 3, 0.5), "
                    + "('tr-old', 'a', NULL, 'root', 'OK', 10, '{\"name\":\"root\"}', NULL, NULL, NULL, NULL)");
        }
        try (StorageComponent storage = Stores.open("sqlite:///" + dir.resolve("osprey.db"))) {
            List<SpanRecord> spans = storage.traces().getSpans("tr-old", 0, 10);
            assertThat(spans).extracting(SpanRecord::spanId).containsExactly("a", "b");
            assertThat(spans.get(1).tokens()).contains(new SpanRecord.TokenUsage(1, 2, 3));
            assertThat(spans.get(1).content()).isEqualTo("{\"name\":\"child\"}");

            SpanRecord again = new SpanRecord("tr-old", "b", Optional.of("a"), "child-v2", Optional.empty(), "OK", 20,
                    OptionalLong.of(30), Optional.empty(), Optional.empty(), "{\"name\":\"child-v2\"}");
            storage.traces().logSpans("7", "tr-old", List.of(again), snapshot -> TraceUpdate.Changes.NONE, 100);
            assertThat(storage.traces().getSpans("tr-old", 0, 10)).extracting(SpanRecord::name)
                    .containsExactly("root", "child-v2");
        }
        try (Connection c = source.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'spans_key' AND "
                        + "sql LIKE 'CREATE UNIQUE INDEX%'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }
}
