package dev.osprey.storesql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.store.StoreProvider;
import dev.osprey.store.StoreSettings;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens SQL stores: migrates the schema with Flyway, then builds the connection pools. */
public final class SqlStoreProvider implements StoreProvider {

    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    @Override
    public Set<String> schemes() {
        return Set.of("sqlite", "postgresql", "postgres", "mysql", "mariadb");
    }

    @Override
    public StorageComponent open(String uri) {
        return open(uri, StoreSettings.DEFAULTS);
    }

    @Override
    public StorageComponent open(String uri, StoreSettings settings) {
        BackendUri backend = BackendUri.parse(uri);
        try {
            Database db = backend.dialect() == SqlDialect.SQLITE ? openSqlite(backend)
                    : openPooled(backend, settings);
            return new SqlStorage(db, backend.sqliteFile().map(f -> f.toAbsolutePath().getParent()));
        } catch (SQLException | RuntimeException | java.io.IOException e) {
            if (e instanceof OspreyException o) {
                throw o;
            }
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, "Cannot open backend store '" + Stores.redact(uri)
                    + "': " + e.getMessage() + ". Check that the database server runs and the URI's user, password "
                    + "and database are right.", e);
        }
    }

    /** Brings the schema up to date; the number of migrations applied. */
    private static int migrate(javax.sql.DataSource dataSource, SqlDialect dialect) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(dialect.migrationLocations())
                .table("osprey_schema_history")
                .baselineOnMigrate(false)
                .load()
                .migrate()
                .migrationsExecuted;
    }

    private static Database openSqlite(BackendUri backend) throws SQLException, java.io.IOException {
        Files.createDirectories(backend.sqliteFile().orElseThrow().getParent());
        SQLiteConfig config = configure(new SQLiteConfig());
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(backend.jdbcUrl());
        migrateSqlite(backend.jdbcUrl());

        HikariConfig readers = new HikariConfig();
        readers.setDataSource(new CachingDataSource(source));
        readers.setMaximumPoolSize(Math.max(4, Runtime.getRuntime().availableProcessors() * 2));
        readers.setPoolName("osprey-sqlite-readers");
        readers.setAutoCommit(true);
        return new SqliteDatabase(new HikariDataSource(readers), source.getConnection(), source.getConnection());
    }

    /**
     * SQLite changes a key only by rebuilding the table (V18, V19), which must run with foreign keys off
     * (https://sqlite.org/lang_altertable.html#otheralter): the migrations get such a connection, and the references
     * are checked once they are done. A violation stops the server before it serves anything.
     */
    private static void migrateSqlite(String url) throws SQLException {
        SQLiteConfig config = configure(new SQLiteConfig());
        config.enforceForeignKeys(false);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(url);
        if (migrate(source, SqlDialect.SQLITE) == 0) {
            return;
        }
        try (java.sql.Connection c = source.getConnection(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet broken = s.executeQuery("PRAGMA foreign_key_check")) {
            if (broken.next()) {
                throw new OspreyException(ErrorCode.INTERNAL_ERROR, "The SQLite database's rows in "
                        + broken.getString(1) + " reference missing rows in " + broken.getString(3)
                        + " after migrating its schema. Restore the file from a backup and report this.");
            }
        }
    }

    /** Connection settings every SQLite connection of the store shares. */
    private static SQLiteConfig configure(SQLiteConfig config) {
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode loses nothing on a process crash; only an OS crash can drop the last commits.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        config.enforceForeignKeys(true);
        // MLflow's LIKE is case-sensitive on every backend; SQLite's is not unless told.
        config.enableCaseSensitiveLike(true);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        config.setCacheSize(-64_000);
        return config;
    }

    private static Database openPooled(BackendUri backend, StoreSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(backend.jdbcUrl());
        config.setUsername(backend.user());
        config.setPassword(backend.password());
        config.setMaximumPoolSize(settings.poolSize());
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.setAutoCommit(false);
        config.setPoolName("osprey-" + backend.dialect().name().toLowerCase(java.util.Locale.ROOT));
        config.setInitializationFailTimeout(10_000);
        // While the database is down a call waits this long for a connection, then fails as the server's own
        // failure (503 to exporters, 500 to clients): Hikari's 30 s default would pile requests up instead.
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        if (backend.dialect() == SqlDialect.POSTGRES) {
            // Searches bind their filter values; a cached generic plan cannot know how selective they are.
            config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan");
        }
        if (backend.dialect() == SqlDialect.MYSQL) {
            config.setConnectionInitSql("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')");
        }
        HikariDataSource pool = new HikariDataSource(config);
        try {
            migrate(pool, backend.dialect());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new PooledDatabase(pool, backend.dialect());
    }
}
