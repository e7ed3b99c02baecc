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
import org.jooq.TableLike;
import org.jooq.impl.DSL;

/**
 * SearchRuns as one SQL query that returns a page of run ids in order: each filter clause on a metric, param, tag
 * or dataset becomes an EXISTS on the indexed key table, each order key on one a LEFT JOIN. Missing keys sort
 * last in both directions, as MLflow's SQL store sorts them.
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
        DSLContext ctx = DSL.using(c, dialect.jooq());
        Condition where = field(name(R, "experiment_id"), Long.class).in(experimentIds)
                .and(field(name(R, "lifecycle_stage"), String.class)
                        .in(q.viewType().stages().stream().map(LifecycleStage::wireName).toList()));
        int i = 0;
        for (dev.osprey.search.Condition clause : q.filter()) {
            where = where.and(condition(clause, i++));
        }
        TableLike<?> from = table(name("runs")).as(R);
        Table<?> joined = (Table<?>) from;
        List<SortField<?>> order = new ArrayList<>();
        boolean startTimeOrdered = false;
        int j = 0;
        for (Ordering o : q.orderBy()) {
            String alias = "o" + j++;
            switch (o.field()) {
                case METRIC -> {
                    joined = joined.leftJoin(table(name("latest_metrics")).as(alias))
                            .on(field(name(alias, "run_id"), String.class).eq(RUN_ID)
                                    .and(field(name(alias, "metric_key"), String.class).eq(o.key())));
                    order.add(when(field(name(alias, "run_id")).isNull(), inline(2))
                            .when(field(name(alias, "is_nan"), Boolean.class).isTrue(), inline(1))
                            .otherwise(inline(0)).asc());
                    order.add(sort(field(name(alias, "metric_value"), Double.class), o.ascending()));
                }
                case PARAM, TAG -> {
                    boolean param = o.field() == Field.PARAM;
                    String prefix = param ? "param" : "tag";
                    joined = joined.leftJoin(table(name(param ? "params" : "run_tags")).as(alias))
                            .on(field(name(alias, "run_id"), String.class).eq(RUN_ID)
                                    .and(field(name(alias, prefix + "_key"), String.class).eq(o.key())));
                    order.add(when(field(name(alias, "run_id")).isNull(), inline(1)).otherwise(inline(0)).asc());
                    order.add(sort(field(name(alias, prefix + "_value"), String.class), o.ascending()));
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
        return ctx.select(RUN_ID).from(joined).where(where).orderBy(order).limit(limit).offset(offset)
                .fetch(RUN_ID);
    }

    private static <T> SortField<T> sort(org.jooq.Field<T> f, boolean ascending) {
        return ascending ? f.asc() : f.desc();
    }

    private static Condition condition(dev.osprey.search.Condition c, int i) {
        String alias = "f" + i;
        return switch (c.field()) {
            case METRIC -> exists(selectOne().from(table(name("latest_metrics")).as(alias))
                    .where(field(name(alias, "run_id"), String.class).eq(RUN_ID))
                    .and(field(name(alias, "metric_key"), String.class).eq(c.key()))
                    .and(SqlConditions.number(field(name(alias, "metric_value"), Double.class), c)));
            case PARAM -> keyed("params", "param", alias, c);
            case TAG -> keyed("run_tags", "tag", alias, c);
            case ATTRIBUTE -> attribute(c);
            case DATASET -> dataset(c, alias);
        };
    }

    private static Condition keyed(String table, String prefix, String alias, dev.osprey.search.Condition c) {
        return exists(selectOne().from(table(name(table)).as(alias))
                .where(field(name(alias, "run_id"), String.class).eq(RUN_ID))
                .and(field(name(alias, prefix + "_key"), String.class).eq(c.key()))
                .and(SqlConditions.text(field(name(alias, prefix + "_value"), String.class), c)));
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
