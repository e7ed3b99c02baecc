package dev.osprey.storesql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.core.ModelVersion;
import dev.osprey.core.Tag;
import dev.osprey.store.AuthStore;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.RegistryStore;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.store.WorkspaceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * V19 keys experiments and registered models by (workspace, name). Each database is populated as V18 left it —
 * experiments and models in two workspaces, versions, tags, aliases, grants, a deleted experiment's id — then opened
 * by the store, which migrates it; everything must read back where it was, and names become free per workspace.
 */
class WorkspaceNamesMigrationTest {
    private static final String TEAM = "team-a";

    @Test
    void sqlite() throws Exception {
        Path file = Files.createTempDirectory("osprey-v19").resolve("osprey.db");
        migrateThroughV18AndPopulate("sqlite:///" + file);
    }

    @Test
    void postgresql() throws Exception {
        migrateThroughV18AndPopulate(freshDatabase(TestDatabases.postgresUrl()));
    }

    @Test
    void mariadb() throws Exception {
        migrateThroughV18AndPopulate(freshDatabase(TestDatabases.mysqlUrl()));
    }

    /** A new empty database beside the test one (same server and credentials), as a store URI. */
    private static String freshDatabase(String testUrl) throws Exception {
        BackendUri test = BackendUri.parse(testUrl);
        try (Connection c = DriverManager.getConnection(test.jdbcUrl(), test.user(), test.password());
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("DROP DATABASE IF EXISTS osprey_v19_migration");
            s.execute("CREATE DATABASE osprey_v19_migration");
        }
        return testUrl.substring(0, testUrl.lastIndexOf('/') + 1) + "osprey_v19_migration";
    }

    private static void migrateThroughV18AndPopulate(String uri) throws Exception {
        BackendUri backend = BackendUri.parse(uri);
        if (backend.dialect() == SqlDialect.SQLITE) {
            Files.createDirectories(backend.sqliteFile().orElseThrow().getParent());
        }
        Flyway.configure().dataSource(backend.jdbcUrl(), backend.user(), backend.password())
                .locations(backend.dialect().migrationLocations()).table("osprey_schema_history")
                // The last migration before V19 (PostgreSQL has no V18).
                .target(backend.dialect() == SqlDialect.POSTGRES ? "17" : "18")
                .load().migrate();
        try (Connection c = DriverManager.getConnection(backend.jdbcUrl(), backend.user(), backend.password());
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("INSERT INTO workspaces (name, description, default_artifact_root, created_at) VALUES ('"
                    + TEAM + "', 'team', NULL, 1)");
            for (String[] e : List.of(new String[] {"churn", "default"}, new String[] {"fraud", TEAM},
                    new String[] {"gone", "default"})) {
                s.execute("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, "
                        + "last_update_time, workspace) VALUES ('" + e[0] + "', 'a', 'active', 1, 1, '" + e[1] + "')");
            }
            s.execute("INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, "
                    + "lifecycle_stage, artifact_uri) SELECT 'r1', experiment_id, 'run', 'u', 'FINISHED', 1, "
                    + "'active', 'a' FROM experiments WHERE name = 'fraud'");
            s.execute("DELETE FROM experiments WHERE name = 'gone'");

            s.execute("INSERT INTO registered_models (name, creation_time, last_updated_time, description, "
                    + "workspace) VALUES ('ranker', 1, 1, 'team model', '" + TEAM + "'), ('old:name', 1, 1, NULL, "
                    + "'default')");
            s.execute("INSERT INTO registered_model_tags (name, tag_key, tag_value) VALUES ('ranker', 'owner', 'a')");
            s.execute("INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
                    + "user_id, current_stage, source, run_id, run_link, status, storage_location, model_id) VALUES "
                    + "('ranker', 1, 1, 1, NULL, 'u', 'None', 's3://m/1', '', '', 'READY', 's3://m/1', NULL), "
                    + "('ranker', 2, 1, 1, NULL, 'u', 'Production', 's3://m/2', '', '', 'READY', 's3://m/2', NULL)");
            s.execute("INSERT INTO model_version_tags (name, version, tag_key, tag_value) VALUES ('ranker', 2, 'k', "
                    + "'v')");
            s.execute("INSERT INTO registered_model_aliases (name, alias, version) VALUES ('ranker', 'champion', 2)");
            s.execute("INSERT INTO auth_users (username, password_hash, is_admin) VALUES ('alice', 'h', 0)");
            s.execute("INSERT INTO auth_grants (resource_type, resource_id, user_id, permission) SELECT "
                    + "'REGISTERED_MODEL', 'ranker', id, 'MANAGE' FROM auth_users WHERE username = 'alice'");
            s.execute("INSERT INTO auth_grants (resource_type, resource_id, user_id, permission) SELECT "
                    + "'REGISTERED_MODEL', 'old:name', id, 'READ' FROM auth_users WHERE username = 'alice'");
        }

        try (StorageComponent storage = Stores.open(uri)) {
            var tracking = storage.tracking();
            String fraud = tracking.getExperimentByName("fraud", TEAM).orElseThrow().experimentId();
            assertThat(tracking.getRun("r1").orElseThrow().info().experimentId()).isEqualTo(fraud);
            assertThat(tracking.getExperimentByName("churn", WorkspaceStore.DEFAULT)).isPresent();
            assertThat(storage.workspaces().workspacesOf(WorkspaceStore.Kind.EXPERIMENT, List.of(fraud)))
                    .containsEntry(fraud, TEAM);
            // The name is now free in the default workspace, and ids continue past the deleted experiment's.
            String again = tracking.createExperiment("fraud", Optional.empty(), id -> "a/" + id, List.of(), 2);
            assertThat(Long.parseLong(again)).isGreaterThan(Long.parseLong(fraud) + 1);

            RegistryStore team = storage.registry().in(TEAM);
            assertThat(team.getRegisteredModel("ranker").orElseThrow().tags()).containsExactly(new Tag("owner", "a"));
            ModelVersion champion = team.getModelVersionByAlias("ranker", "champion");
            assertThat(champion.version()).isEqualTo("2");
            assertThat(champion.tags()).containsExactly(new Tag("k", "v"));
            assertThat(team.getRegisteredModel("ranker").orElseThrow().latestVersions()).hasSize(2);
            assertThat(storage.registry().getRegisteredModel("ranker")).isEmpty();
            storage.registry().createRegisteredModel("ranker", List.of(), Optional.empty(), 3);
            assertThat(storage.registry().getRegisteredModel("ranker")).isPresent();
            assertThat(storage.registry().getRegisteredModel("old:name")).isPresent();

            AuthStore auth = storage.auth();
            long alice = auth.user("alice").orElseThrow().id();
            assertThat(auth.grants(alice)).extracting(AuthStore.Grant::resourceId)
                    .containsExactlyInAnyOrder(TEAM + ":ranker", "default:old:name");
            assertThat(auth.grant(ResourceType.REGISTERED_MODEL, "ranker", alice)).as("the new default model's")
                    .isEmpty();
        }
        try (StorageComponent reopened = Stores.open(uri)) {
            assertThat(reopened.registry().in(TEAM).getModelVersion("ranker", "1")).isPresent();
        }
    }
}
