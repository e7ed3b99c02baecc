package dev.osprey.storesql;

import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.when;

import dev.osprey.core.DatasetInput;
import dev.osprey.core.LifecycleStage;
import dev.osprey.search.Field;
import dev.osprey.search.Ordering;
import dev.osprey.store.RunQuery;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * SearchRuns as one SQL query that returns a page of run ids in order. Each metric, param or tag key a query names
 * is joined once ({@code (run_id, key)} is unique in those tables): INNER when a filter clause targets it, so the
 * planner may drive the query from that key's index, LEFT when only the order uses it. Dataset clauses stay EXISTS
 * (a run has many datasets). Missing keys sort last in both directions, as MLflow's SQL store sorts them.
 */
final class RunSearchSql {
    private static final String R = "r";
    private static final org.jooq.Field<String> RUN_ID = field(name(R, "run_id"), String.class);

    private RunSearchSql() {}

    static List<String> pageOfIds(Connection c, SqlDialect dialect, RunQuery q, int offset, int limit) {
        List<Long> experimentIds = new ArrayList<>();
        for (String id : q.experimentIds()) {
            ExperimentsSql.parseId(id).ifPresent(experimentIds::add);
        }
        if (experimentIds.isEmpty()) {
            return List.of();
        }
        Condition where = field(name(R, "experiment_id"), Long.class).in(experimentIds)
                .and(field(name(R, "lifecycle_stage"), String.class)
                        .in(q.viewType().stages().stream().map(LifecycleStage::wireName).toList()));
        Joins joins = new Joins();
        int i = 0;
        for (dev.osprey.search.Condition clause : q.filter()) {
            where = where.and(switch (clause.field()) {
                case METRIC -> SqlConditions.number(joins.value(clause.field(), clause.key(), true, Double.class),
                        clause);
                case PARAM, TAG -> SqlConditions.text(joins.value(clause.field(), clause.key(), true, String.class),
                        clause);
                case ATTRIBUTE -> attribute(clause);
                case DATASET -> dataset(clause, "d" + i);
                case METADATA, SPAN -> throw new IllegalStateException("runs have no " + clause.field() + " filter");
            });
            i++;
        }
        List<SortField<?>> order = new ArrayList<>();
        boolean startTimeOrdered = false;
        for (Ordering o : q.orderBy()) {
            switch (o.field()) {
                case METRIC -> {
                    String alias = joins.alias(Field.METRIC, o.key(), false);
                    order.add(when(field(name(alias, "run_id")).isNull(), inline(2))
                            .when(field(name(alias, "is_nan"), Boolean.class).isTrue(), inline(1))
                            .otherwise(inline(0)).asc());
                    order.add(sort(joins.value(Field.METRIC, o.key(), false, Double.class), o.ascending()));
                }
                case PARAM, TAG -> {
                    String alias = joins.alias(o.field(), o.key(), false);
                    order.add(when(field(name(alias, "run_id")).isNull(), inline(1)).otherwise(inline(0)).asc());
                    order.add(sort(joins.value(o.field(), o.key(), false, String.class), o.ascending()));
                }
                case ATTRIBUTE -> {
                    String column = o.key();
                    startTimeOrdered |= column.equals("start_time");
                    org.jooq.Field<Object> f = field(name(R, column));
                    if (column.equals("end_time")) {
                        order.add(when(f.isNull(), inline(1)).otherwise(inline(0)).asc());
                    }
                    order.add(sort(f, o.ascending()));
                }
                default -> throw new IllegalStateException(o.field().name());
            }
        }
        if (!startTimeOrdered) {
            order.add(field(name(R, "start_time")).desc());
        }
        order.add(RUN_ID.asc());
        return DSL.using(c, dialect.jooq()).select(RUN_ID).from(joins.joined()).where(where).orderBy(order)
                .limit(limit).offset(offset).fetch(RUN_ID);
    }

    /** The keyed tables joined so far, one alias per (field, key). */
    private static final class Joins {
        private final java.util.Map<String, String> aliases = new java.util.HashMap<>();
        private Table<?> joined = DSL.table(name("runs")).as(R);

        String alias(Field field, String key, boolean required) {
            String id = field + ":" + key;
            String alias = aliases.get(id);
            if (alias != null) {
                return alias;
            }
            alias = "k" + aliases.size();
            aliases.put(id, alias);
            String prefix = prefix(field);
            Table<?> keyed = DSL.table(name(tableOf(field))).as(alias);
            Condition on = field(name(alias, "run_id"), String.class).eq(RUN_ID)
                    .and(field(name(alias, prefix + "_key"), String.class).eq(key));
            // A filter makes the key required: every filter clause on it is false for runs without it.
            joined = required ? joined.join(keyed).on(on) : joined.leftJoin(keyed).on(on);
            return alias;
        }

        <T> org.jooq.Field<T> value(Field field, String key, boolean required, Class<T> type) {
            return field(name(alias(field, key, required), prefix(field) + "_value"), type);
        }

        Table<?> joined() {
            return joined;
        }

        private static String prefix(Field field) {
            return switch (field) {
                case METRIC -> "metric";
                case PARAM -> "param";
                case TAG -> "tag";
                default -> throw new IllegalArgumentException(field.name());
            };
        }

        private static String tableOf(Field field) {
            return switch (field) {
                case METRIC -> "latest_metrics";
                case PARAM -> "params";
                case TAG -> "run_tags";
                default -> throw new IllegalArgumentException(field.name());
            };
        }
    }

    private static <T> SortField<T> sort(org.jooq.Field<T> f, boolean ascending) {
        return ascending ? f.asc() : f.desc();
    }

    private static Condition attribute(dev.osprey.search.Condition c) {
        String column = c.key();
        if (column.equals("start_time") || column.equals("end_time")) {
            return SqlConditions.integer(field(name(R, column), Long.class), c);
        }
        if (column.equals("run_id") && c.comparator().isList()) {
            // MLflow drops ids with uppercase letters from IN lists: run ids are lowercase hex.
            List<String> ids = c.list().stream().filter(id -> id.equals(id.toLowerCase(Locale.ROOT))).toList();
            if (ids.isEmpty()) {
                return c.comparator() == dev.osprey.search.Comparator.IN ? DSL.falseCondition() : noCondition();
            }
            return SqlConditions.text(RUN_ID, new dev.osprey.search.Condition(c.field(), column, c.comparator(),
                    new dev.osprey.search.Value.TextList(ids)));
        }
        return SqlConditions.text(field(name(R, column), String.class), c);
    }

    private static Condition dataset(dev.osprey.search.Condition c, String alias) {
        String inputs = alias + "i";
        String datasets = alias + "d";
        String tags = alias + "t";
        var select = selectOne().from(table(name("run_dataset_inputs")).as(inputs))
                .join(table(name("datasets")).as(datasets))
                .on(field(name(datasets, "dataset_id"), Long.class).eq(field(name(inputs, "dataset_id"), Long.class)));
        org.jooq.Field<String> target;
        if (c.key().equals("context")) {
            select = select.join(table(name("run_dataset_input_tags")).as(tags))
                    .on(field(name(tags, "run_id"), String.class).eq(field(name(inputs, "run_id"), String.class))
                            .and(field(name(tags, "dataset_id"), Long.class)
                                    .eq(field(name(inputs, "dataset_id"), Long.class)))
                            .and(field(name(tags, "tag_key"), String.class).eq(DatasetInput.CONTEXT_TAG)));
            target = field(name(tags, "tag_value"), String.class);
        } else {
            target = field(name(datasets, c.key()), String.class);
        }
        return exists(select.where(field(name(inputs, "run_id"), String.class).eq(RUN_ID))
                .and(SqlConditions.text(target, c)));
    }
}
