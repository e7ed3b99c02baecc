package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Tag;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/** Experiment rows and their tags. */
final class ExperimentsSql {
    private static final String COLUMNS =
            "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time";

    private final SqlDialect dialect;

    ExperimentsSql(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /** Experiment ids are integers; anything else names no experiment. */
    static OptionalLong parseId(String id) {
        try {
            return OptionalLong.of(Long.parseLong(id));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** An experiment id a caller must give as an integer: anything else is INVALID_PARAMETER_VALUE. */
    static long requireId(String id) {
        return parseId(id).orElseThrow(() -> StoreErrors.invalidExperimentId(id));
    }

    void ensureDefault(Connection c, String location, long now) throws SQLException {
        if (Jdbc.one(c, "SELECT 1 FROM experiments WHERE experiment_id = 0", rs -> true).isPresent()) {
            return;
        }
        Jdbc.update(c, "INSERT INTO experiments (" + COLUMNS + ") VALUES (0, ?, ?, 'active', ?, ?)",
                Experiment.DEFAULT_NAME, location, now, now);
    }

    String create(Connection c, String name, Optional<String> location, LongFunction<String> defaultLocation,
            List<Tag> tags, long now, String workspace) throws SQLException {
        if (Jdbc.one(c, "SELECT 1 FROM experiments WHERE workspace = ? AND name = ?", rs -> true, workspace, name)
                .isPresent()) {
            throw duplicate(name, "UNIQUE constraint failed: experiments.name");
        }
        long id;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO experiments (name, artifact_location, "
                + "lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, ?, 'active', ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            Jdbc.bind(ps, name, location.orElse(""), now, now, workspace);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
        } catch (SQLException e) {
            if (dialect.isUniqueViolation(e)) {
                throw duplicate(name, e.getMessage());
            }
            throw e;
        }
        if (location.isEmpty()) {
            Jdbc.update(c, "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
                    defaultLocation.apply(id), id);
        }
        for (Tag tag : tags) {
            upsertTag(c, id, tag);
        }
        return Long.toString(id);
    }

    private static OspreyException duplicate(String name, String detail) {
        return StoreErrors.experimentExists(name, detail);
    }

    Optional<Experiment> get(Connection c, String experimentId) throws SQLException {
        OptionalLong id = parseId(experimentId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        List<Experiment> found = load(c, "experiment_id = ?", id.getAsLong());
        return found.stream().findFirst();
    }

    Optional<Experiment> getByName(Connection c, String name, String workspace) throws SQLException {
        return load(c, "workspace = ? AND name = ?", workspace, name).stream()
                .min((a, b) -> a.lifecycleStage().compareTo(b.lifecycleStage()));
    }

    /** Experiments matching a WHERE fragment, with tags, in id order. */
    List<Experiment> load(Connection c, String where, Object... args) throws SQLException {
        List<Row> rows = Jdbc.list(c, "SELECT " + COLUMNS + " FROM experiments WHERE " + where, ExperimentsSql::row,
                args);
        return withTags(c, rows);
    }

    List<Experiment> withTags(Connection c, List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<Long, List<Tag>> tags = new HashMap<>();
        List<Object> ids = new ArrayList<>();
        for (Row r : rows) {
            ids.add(r.id());
        }
        for (Object[] t : Jdbc.list(c, "SELECT experiment_id, tag_key, tag_value FROM experiment_tags WHERE "
                + "experiment_id IN (" + Jdbc.marks(ids.size()) + ") ORDER BY tag_key",
                rs -> new Object[] {rs.getLong(1), new Tag(rs.getString(2), rs.getString(3))}, ids.toArray())) {
            tags.computeIfAbsent((Long) t[0], k -> new ArrayList<>()).add((Tag) t[1]);
        }
        List<Experiment> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new Experiment(Long.toString(r.id()), r.name(), r.location(), r.stage(), r.created(),
                    r.updated(), tags.getOrDefault(r.id(), List.of())));
        }
        return out;
    }

    static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getLong("experiment_id"), rs.getString("name"), rs.getString("artifact_location"),
                LifecycleStage.fromWire(rs.getString("lifecycle_stage")), rs.getLong("creation_time"),
                rs.getLong("last_update_time"));
    }

    /** The stage of an experiment, locking its row for the transaction. */
    Optional<LifecycleStage> lockStage(Connection c, String experimentId) throws SQLException {
        OptionalLong id = parseId(experimentId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        return Jdbc.one(c, "SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?" + dialect.forUpdate(),
                rs -> LifecycleStage.fromWire(rs.getString(1)), id.getAsLong());
    }

    long requireActive(Connection c, String experimentId) throws SQLException {
        LifecycleStage stage = lockStage(c, experimentId).orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        if (stage != LifecycleStage.ACTIVE) {
            throw StoreErrors.experimentNotActive(experimentId);
        }
        return Long.parseLong(experimentId);
    }

    void rename(Connection c, String experimentId, String newName, long now) throws SQLException {
        LifecycleStage stage = lockStage(c, experimentId).orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        if (stage != LifecycleStage.ACTIVE) {
            throw new OspreyException(ErrorCode.INVALID_STATE, "Cannot rename a non-active experiment.");
        }
        long id = Long.parseLong(experimentId);
        // Names are unique in the experiment's own workspace (V19).
        if (Jdbc.one(c, "SELECT 1 FROM experiments WHERE name = ? AND experiment_id <> ? AND workspace = (SELECT "
                + "workspace FROM experiments WHERE experiment_id = ?)", rs -> true, newName, id, id).isPresent()) {
            throw duplicate(newName, "UNIQUE constraint failed: experiments.name");
        }
        try {
            Jdbc.update(c, "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                    newName, now, id);
        } catch (SQLException e) {
            if (dialect.isUniqueViolation(e)) {
                throw duplicate(newName, e.getMessage());
            }
            throw e;
        }
    }

    void setStage(Connection c, String experimentId, LifecycleStage from, LifecycleStage to, long now)
            throws SQLException {
        LifecycleStage stage = lockStage(c, experimentId).orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        if (stage != from) {
            throw StoreErrors.experimentNotFound(experimentId);
        }
        long id = Long.parseLong(experimentId);
        Jdbc.update(c, "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?",
                to.wireName(), now, id);
        // MLflow moves every run with its experiment, including runs deleted on their own before.
        if (to == LifecycleStage.DELETED) {
            Jdbc.update(c, "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ?",
                    now, id);
        } else {
            Jdbc.update(c, "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?",
                    id);
        }
    }

    void setTag(Connection c, String experimentId, Tag tag, long now) throws SQLException {
        long id = requireActive(c, experimentId);
        upsertTag(c, id, tag);
        Jdbc.update(c, "UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?", now, id);
    }

    private void upsertTag(Connection c, long id, Tag tag) throws SQLException {
        Jdbc.update(c, dialect.upsert("experiment_tags", "experiment_id, tag_key, tag_value",
                "experiment_id, tag_key", "tag_value"), id, tag.key(), tag.value());
    }

    void deleteTag(Connection c, String experimentId, String key, long now) throws SQLException {
        long id = requireActive(c, experimentId);
        int deleted = Jdbc.update(c, "DELETE FROM experiment_tags WHERE experiment_id = ? AND tag_key = ?", id, key);
        if (deleted == 0) {
            throw OspreyException.notFound("No tag with name: " + key + " in experiment with id " + experimentId);
        }
        Jdbc.update(c, "UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?", now, id);
    }

    /** An experiment row before its tags are attached. */
    record Row(long id, String name, String location, LifecycleStage stage, long created, long updated) {}
}
