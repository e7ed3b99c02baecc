package dev.osprey.storesql;

import dev.osprey.core.ServerFailure;
import java.sql.SQLException;

/**
 * Transactions on a SQL backend. {@link #write} runs work in a transaction that commits before it returns;
 * {@link #read} runs it on a connection that sees everything committed. Implementations decide how writes are
 * scheduled: SQLite funnels them through one writer, the server databases use a pool.
 */
public interface Database extends AutoCloseable {
    SqlDialect dialect();

    <T> T read(SqlWork<T> work);

    /**
     * {@link #read} for work that consumes a result set while it is fetched ({@code fetchSize}): PostgreSQL's driver
     * only fetches in batches inside a transaction and otherwise holds every row in memory.
     */
    default <T> T readStreaming(SqlWork<T> work) {
        return read(work);
    }

    <T> T write(SqlWork<T> work);

    /** {@link #write} for work that returns nothing. */
    default void update(SqlAction action) {
        write(c -> {
            action.run(c);
            return null;
        });
    }

    /**
     * {@link #write}, run again (after a short random pause) when it loses a race on a unique index: work that reads
     * then inserts — the next version number, a record for new inputs — sees the winner's row on the next attempt.
     * Every round lets one writer through, so {@code maxAttempts} bounds the contention this absorbs.
     */
    default <T> T writeRetryingConflicts(int maxAttempts, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write(work);
            } catch (ServerFailure e) {
                if (attempt >= maxAttempts || !(e.getCause() instanceof SQLException sql)
                        || !dialect().isUniqueViolation(sql)) {
                    throw e;
                }
                try {
                    Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 10));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Work that returns nothing, on one connection inside one transaction. */
    @FunctionalInterface
    interface SqlAction {
        void run(java.sql.Connection connection) throws SQLException;
    }

    @Override
    void close();

    /**
     * A database failure the client did not cause. The SQL state is kept for the log; the statement text and the
     * driver's message stay in the cause, which no answer shows.
     */
    static ServerFailure failure(SQLException e) {
        return new ServerFailure("Database error (SQL state " + e.getSQLState() + ")", e);
    }
}
