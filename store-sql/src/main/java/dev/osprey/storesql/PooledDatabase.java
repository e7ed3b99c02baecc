package dev.osprey.storesql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * PostgreSQL and MySQL/MariaDB: every call borrows a pooled connection; writes run in READ COMMITTED transactions
 * and are retried on deadlock or serialization failure (concurrent log-batch calls on the same run can collide).
 * Pooled connections stay in manual-commit mode (toggling autocommit costs a round trip on MariaDB's driver);
 * reads end their transaction so no snapshot outlives the call. On PostgreSQL, where the toggle is free, reads run
 * in autocommit instead: no transaction to end, so no {@code ROLLBACK} round trip per read (a profile of trace
 * search showed it), and READ COMMITTED gives a multi-statement read no common snapshot either way.
 */
final class PooledDatabase implements Database {
    private static final int MAX_ATTEMPTS = 5;
    private final HikariDataSource pool;
    private final SqlDialect dialect;

    PooledDatabase(HikariDataSource pool, SqlDialect dialect) {
        this.pool = pool;
        this.dialect = dialect;
    }

    @Override
    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public <T> T read(SqlWork<T> work) {
        if (!dialect.autocommitIsClientSide()) {
            return readStreaming(work);
        }
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(true);
            try {
                return work.run(c);
            } finally {
                c.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw Database.failure(e);
        }
    }

    @Override
    public <T> T readStreaming(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            try {
                return work.run(c);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw Database.failure(e);
        }
    }

    @Override
    public <T> T write(SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = pool.getConnection()) {
                try {
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                if (attempt < MAX_ATTEMPTS && dialect.isRetryable(e)) {
                    backoff(attempt);
                    continue;
                }
                throw Database.failure(e);
            }
        }
    }

    private static void backoff(int attempt) {
        try {
            Thread.sleep((long) (Math.random() * 10 * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
