package dev.osprey.storesql;

import com.zaxxer.hikari.HikariDataSource;
import dev.osprey.core.ServerFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite in WAL mode with exactly one writer. Writers never meet SQLite's lock: their work is queued to one thread
 * that takes everything waiting (group commit), runs each unit under its own savepoint — so one failing unit rolls
 * back only itself — and commits once. Callers return only after that commit. Reads use a small pool that WAL lets
 * run alongside the writer.
 *
 * <p>Checkpoints (copying the WAL back into the database file, with an fsync) would otherwise run inside every
 * ~1000-page commit and stall all writers; a background thread runs them instead, passively, so the writer never
 * waits for one. If readers keep the WAL from being reset and it passes {@link #WAL_RESTART_FRAMES}, the
 * checkpointer briefly blocks the writer to restart it, which bounds the WAL's size.
 */
final class SqliteDatabase implements Database {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);
    private static final int MAX_GROUP = 256;
    private static final long CHECKPOINT_INTERVAL_MS = 1000;
    static final int WAL_RESTART_FRAMES = 16_384;

    private final HikariDataSource readers;
    private final Connection writer;
    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writerThread;
    private final Connection checkpointer;
    private final Thread checkpointThread;
    private volatile boolean closed;

    SqliteDatabase(HikariDataSource readers, Connection writer, Connection checkpointer) throws SQLException {
        this.readers = readers;
        try (Statement s = writer.createStatement()) {
            s.execute("PRAGMA wal_autocheckpoint = 0");
        }
        this.writer = StatementCache.wrap(writer);
        // Transactions are begun by hand (BEGIN IMMEDIATE per group): the driver's own would begin again right
        // after each commit, and an IMMEDIATE one would then hold the write lock between groups.
        this.writer.setAutoCommit(true);
        this.checkpointer = checkpointer;
        this.writerThread = Thread.ofPlatform().name("osprey-sqlite-writer").daemon(true).start(this::writeLoop);
        this.checkpointThread = Thread.ofPlatform().name("osprey-sqlite-checkpoint").daemon(true)
                .start(this::checkpointLoop);
    }

    private void checkpointLoop() {
        while (!closed) {
            try {
                Thread.sleep(CHECKPOINT_INTERVAL_MS);
                checkpoint("PASSIVE");
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                LOG.warn("SQLite checkpoint failed; will retry", e);
            }
        }
    }

    private void checkpoint(String mode) throws SQLException {
        try (Statement s = checkpointer.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            if (rs.next() && mode.equals("PASSIVE") && rs.getInt(2) > WAL_RESTART_FRAMES) {
                rs.close();
                checkpoint("RESTART");
            }
        }
    }

    @Override
    public SqlDialect dialect() {
        return SqlDialect.SQLITE;
    }

    @Override
    public <T> T read(SqlWork<T> work) {
        try (Connection c = readers.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw Database.failure(e);
        }
    }

    @Override
    public <T> T write(SqlWork<T> work) {
        if (closed) {
            throw new ServerFailure("The store is shutting down.");
        }
        Task<T> task = new Task<>(work, new CompletableFuture<>());
        queue.add(task);
        try {
            return task.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerFailure("Interrupted while waiting for a write.", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof SQLException sql) {
                throw Database.failure(sql);
            }
            throw new ServerFailure("The write failed.", cause);
        }
    }

    private void writeLoop() {
        List<Task<?>> group = new ArrayList<>(MAX_GROUP);
        while (!closed || !queue.isEmpty()) {
            try {
                Task<?> first = queue.take();
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                runGroup(group);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } finally {
                group.clear();
            }
        }
    }

    private void runGroup(List<Task<?>> group) {
        List<Object> results = new ArrayList<>(group.size());
        try {
            // IMMEDIATE takes the write lock up front, waiting through busy_timeout if the checkpointer holds it; a
            // deferred transaction that read first could not wait for it once the WAL had been restarted.
            execute("BEGIN IMMEDIATE");
            for (Task<?> task : group) {
                execute("SAVEPOINT unit");
                try {
                    results.add(task.work().run(writer));
                    execute("RELEASE unit");
                } catch (Throwable t) {
                    execute("ROLLBACK TO unit");
                    execute("RELEASE unit");
                    results.add(new Failed(t));
                }
            }
            execute("COMMIT");
        } catch (SQLException e) {
            LOG.error("SQLite group commit failed; {} writes are reported as failed", group.size(), e);
            try {
                // Fails harmlessly with "no transaction is active" when BEGIN itself failed.
                execute("ROLLBACK");
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            for (Task<?> task : group) {
                task.result().completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results.get(i));
        }
    }

    private void execute(String sql) throws SQLException {
        try (PreparedStatement s = writer.prepareStatement(sql)) {
            s.execute();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Task<T> task, Object result) {
        if (result instanceof Failed failed) {
            task.result().completeExceptionally(failed.cause());
        } else {
            task.result().complete((T) result);
        }
    }

    @Override
    public void close() {
        closed = true;
        checkpointThread.interrupt();
        writerThread.interrupt();
        try {
            writerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            checkpointThread.join(5_000);
            checkpoint("TRUNCATE");
            checkpointer.close();
            writer.close();
        } catch (SQLException e) {
            LOG.warn("Closing the SQLite writer failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readers.close();
    }

    private record Task<T>(SqlWork<T> work, CompletableFuture<T> result) {}

    private record Failed(Throwable cause) {}
}
