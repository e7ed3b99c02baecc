package dev.osprey.storesql;

import dev.osprey.store.PromptFilter;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.lower;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.notExists;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;

import dev.osprey.core.ModelStage;
import dev.osprey.core.OspreyException;
import dev.osprey.core.RegisteredModel;
import dev.osprey.search.Ordering;
import dev.osprey.store.RegistryQuery;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;

/**
 * SearchRegisteredModels and SearchModelVersions as one query each returning a page of keys in order. Prompts
 * are hidden unless the filter asks for them (spec/search-grammar.md §4): a clause on tag
 * {@code mlflow.prompt.is_prompt} with {@code = 'true'} or {@code != 'false'} asks; otherwise clauses on that tag
 * are dropped and prompts anti-joined away.
 */
final class RegistrySearchSql {
    private static final String M = "m";
    private static final String V = "v";
    private static final org.jooq.Field<String> MODEL_NAME = field(name(M, "name"), String.class);
    private static final org.jooq.Field<String> VERSION_NAME = field(name(V, "name"), String.class);
    private static final org.jooq.Field<Long> VERSION_NUMBER = field(name(V, "version"), Long.class);

    private RegistrySearchSql() {}

    static List<String> modelNames(Connection c, SqlDialect dialect, String workspace, RegistryQuery q, int offset,
            int limit) {
        Condition where = field(name(M, "workspace"), String.class).eq(workspace);
        List<dev.osprey.search.Condition> clauses = PromptFilter.clausesToApply(q.filter());
        int i = 0;
        for (dev.osprey.search.Condition clause : clauses) {
            where = where.and(switch (clause.field()) {
                case TAG -> exists(selectOne().from(table(name("registered_model_tags")).as("t" + i))
                        .where(field(name("t" + i, "workspace"), String.class).eq(workspace))
                        .and(field(name("t" + i, "name"), String.class).eq(MODEL_NAME))
                        .and(field(name("t" + i, "tag_key"), String.class).eq(clause.key()))
                        .and(SqlConditions.text(field(name("t" + i, "tag_value"), String.class), clause)));
                case ATTRIBUTE -> {
                    if (!clause.key().equals("name")) {
                        throw OspreyException.invalid("Invalid attribute name: " + clause.key());
                    }
                    yield SqlConditions.text(MODEL_NAME, clause);
                }
                default -> throw new IllegalStateException(clause.field().name());
            });
            i++;
        }
        if (!PromptFilter.asksForPrompts(q.filter())) {
            where = where.and(notExists(selectOne().from(table(name("registered_model_tags")).as("p"))
                    .where(field(name("p", "workspace"), String.class).eq(workspace))
                    .and(field(name("p", "name"), String.class).eq(MODEL_NAME))
                    .and(field(name("p", "tag_key"), String.class).eq(RegisteredModel.PROMPT_TAG))
                    .and(lower(field(name("p", "tag_value"), String.class)).eq("true"))));
        }
        List<SortField<?>> order = new ArrayList<>();
        boolean nameOrdered = false;
        for (Ordering o : q.orderBy()) {
            org.jooq.Field<Object> f = switch (o.key()) {
                case "name" -> {
                    nameOrdered = true;
                    yield field(name(M, "name"));
                }
                case "timestamp", "last_updated_timestamp" -> field(name(M, "last_updated_time"));
                default -> throw OspreyException.invalid("Invalid order by key '" + o.key() + "' specified.");
            };
            order.add(o.ascending() ? f.asc() : f.desc());
        }
        if (!nameOrdered) {
            order.add(MODEL_NAME.asc());
        }
        return DSL.using(c, dialect.jooq()).select(MODEL_NAME).from(table(name("registered_models")).as(M))
                .where(where).orderBy(order).limit(limit).offset(offset).fetch(MODEL_NAME);
    }

    static List<RegistryLoader.Key> versionKeys(Connection c, SqlDialect dialect, String workspace, RegistryQuery q,
            int offset, int limit) {
        Condition where = field(name(V, "workspace"), String.class).eq(workspace)
                .and(field(name(V, "current_stage"), String.class).ne(ModelStage.DELETED_INTERNAL));
        int i = 0;
        for (dev.osprey.search.Condition clause : PromptFilter.clausesToApply(q.filter())) {
            where = where.and(switch (clause.field()) {
                case TAG -> exists(selectOne().from(table(name("model_version_tags")).as("t" + i))
                        .where(field(name("t" + i, "workspace"), String.class).eq(workspace))
                        .and(field(name("t" + i, "name"), String.class).eq(VERSION_NAME))
                        .and(field(name("t" + i, "version"), Long.class).eq(VERSION_NUMBER))
                        .and(field(name("t" + i, "tag_key"), String.class).eq(clause.key()))
                        .and(SqlConditions.text(field(name("t" + i, "tag_value"), String.class), clause)));
                case ATTRIBUTE -> switch (clause.key()) {
                    case "name" -> SqlConditions.text(VERSION_NAME, clause);
                    case "run_id" -> SqlConditions.text(field(name(V, "run_id"), String.class), clause);
                    case "source_path" -> SqlConditions.text(field(name(V, "source"), String.class), clause);
                    case "version_number" -> SqlConditions.integer(VERSION_NUMBER, clause);
                    default -> throw OspreyException.invalid("Invalid attribute name: " + clause.key());
                };
                default -> throw new IllegalStateException(clause.field().name());
            });
            i++;
        }
        if (!PromptFilter.asksForPrompts(q.filter())) {
            where = where.and(notExists(selectOne().from(table(name("model_version_tags")).as("p"))
                    .where(field(name("p", "workspace"), String.class).eq(workspace))
                    .and(field(name("p", "name"), String.class).eq(VERSION_NAME))
                    .and(field(name("p", "version"), Long.class).eq(VERSION_NUMBER))
                    .and(field(name("p", "tag_key"), String.class).eq(RegisteredModel.PROMPT_TAG))
                    .and(lower(field(name("p", "tag_value"), String.class)).eq("true"))));
        }
        List<SortField<?>> order = new ArrayList<>();
        boolean nameOrdered = false;
        boolean versionOrdered = false;
        for (Ordering o : q.orderBy()) {
            org.jooq.Field<Object> f = switch (o.key()) {
                case "name" -> {
                    nameOrdered = true;
                    yield field(name(V, "name"));
                }
                case "version_number" -> {
                    versionOrdered = true;
                    yield field(name(V, "version"));
                }
                case "creation_timestamp" -> field(name(V, "creation_time"));
                case "last_updated_timestamp" -> field(name(V, "last_updated_time"));
                default -> throw OspreyException.invalid("Invalid order by key '" + o.key() + "' specified.");
            };
            order.add(o.ascending() ? f.asc() : f.desc());
        }
        if (q.orderBy().isEmpty()) {
            order.add(field(name(V, "last_updated_time")).desc());
        }
        if (!nameOrdered) {
            order.add(VERSION_NAME.asc());
        }
        if (!versionOrdered) {
            order.add(VERSION_NUMBER.desc());
        }
        return DSL.using(c, dialect.jooq()).select(VERSION_NAME, VERSION_NUMBER)
                .from(table(name("model_versions")).as(V)).where(where).orderBy(order).limit(limit).offset(offset)
                .fetch(r -> new RegistryLoader.Key(r.value1(), r.value2()));
    }
}
