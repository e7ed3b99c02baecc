package dev.osprey.storesql;

import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;

import dev.osprey.core.OspreyException;
import dev.osprey.search.Ordering;
import dev.osprey.store.TraceQuery;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;

/** SearchTracesV3 as one query returning a page of trace rows in order (spec/search-grammar.md §6). */
final class TraceSearchSql {
    /** The tag MLflow's search grammar reads {@code name} / {@code trace.name} from. */
    private static final String TRACE_NAME = "mlflow.traceName";

    private static final String T = "t";
    private static final org.jooq.Field<String> ID = field(name(T, "trace_id"), String.class);

    private TraceSearchSql() {}

    /** Traces of these experiments matching every clause of the filter. */
    private static Condition where(List<String> experimentIds, List<dev.osprey.search.Condition> filter) {
        List<Long> experiments = new ArrayList<>();
        for (String id : experimentIds) {
            experiments.add(ExperimentsSql.requireId(id));
        }
        Condition where = field(name(T, "experiment_id"), Long.class).in(experiments);
        int i = 0;
        for (dev.osprey.search.Condition clause : filter) {
            where = where.and(condition(clause, "f" + i++));
        }
        return where;
    }

    /** The rows a metrics query aggregates, streamed from one query (names and usage as scalar subqueries). */
    static void metricRows(Connection c, SqlDialect dialect, dev.osprey.store.TraceStore.MetricRowQuery q,
            java.util.function.Consumer<dev.osprey.store.TraceStore.MetricRow> sink) throws java.sql.SQLException {
        Condition where = where(q.experimentIds(), q.filter());
        List<org.jooq.Field<?>> columns = new ArrayList<>(List.of(ID, field(name(T, "request_time")),
                field(name(T, "state")), field(name(T, "execution_duration"))));
        columns.add(q.withName() ? DSL.field(DSL.select(field(name("n", "tag_value"))).from(table(name("trace_tags"))
                .as("n")).where(field(name("n", "trace_id"), String.class).eq(ID))
                .and(field(name("n", "tag_key"), String.class).eq(TRACE_NAME))) : DSL.inline((String) null));
        columns.add(q.withTokenUsage() ? DSL.field(DSL.select(field(name("u", "metadata_value")))
                .from(table(name("trace_metadata")).as("u")).where(field(name("u", "trace_id"), String.class).eq(ID))
                .and(field(name("u", "metadata_key"), String.class).eq("mlflow.trace.tokenUsage")))
                : DSL.inline((String) null));
        try (var rs = DSL.using(c, dialect.jooq()).select(columns).from(table(name("traces")).as(T)).where(where)
                .fetchSize(1000).fetchResultSet()) {
            while (rs.next()) {
                long duration = rs.getLong(4);
                java.util.OptionalLong d = rs.wasNull() ? java.util.OptionalLong.empty()
                        : java.util.OptionalLong.of(duration);
                sink.accept(new dev.osprey.store.TraceStore.MetricRow(rs.getString(1), rs.getLong(2),
                        dev.osprey.core.TraceState.valueOf(rs.getString(3)), d,
                        java.util.Optional.ofNullable(rs.getString(5)), java.util.Optional.ofNullable(rs.getString(6))));
            }
        }
    }

    static List<TracesSql.Row> page(Connection c, SqlDialect dialect, TraceQuery q, int offset, int limit)
            throws java.sql.SQLException {
        Condition where = where(q.experimentIds(), q.filter());
        List<SortField<?>> order = new ArrayList<>();
        boolean idOrdered = false;
        for (Ordering o : q.orderBy()) {
            org.jooq.Field<?> f = switch (o.key()) {
                case "experiment_id" -> field(name(T, "experiment_id"));
                case "timestamp_ms" -> field(name(T, "request_time"));
                case "execution_time_ms" -> field(name(T, "execution_duration"));
                case "status" -> field(name(T, "state"));
                case "request_id" -> {
                    idOrdered = true;
                    yield ID;
                }
                case "name" -> DSL.field(DSL.select(field(name("n", "tag_value"))).from(table(name("trace_tags"))
                        .as("n")).where(field(name("n", "trace_id"), String.class).eq(ID))
                        .and(field(name("n", "tag_key"), String.class).eq(TRACE_NAME)));
                case "run_id" -> DSL.field(DSL.select(field(name("r", "metadata_value"))).from(table(name(
                        "trace_metadata")).as("r")).where(field(name("r", "trace_id"), String.class).eq(ID))
                        .and(field(name("r", "metadata_key"), String.class).eq("mlflow.sourceRun")));
                default -> throw OspreyException.invalid("Invalid order_by key '" + o.key() + "' for traces.");
            };
            order.add(o.ascending() ? f.asc() : f.desc());
        }
        if (q.orderBy().isEmpty()) {
            order.add(field(name(T, "request_time")).desc());
        }
        if (!idOrdered) {
            order.add(ID.asc());
        }
        var columns = java.util.stream.Stream.of("trace_id", "experiment_id", "client_request_id", "request_time",
                "execution_duration", "state", "request_preview", "response_preview")
                .map(column -> field(name(T, column))).toList();
        // The page's whole trace rows in the search itself: their tags and metadata are then one query more.
        try (var rs = DSL.using(c, dialect.jooq()).select(columns).from(table(name("traces")).as(T)).where(where)
                .orderBy(order).limit(limit).offset(offset).fetchResultSet()) {
            List<TracesSql.Row> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(TracesSql.row(rs));
            }
            return rows;
        }
    }

    private static Condition keyed(String table, String keyColumn, String valueColumn, String key,
            dev.osprey.search.Condition c, String alias) {
        org.jooq.Field<String> value = field(name(alias, valueColumn), String.class);
        return exists(selectOne().from(table(name(table)).as(alias))
                .where(field(name(alias, "trace_id"), String.class).eq(ID))
                .and(field(name(alias, keyColumn), String.class).eq(key))
                .and(SqlConditions.text(value, c)));
    }

    private static Condition anySpan(String alias, Condition spanMatches) {
        return exists(selectOne().from(table(name("spans")).as(alias))
                .where(field(name(alias, "trace_id"), String.class).eq(ID)).and(spanMatches));
    }

    private static Condition spanCondition(dev.osprey.search.Condition c, org.jooq.Field<String> content,
            String alias) {
        if (c.key().startsWith("attributes.")) {
            return SpanContentMatch.attribute(content, c.key().substring("attributes.".length()), c);
        }
        return switch (c.key()) {
            case "content" -> SpanContentMatch.text(content, c);
            case "type" -> SqlConditions.text(field(name(alias, "span_type"), String.class), c);
            case "status" -> SqlConditions.text(field(name(alias, "status"), String.class), c);
            default -> SqlConditions.text(field(name(alias, "name"), String.class), c);
        };
    }

    private static Condition condition(dev.osprey.search.Condition c, String alias) {
        return switch (c.field()) {
            case TAG -> keyed("trace_tags", "tag_key", "tag_value", c.key(), c, alias);
            case METADATA -> keyed("trace_metadata", "metadata_key", "metadata_value", c.key(), c, alias);
            case SPAN -> anySpan(alias, spanCondition(c, field(name(alias, "content"), String.class), alias));
            case ATTRIBUTE -> switch (c.key()) {
                case "request_id" -> SqlConditions.text(ID, c);
                case "text" -> anySpan(alias, SpanContentMatch.text(field(name(alias, "content"), String.class), c));
                case "client_request_id" -> SqlConditions.text(field(name(T, "client_request_id"), String.class), c);
                case "status" -> SqlConditions.text(field(name(T, "state"), String.class), c);
                case "name" -> keyed("trace_tags", "tag_key", "tag_value", TRACE_NAME, c, alias);
                case "run_id" -> keyed("trace_metadata", "metadata_key", "metadata_value", "mlflow.sourceRun", c,
                        alias).or(exists(selectOne().from(table(name("trace_run_links")).as(alias + "l"))
                        .where(field(name(alias + "l", "trace_id"), String.class).eq(ID))
                        .and(SqlConditions.text(field(name(alias + "l", "run_id"), String.class), c))));
                case "timestamp_ms" -> SqlConditions.integer(field(name(T, "request_time"), Long.class), c);
                case "execution_time_ms" -> SqlConditions.integer(field(name(T, "execution_duration"), Long.class),
                        c);
                case "end_time_ms" -> SqlConditions.integer(field(name(T, "request_time"), Long.class)
                        .plus(field(name(T, "execution_duration"), Long.class)), c);
                default -> throw OspreyException.invalid("Invalid attribute key '" + c.key() + "' for traces.");
            };
            default -> throw OspreyException.invalid("Invalid filter entity for traces: " + c.field());
        };
    }
}
