package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;

import dev.osprey.core.LifecycleStage;
import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelStage;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import dev.osprey.store.LoggedModelQuery;
import dev.osprey.store.NewLoggedModel;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;

/** Logged models: writes, loading with tags/params/metrics/registrations, and search. */
final class LoggedModelsSql {
    private static final String COLUMNS = "model_id, experiment_id, name, artifact_location, creation_time, "
            + "last_updated_time, status, status_message, model_type, source_run_id, lifecycle_stage";
    private static final String L = "l";
    private static final org.jooq.Field<String> ID = field(name(L, "model_id"), String.class);

    private final SqlDialect dialect;
    private final ExperimentsSql experiments;

    LoggedModelsSql(SqlDialect dialect, ExperimentsSql experiments) {
        this.dialect = dialect;
        this.experiments = experiments;
    }

    static OspreyException notFound(String id) {
        return StoreErrors.loggedModelNotFound(id);
    }

    void create(Connection c, NewLoggedModel m) throws SQLException {
        long experimentId = experiments.requireActive(c, m.experimentId());
        String location = Jdbc.one(c, "SELECT artifact_location FROM experiments WHERE experiment_id = ?",
                rs -> rs.getString(1), experimentId).orElseThrow();
        String artifactUri = location.replaceAll("/+$", "") + "/models/" + m.modelId() + "/artifacts";
        Jdbc.update(c, "INSERT INTO logged_models (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                m.modelId(), experimentId, m.name(), artifactUri, m.now(), m.now(),
                LoggedModelStatus.LOGGED_MODEL_PENDING.number(), m.modelType().orElse(null),
                m.sourceRunId().orElse(null), LifecycleStage.ACTIVE.wireName());
        for (Tag tag : m.tags()) {
            upsertTag(c, m.modelId(), tag);
        }
        logParams(c, m.modelId(), m.params());
    }

    /** Fails unless the model exists and is active; locks its row. */
    void requireActive(Connection c, String id) throws SQLException {
        String stage = Jdbc.one(c, "SELECT lifecycle_stage FROM logged_models WHERE model_id = ?" + dialect.forUpdate(),
                rs -> rs.getString(1), id).orElseThrow(() -> notFound(id));
        if (!stage.equals(LifecycleStage.ACTIVE.wireName())) {
            throw notFound(id);
        }
    }

    void finalizeModel(Connection c, String id, LoggedModelStatus status, long now) throws SQLException {
        requireActive(c, id);
        Jdbc.update(c, "UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?",
                status.number(), now, id);
    }

    void delete(Connection c, String id, long now) throws SQLException {
        requireActive(c, id);
        Jdbc.update(c, "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE "
                + "model_id = ?", now, id);
    }

    void setTags(Connection c, String id, List<Tag> tags, long now) throws SQLException {
        requireActive(c, id);
        for (Tag tag : tags) {
            upsertTag(c, id, tag);
        }
        Jdbc.update(c, "UPDATE logged_models SET last_updated_time = ? WHERE model_id = ?", now, id);
    }

    private void upsertTag(Connection c, String id, Tag tag) throws SQLException {
        Jdbc.update(c, dialect.upsert("logged_model_tags", "model_id, tag_key, tag_value", "model_id, tag_key",
                "tag_value"), id, tag.key(), tag.value());
    }

    void deleteTag(Connection c, String id, String key) throws SQLException {
        requireActive(c, id);
        Jdbc.update(c, "DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?", id, key);
    }

    void logParams(Connection c, String id, List<Param> params) throws SQLException {
        Map<String, String> stored = new HashMap<>();
        for (String[] p : Jdbc.list(c, "SELECT param_key, param_value FROM logged_model_params WHERE model_id = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, id)) {
            stored.put(p[0], p[1]);
        }
        for (Param p : params) {
            String old = stored.get(p.key());
            if (old == null) {
                Jdbc.update(c, "INSERT INTO logged_model_params (model_id, param_key, param_value) VALUES (?, ?, ?)",
                        id, p.key(), p.value());
                stored.put(p.key(), p.value());
            } else if (!old.equals(p.value())) {
                throw OspreyException.invalid("Changing param values is not allowed. Param with key='" + p.key()
                        + "' was already logged with value='" + old + "' for logged model ID='" + id
                        + "'. Attempted logging new value '" + p.value() + "'.");
            }
        }
    }

    Optional<LoggedModel> get(Connection c, String id, boolean allowDeleted) throws SQLException {
        return load(c, List.of(id)).stream()
                .filter(m -> allowDeleted || m.stage.equals(LifecycleStage.ACTIVE.wireName()))
                .findFirst().map(Loaded::model);
    }

    private record Loaded(LoggedModel model, String stage) {}

    /** Models by id in the order given, with tags, params, metrics and registrations. */
    List<Loaded> load(Connection c, List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        String in = Jdbc.marks(ids.size());
        Object[] args = ids.toArray();
        Map<String, List<Tag>> tags = new HashMap<>();
        for (String[] t : Jdbc.list(c, "SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN ("
                + in + ") ORDER BY tag_key", rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)},
                args)) {
            tags.computeIfAbsent(t[0], k -> new ArrayList<>()).add(new Tag(t[1], t[2]));
        }
        Map<String, List<Param>> params = new HashMap<>();
        for (String[] p : Jdbc.list(c, "SELECT model_id, param_key, param_value FROM logged_model_params WHERE "
                + "model_id IN (" + in + ") ORDER BY param_key", rs -> new String[] {rs.getString(1), rs.getString(2),
                rs.getString(3)}, args)) {
            params.computeIfAbsent(p[0], k -> new ArrayList<>()).add(new Param(p[1], p[2]));
        }
        Map<String, List<Metric>> metrics = new HashMap<>();
        for (Metric m : Jdbc.list(c, "SELECT model_id, metric_key, metric_value, ts, step, is_nan, dataset_name, "
                + "dataset_digest, run_id FROM metrics WHERE model_id IN (" + in + ") ORDER BY metric_key, ts, step",
                rs -> new Metric(rs.getString(2), rs.getBoolean(6) ? Double.NaN : rs.getDouble(3), rs.getLong(4),
                        rs.getLong(5), Optional.ofNullable(rs.getString(7)), Optional.ofNullable(rs.getString(8)),
                        Optional.of(rs.getString(1)), Optional.ofNullable(rs.getString(9))), args)) {
            metrics.computeIfAbsent(m.modelId().orElseThrow(), k -> new ArrayList<>()).add(m);
        }
        Map<String, List<LoggedModel.Registration>> registrations = new HashMap<>();
        for (String[] r : Jdbc.list(c, "SELECT model_id, name, version FROM model_versions WHERE model_id IN (" + in
                + ") AND current_stage <> '" + ModelStage.DELETED_INTERNAL + "' ORDER BY name, version",
                rs -> new String[] {rs.getString(1), rs.getString(2), Long.toString(rs.getLong(3))}, args)) {
            registrations.computeIfAbsent(r[0], k -> new ArrayList<>()).add(new LoggedModel.Registration(r[1], r[2]));
        }
        Map<String, Loaded> byId = new HashMap<>();
        for (Loaded l : Jdbc.list(c, "SELECT " + COLUMNS + " FROM logged_models WHERE model_id IN (" + in + ")",
                rs -> {
                    String id = rs.getString(1);
                    LoggedModel model = new LoggedModel(id, Long.toString(rs.getLong(2)), rs.getString(3),
                            rs.getLong(5), rs.getLong(6), rs.getString(4),
                            LoggedModelStatus.ofNumber(rs.getInt(7))
                                    .orElse(LoggedModelStatus.LOGGED_MODEL_STATUS_UNSPECIFIED),
                            Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9)),
                            Optional.ofNullable(rs.getString(10)), tags.getOrDefault(id, List.of()),
                            registrations.getOrDefault(id, List.of()), params.getOrDefault(id, List.of()),
                            metrics.getOrDefault(id, List.of()));
                    return new Loaded(model, rs.getString(11));
                }, args)) {
            byId.put(l.model.modelId(), l);
        }
        List<Loaded> out = new ArrayList<>();
        for (String id : ids) {
            Optional.ofNullable(byId.get(id)).ifPresent(out::add);
        }
        return out;
    }

    List<LoggedModel> page(Connection c, List<String> ids) throws SQLException {
        return load(c, ids).stream().map(Loaded::model).toList();
    }

    /** One page of model ids in order (limit + 1 rows so the caller can tell whether more exist). */
    List<String> searchIds(Connection c, LoggedModelQuery q, int offset, int limit) {
        List<Long> experimentIds = new ArrayList<>();
        for (String id : q.experimentIds()) {
            experimentIds.add(ExperimentsSql.requireId(id));
        }
        Condition where = field(name(L, "experiment_id"), Long.class).in(experimentIds)
                .and(field(name(L, "lifecycle_stage"), String.class).eq(LifecycleStage.ACTIVE.wireName()));
        int i = 0;
        for (dev.osprey.search.Condition clause : q.filter()) {
            where = where.and(condition(clause, "f" + i++, q.datasets()));
        }
        List<SortField<?>> order = new ArrayList<>();
        boolean created = false;
        boolean id = false;
        int j = 0;
        for (LoggedModelQuery.Order o : q.orderBy()) {
            org.jooq.Field<?> f;
            if (o.metricKey().isPresent()) {
                f = latestMetric(o.metricKey().get(), o.dataset(), "o" + j++);
            } else {
                created |= o.attribute().equals("creation_timestamp");
                id |= o.attribute().equals("model_id");
                f = field(name(L, column(o.attribute())));
            }
            order.add(o.ascending() ? f.asc().nullsLast() : f.desc().nullsLast());
        }
        if (!created) {
            order.add(field(name(L, "creation_time")).desc());
        }
        if (!id) {
            order.add(ID.asc());
        }
        return DSL.using(c, dialect.jooq()).select(ID).from(table(name("logged_models")).as(L)).where(where)
                .orderBy(order).limit(limit).offset(offset).fetch(ID);
    }

    private static String column(String attribute) {
        return switch (attribute) {
            case "creation_timestamp" -> "creation_time";
            case "last_updated_timestamp" -> "last_updated_time";
            case "name", "model_id", "model_type", "status", "source_run_id" -> attribute;
            default -> throw OspreyException.invalid("Invalid order by field name: " + attribute);
        };
    }

    /** The model's latest value of a metric (by timestamp, then step), on a dataset when given. */
    private static org.jooq.Field<Double> latestMetric(String key, Optional<LoggedModelQuery.DatasetRef> dataset,
            String alias) {
        Condition match = field(name(alias, "model_id"), String.class).eq(ID)
                .and(field(name(alias, "metric_key"), String.class).eq(key))
                .and(datasetCondition(alias, dataset.stream().toList()));
        String inner = alias + "x";
        Condition newer = field(name(inner, "model_id"), String.class).eq(ID)
                .and(field(name(inner, "metric_key"), String.class).eq(key))
                .and(datasetCondition(inner, dataset.stream().toList()))
                .and(field(name(inner, "ts"), Long.class).gt(field(name(alias, "ts"), Long.class))
                        .or(field(name(inner, "ts"), Long.class).eq(field(name(alias, "ts"), Long.class))
                                .and(field(name(inner, "step"), Long.class).gt(field(name(alias, "step"),
                                        Long.class)))));
        return DSL.field(DSL.select(DSL.max(field(name(alias, "metric_value"), Double.class)))
                .from(table(name("metrics")).as(alias)).where(match)
                .andNotExists(selectOne().from(table(name("metrics")).as(inner)).where(newer)));
    }

    private static Condition datasetCondition(String alias, List<LoggedModelQuery.DatasetRef> datasets) {
        if (datasets.isEmpty()) {
            return DSL.trueCondition();
        }
        Condition any = DSL.falseCondition();
        for (LoggedModelQuery.DatasetRef d : datasets) {
            Condition one = field(name(alias, "dataset_name"), String.class).eq(d.name());
            if (d.digest().isPresent()) {
                one = one.and(field(name(alias, "dataset_digest"), String.class).eq(d.digest().get()));
            }
            any = any.or(one);
        }
        return any;
    }

    private static Condition condition(dev.osprey.search.Condition c, String alias,
            List<LoggedModelQuery.DatasetRef> datasets) {
        return switch (c.field()) {
            case TAG -> exists(selectOne().from(table(name("logged_model_tags")).as(alias))
                    .where(field(name(alias, "model_id"), String.class).eq(ID))
                    .and(field(name(alias, "tag_key"), String.class).eq(c.key()))
                    .and(SqlConditions.text(field(name(alias, "tag_value"), String.class), c)));
            case PARAM -> exists(selectOne().from(table(name("logged_model_params")).as(alias))
                    .where(field(name(alias, "model_id"), String.class).eq(ID))
                    .and(field(name(alias, "param_key"), String.class).eq(c.key()))
                    .and(SqlConditions.text(field(name(alias, "param_value"), String.class), c)));
            case METRIC -> exists(selectOne().from(table(name("metrics")).as(alias))
                    .where(field(name(alias, "model_id"), String.class).eq(ID))
                    .and(field(name(alias, "metric_key"), String.class).eq(c.key()))
                    .and(datasetCondition(alias, datasets))
                    .and(SqlConditions.number(field(name(alias, "metric_value"), Double.class), c)));
            case ATTRIBUTE -> switch (c.key()) {
                case "creation_timestamp" -> SqlConditions.integer(field(name(L, "creation_time"), Long.class), c);
                case "last_updated_timestamp" -> SqlConditions.integer(field(name(L, "last_updated_time"),
                        Long.class), c);
                case "status" -> status(c);
                default -> SqlConditions.text(field(name(L, c.key()), String.class), c);
            };
            default -> throw OspreyException.invalid("Invalid filter entity for logged models: " + c.field());
        };
    }

    /** Status compares by name ({@code READY} or {@code LOGGED_MODEL_READY}); the column holds the number. */
    private static Condition status(dev.osprey.search.Condition c) {
        String text = c.text().toUpperCase(Locale.ROOT);
        LoggedModelStatus status = LoggedModelStatus.ofName(text)
                .or(() -> LoggedModelStatus.ofName("LOGGED_MODEL_" + text))
                .orElseThrow(() -> OspreyException.invalid("Invalid logged model status '" + c.text() + "'."));
        org.jooq.Field<Integer> column = field(name(L, "status"), Integer.class);
        return switch (c.comparator()) {
            case EQ -> column.eq(status.number());
            case NE -> column.ne(status.number());
            default -> throw OspreyException.invalid("Invalid comparator '" + c.comparator() + "' for status.");
        };
    }
}
