package dev.osprey.storesql;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import java.sql.SQLException;

/**
 * Transactions on a SQL backend. {@link #write} runs work in a transaction that commits before it returns;
 * {@link #read} runs it on a connection that sees everything committed. Implementations decide how writes are
 * scheduled: SQLite funnels them through one writer, the server databases use a pool.
 */
public interface Database extends AutoCloseable {
    SqlDialect dialect();

    <T> T read(SqlWork<T> work);

    <T> T write(SqlWork<T> work);

    /** {@link #write} for work that returns nothing. */
    default void update(SqlAction action) {
        write(c -> {
            action.run(c);
            return null;
        });
    }

    /** Work that returns nothing, on one connection inside one transaction. */
    @FunctionalInterface
    interface SqlAction {
        void run(java.sql.Connection connection) throws SQLException;
    }

    @Override
    void close();

    /** A database failure the client did not cause, as the error it is reported with. */
    static OspreyException failure(SQLException e) {
        return new OspreyException(ErrorCode.INTERNAL_ERROR, "Database error: " + e.getMessage(), e);
    }
}
