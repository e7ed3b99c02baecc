package dev.osprey.storesql;

import com.zaxxer.hikari.HikariDataSource;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import java.sql.Connection;
import java.sql.SQLException;
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
 */
final class SqliteDatabase implements Database {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);
    private static final int MAX_GROUP = 256;

    private final HikariDataSource readers;
    private final Connection writer;
    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writerThread;
    private volatile boolean closed;

    SqliteDatabase(HikariDataSource readers, Connection writer) throws SQLException {
        this.readers = readers;
        this.writer = writer;
        writer.setAutoCommit(false);
        this.writerThread = Thread.ofPlatform().name("osprey-sqlite-writer").daemon(true).start(this::writeLoop);
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
            throw new OspreyException(ErrorCode.TEMPORARILY_UNAVAILABLE, "The store is shutting down.");
        }
        Task<T> task = new Task<>(work, new CompletableFuture<>());
        queue.add(task);
        try {
            return task.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, "Interrupted while waiting for a write.");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof SQLException sql) {
                throw Database.failure(sql);
            }
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, String.valueOf(cause), cause);
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
        try (Statement s = writer.createStatement()) {
            for (Task<?> task : group) {
                s.execute("SAVEPOINT unit");
                try {
                    results.add(task.work().run(writer));
                    s.execute("RELEASE unit");
                } catch (Throwable t) {
                    s.execute("ROLLBACK TO unit");
                    s.execute("RELEASE unit");
                    results.add(new Failed(t));
                }
            }
            writer.commit();
        } catch (SQLException e) {
            LOG.error("SQLite group commit failed; {} writes are reported as failed", group.size(), e);
            try {
                writer.rollback();
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
        writerThread.interrupt();
        try {
            writerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.close();
        } catch (SQLException e) {
            LOG.warn("Closing the SQLite writer failed", e);
        }
        readers.close();
    }

    private record Task<T>(SqlWork<T> work, CompletableFuture<T> result) {}

    private record Failed(Throwable cause) {}
}
