package dev.osprey.storesql;

import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;

import dev.osprey.core.LifecycleStage;
import dev.osprey.search.Ordering;
import dev.osprey.store.ExperimentQuery;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;

/** SearchExperiments as one query returning a page of experiment ids in order. */
final class ExperimentSearchSql {
    private static final String E = "e";
    private static final org.jooq.Field<Long> ID = field(name(E, "experiment_id"), Long.class);

    private ExperimentSearchSql() {}

    static List<Long> pageOfIds(Connection c, SqlDialect dialect, ExperimentQuery q, int offset, int limit) {
        Condition where = field(name(E, "lifecycle_stage"), String.class)
                .in(q.viewType().stages().stream().map(LifecycleStage::wireName).toList());
        if (q.workspace().isPresent()) {
            where = where.and(field(name(E, "workspace"), String.class).eq(q.workspace().get()));
        }
        int i = 0;
        for (dev.osprey.search.Condition clause : q.filter()) {
            where = where.and(condition(clause, "t" + i++));
        }
        List<SortField<?>> order = new ArrayList<>();
        boolean idOrdered = false;
        for (Ordering o : q.orderBy()) {
            idOrdered |= o.key().equals("experiment_id");
            org.jooq.Field<Object> f = field(name(E, o.key()));
            order.add(o.ascending() ? f.asc() : f.desc());
        }
        if (q.orderBy().isEmpty()) {
            order.add(field(name(E, "creation_time")).desc());
            order.add(ID.asc());
        } else if (!idOrdered) {
            order.add(ID.desc());
        }
        return DSL.using(c, dialect.jooq()).select(ID).from(table(name("experiments")).as(E)).where(where)
                .orderBy(order).limit(limit).offset(offset).fetch(ID);
    }

    private static Condition condition(dev.osprey.search.Condition c, String alias) {
        return switch (c.field()) {
            case TAG -> exists(selectOne().from(table(name("experiment_tags")).as(alias))
                    .where(field(name(alias, "experiment_id"), Long.class).eq(ID))
                    .and(field(name(alias, "tag_key"), String.class).eq(c.key()))
                    .and(SqlConditions.text(field(name(alias, "tag_value"), String.class), c)));
            case ATTRIBUTE -> c.key().equals("name")
                    ? SqlConditions.text(field(name(E, "name"), String.class), c)
                    : SqlConditions.integer(field(name(E, c.key()), Long.class), c);
            default -> throw new IllegalStateException(c.field().name());
        };
    }
}
