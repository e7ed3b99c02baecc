package dev.osprey.storesql;

import java.sql.SQLException;
import org.jooq.SQLDialect;

/**
 * Every difference between the SQL backends, in one place: jOOQ's dialect for rendered queries, the Flyway
 * migration folder, insert-or-ignore syntax, row locking and which failures are worth retrying.
 */
public enum SqlDialect {
    SQLITE(SQLDialect.SQLITE, "sqlite"),
    POSTGRES(SQLDialect.POSTGRES, "postgresql"),
    MYSQL(SQLDialect.MYSQL, "mysql");

    private final SQLDialect jooq;
    private final String migrations;

    SqlDialect(SQLDialect jooq, String migrations) {
        this.jooq = jooq;
        this.migrations = migrations;
    }

    public SQLDialect jooq() {
        return jooq;
    }

    /**
     * Where the dialect's migrations are: its own folder, and {@code common/} for the versions whose SQL is the same
     * in every dialect (one file each, never copied per dialect).
     */
    public String[] migrationLocations() {
        return new String[] {"classpath:db/migration/" + migrations, "classpath:db/migration/common"};
    }

    /** An INSERT that silently skips rows whose key already exists (exact replays of a write). */
    public String insertIgnore(String table, String columns, String conflictColumns) {
        int count = columns.split(",").length;
        String values = "?" + ",?".repeat(count - 1);
        return switch (this) {
            case MYSQL -> "INSERT IGNORE INTO " + table + " (" + columns + ") VALUES (" + values + ")";
            default -> "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ") ON CONFLICT ("
                    + conflictColumns + ") DO NOTHING";
        };
    }

    /** An INSERT that replaces the value columns of an existing row with the same key. */
    public String upsert(String table, String columns, String conflictColumns, String updateColumns) {
        return upsert(table, columns, conflictColumns, updateColumns, 1);
    }

    /** {@link #upsert} of {@code rows} rows in one statement (their keys must differ). */
    public String upsert(String table, String columns, String conflictColumns, String updateColumns, int rows) {
        int count = columns.split(",").length;
        String values = "(?" + ",?".repeat(count - 1) + ")";
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (").append(columns)
                .append(") VALUES ").append(values);
        for (int r = 1; r < rows; r++) {
            sql.append(", ").append(values);
        }
        String[] updates = updateColumns.split(",");
        if (this == MYSQL) {
            sql.append(" ON DUPLICATE KEY UPDATE ");
            for (int i = 0; i < updates.length; i++) {
                String c = updates[i].trim();
                sql.append(i == 0 ? "" : ", ").append(c).append(" = VALUES(").append(c).append(')');
            }
        } else {
            sql.append(" ON CONFLICT (").append(conflictColumns).append(") DO UPDATE SET ");
            for (int i = 0; i < updates.length; i++) {
                String c = updates[i].trim();
                sql.append(i == 0 ? "" : ", ").append(c).append(" = excluded.").append(c);
            }
        }
        return sql.toString();
    }

    /**
     * One statement that inserts a run's latest value for a key or moves it forward only when the new point orders
     * after it by (step, timestamp, value). MySQL evaluates ON DUPLICATE KEY assignments left to right, each seeing
     * the columns already assigned; with the order is_nan, value, ts, step every later condition still decides as
     * the first one did (when the first held, the columns it compared on either changed to the new values in an
     * order that keeps the comparison true, or were equal and are rewritten unchanged).
     */
    public String latestMetricUpsert() {
        String insert = "INSERT INTO latest_metrics (run_id, metric_key, metric_value, ts, step, is_nan) "
                + "VALUES (?, ?, ?, ?, ?, ?)";
        if (this == MYSQL) {
            String newer = "(VALUES(step), VALUES(ts), VALUES(metric_value)) > (step, ts, metric_value)";
            return insert + " ON DUPLICATE KEY UPDATE "
                    + "is_nan = IF(" + newer + ", VALUES(is_nan), is_nan), "
                    + "metric_value = IF(" + newer + ", VALUES(metric_value), metric_value), "
                    + "ts = IF(" + newer + ", VALUES(ts), ts), "
                    + "step = IF(" + newer + ", VALUES(step), step)";
        }
        return insert + " ON CONFLICT (run_id, metric_key) DO UPDATE SET "
                + "metric_value = excluded.metric_value, ts = excluded.ts, step = excluded.step, "
                + "is_nan = excluded.is_nan WHERE (excluded.step, excluded.ts, excluded.metric_value) > "
                + "(latest_metrics.step, latest_metrics.ts, latest_metrics.metric_value)";
    }

    /**
     * Whether switching a connection to autocommit and back costs nothing: PostgreSQL's driver keeps it as a flag
     * (and starts no transaction for a read), MariaDB's sends {@code SET autocommit} each time.
     */
    public boolean autocommitIsClientSide() {
        return this == POSTGRES;
    }

    /** Suffix that locks selected rows for the transaction; SQLite has one writer and needs none. */
    public String forUpdate() {
        return this == SQLITE ? "" : " FOR UPDATE";
    }

    /** Deadlocks and serialization failures: the transaction can run again unchanged. */
    public boolean isRetryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if ("40001".equals(state) || "40P01".equals(state) || sql.getErrorCode() == 1213
                        || sql.getErrorCode() == 1205) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if ("23505".equals(state) || sql.getErrorCode() == 1062
                        || (this == SQLITE && sql.getMessage() != null && sql.getMessage().contains("UNIQUE"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
