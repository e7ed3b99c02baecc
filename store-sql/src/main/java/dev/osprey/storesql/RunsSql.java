package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.store.NewRun;
import dev.osprey.store.ParamConflictException;
import dev.osprey.store.RunUpdate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Run rows, their params and tags. */
final class RunsSql {
    static final String INFO_COLUMNS = "run_id, experiment_id, run_name, user_id, status, start_time, end_time, "
            + "lifecycle_stage, artifact_uri";

    private final SqlDialect dialect;
    private final ExperimentsSql experiments;

    RunsSql(SqlDialect dialect, ExperimentsSql experiments) {
        this.dialect = dialect;
        this.experiments = experiments;
    }

    void create(Connection c, NewRun run) throws SQLException {
        long experimentId = experiments.requireActive(c, run.experimentId());
        String location = Jdbc.one(c, "SELECT artifact_location FROM experiments WHERE experiment_id = ?",
                rs -> rs.getString(1), experimentId).orElseThrow();
        // Trailing slashes dropped first, as MLflow's append_to_uri_path: "s3://b/" + id must not become "s3://b//id".
        String artifactUri = location.replaceAll("/+$", "") + "/" + run.runId() + "/artifacts";
        Jdbc.update(c, "INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, end_time, "
                + "deleted_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, NULL, "
                + "'active', ?)", run.runId(), experimentId, run.runName(), run.userId(), run.startTime(),
                artifactUri);
        upsertTags(c, run.runId(), run.tags());
    }

    static RunInfo info(ResultSet rs) throws SQLException {
        long end = rs.getLong("end_time");
        OptionalLong endTime = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(end);
        return new RunInfo(rs.getString("run_id"), rs.getString("run_name"),
                Long.toString(rs.getLong("experiment_id")), rs.getString("user_id"),
                RunStatus.valueOf(rs.getString("status")), rs.getLong("start_time"), endTime,
                rs.getString("artifact_uri"), LifecycleStage.fromWire(rs.getString("lifecycle_stage")));
    }

    Optional<RunInfo> info(Connection c, String runId) throws SQLException {
        return Jdbc.one(c, "SELECT " + INFO_COLUMNS + " FROM runs WHERE run_id = ?", RunsSql::info, runId);
    }

    /** Locks the run row, so concurrent writes to one run apply one after another, and checks it is active. */
    void requireActive(Connection c, String runId) throws SQLException {
        String stage = Jdbc.one(c, "SELECT lifecycle_stage FROM runs WHERE run_id = ?" + dialect.forUpdate(),
                rs -> rs.getString(1), runId).orElseThrow(() -> StoreErrors.runNotFound(runId));
        if (!LifecycleStage.ACTIVE.wireName().equals(stage)) {
            throw StoreErrors.runNotActive(runId);
        }
    }

    RunInfo update(Connection c, String runId, RunUpdate update) throws SQLException {
        requireActive(c, runId);
        if (update.status().isPresent()) {
            Jdbc.update(c, "UPDATE runs SET status = ? WHERE run_id = ?", update.status().get().name(), runId);
        }
        if (update.endTime().isPresent()) {
            Jdbc.update(c, "UPDATE runs SET end_time = ? WHERE run_id = ?", update.endTime().getAsLong(), runId);
        }
        if (update.runName().isPresent()) {
            upsertTags(c, runId, List.of(new Tag(Run.RUN_NAME_TAG, update.runName().get())));
        }
        return info(c, runId).orElseThrow(() -> StoreErrors.runNotFound(runId));
    }

    void setStage(Connection c, String runId, LifecycleStage stage, long now) throws SQLException {
        int updated = stage == LifecycleStage.DELETED
                ? Jdbc.update(c, "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_id = ?",
                        now, runId)
                : Jdbc.update(c, "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_id = ?",
                        runId);
        if (updated == 0) {
            throw StoreErrors.runNotFound(runId);
        }
    }

    /**
     * Locks the run row (concurrent writes to one run then apply one after another), checks the run is active and
     * returns the stored values of the given param keys — one round trip for what log-batch needs first.
     */
    Map<String, String> lockForBatch(Connection c, String runId, java.util.Collection<String> paramKeys)
            throws SQLException {
        String join = paramKeys.isEmpty() ? "" : " LEFT JOIN params p ON p.run_id = r.run_id AND p.param_key IN ("
                + Jdbc.marks(paramKeys.size()) + ")";
        String columns = paramKeys.isEmpty() ? "r.lifecycle_stage" : "r.lifecycle_stage, p.param_key, p.param_value";
        List<Object> args = new ArrayList<>(paramKeys);
        args.add(runId);
        List<String[]> rows = Jdbc.list(c, "SELECT " + columns + " FROM runs r" + join + " WHERE r.run_id = ?"
                + dialect.forUpdate(), rs -> paramKeys.isEmpty() ? new String[] {rs.getString(1)}
                : new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, args.toArray());
        if (rows.isEmpty()) {
            throw StoreErrors.runNotFound(runId);
        }
        if (!LifecycleStage.ACTIVE.wireName().equals(rows.get(0)[0])) {
            throw StoreErrors.runNotActive(runId);
        }
        Map<String, String> stored = new HashMap<>();
        for (String[] row : rows) {
            if (row.length > 1 && row[1] != null) {
                stored.put(row[1], row[2]);
            }
        }
        return stored;
    }

    /** The batch's params by key, in request order (the last value of a repeated key). */
    static Map<String, String> byKey(List<Param> params) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (Param p : params) {
            wanted.put(p.key(), p.value());
        }
        return wanted;
    }

    /**
     * Inserts params not yet logged; a key already logged with another value fails the whole batch, naming every
     * conflicting key. Same-value replays are no-ops.
     *
     * @param stored the values already stored for the batch's keys, read under the run lock
     */
    void logParams(Connection c, String runId, Map<String, String> wanted, Map<String, String> stored)
            throws SQLException {
        if (wanted.isEmpty()) {
            return;
        }
        List<ParamConflictException.Conflict> conflicts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.insertIgnore("params",
                "run_id, param_key, param_value", "run_id, param_key"))) {
            int pending = 0;
            for (Map.Entry<String, String> e : wanted.entrySet()) {
                String old = stored.get(e.getKey());
                if (old == null) {
                    Jdbc.bind(ps, runId, e.getKey(), e.getValue());
                    ps.addBatch();
                    pending++;
                } else if (!old.equals(e.getValue())) {
                    conflicts.add(new ParamConflictException.Conflict(e.getKey(), old, e.getValue()));
                }
            }
            if (!conflicts.isEmpty()) {
                throw new ParamConflictException(runId, conflicts);
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    /** Tags are upserts, last value wins; {@code mlflow.runName} also renames the run. */
    void upsertTags(Connection c, String runId, List<Tag> tags) throws SQLException {
        if (tags.isEmpty()) {
            return;
        }
        Map<String, String> latest = new LinkedHashMap<>();
        for (Tag t : tags) {
            latest.put(t.key(), t.value());
        }
        try (PreparedStatement ps = c.prepareStatement(dialect.upsert("run_tags", "run_id, tag_key, tag_value",
                "run_id, tag_key", "tag_value"))) {
            for (Map.Entry<String, String> e : latest.entrySet()) {
                Jdbc.bind(ps, runId, e.getKey(), e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        String name = latest.get(Run.RUN_NAME_TAG);
        if (name != null) {
            Jdbc.update(c, "UPDATE runs SET run_name = ? WHERE run_id = ?", name, runId);
        }
    }

    void deleteTag(Connection c, String runId, String key) throws SQLException {
        requireActive(c, runId);
        if (Jdbc.update(c, "DELETE FROM run_tags WHERE run_id = ? AND tag_key = ?", runId, key) == 0) {
            throw OspreyException.notFound("No tag with name: " + key + " in run with id " + runId);
        }
    }
}
