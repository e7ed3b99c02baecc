package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.OspreyException;
import dev.osprey.store.DeletedItem;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Finding and permanently removing deleted runs and experiments, for garbage collection. */
final class PurgeSql {
    /** Every table keyed by run id, children before the runs table itself. */
    private static final List<String> RUN_TABLES = List.of("metrics", "latest_metrics", "params", "run_tags",
            "run_dataset_input_tags", "run_dataset_inputs", "run_model_inputs", "run_model_outputs", "runs");

    private final ExperimentsSql experiments;

    PurgeSql(ExperimentsSql experiments) {
        this.experiments = experiments;
    }

    List<DeletedItem> deletedRuns(Connection c, long deletedBefore, List<String> experimentIds) throws SQLException {
        List<Object> args = new ArrayList<>(List.of(deletedBefore));
        String filter = experimentFilter("experiment_id", experimentIds, args);
        return Jdbc.list(c, "SELECT run_id, experiment_id, artifact_uri, COALESCE(deleted_time, 0) FROM runs"
                + " WHERE lifecycle_stage = 'deleted' AND COALESCE(deleted_time, 0) < ?" + filter
                + " ORDER BY COALESCE(deleted_time, 0), run_id",
                rs -> new DeletedItem(rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3), rs.getLong(4)),
                args.toArray());
    }

    List<DeletedItem> deletedExperiments(Connection c, long deletedBefore, List<String> experimentIds)
            throws SQLException {
        List<Object> args = new ArrayList<>(List.of(deletedBefore));
        String filter = experimentFilter("experiment_id", experimentIds, args);
        return Jdbc.list(c, "SELECT experiment_id, artifact_location, last_update_time FROM experiments"
                + " WHERE lifecycle_stage = 'deleted' AND last_update_time < ?" + filter
                + " ORDER BY last_update_time, experiment_id",
                rs -> new DeletedItem(Long.toString(rs.getLong(1)), Long.toString(rs.getLong(1)), rs.getString(2),
                        rs.getLong(3)), args.toArray());
    }

    void purgeRun(Connection c, String runId) throws SQLException {
        String stage = Jdbc.one(c, "SELECT lifecycle_stage FROM runs WHERE run_id = ?", rs -> rs.getString(1), runId)
                .orElseThrow(() -> StoreErrors.runNotFound(runId));
        if (!LifecycleStage.DELETED.wireName().equals(stage)) {
            throw OspreyException.invalid("Run " + runId + " is not deleted; only deleted runs can be purged.");
        }
        for (String table : RUN_TABLES) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE run_id = ?", runId);
        }
    }

    void purgeExperiment(Connection c, String experimentId) throws SQLException {
        LifecycleStage stage = experiments.lockStage(c, experimentId)
                .orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        if (stage != LifecycleStage.DELETED) {
            throw OspreyException.invalid("Experiment " + experimentId + " is not deleted; only deleted experiments "
                    + "can be purged.");
        }
        long id = Long.parseLong(experimentId);
        String runsOf = "SELECT run_id FROM runs WHERE experiment_id = ?";
        for (String table : RUN_TABLES.subList(0, RUN_TABLES.size() - 1)) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE run_id IN (" + runsOf + ")", id);
        }
        Jdbc.update(c, "DELETE FROM runs WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM datasets WHERE experiment_id = ?", id);
        String modelsOf = "SELECT model_id FROM logged_models WHERE experiment_id = ?";
        Jdbc.update(c, "DELETE FROM logged_model_tags WHERE model_id IN (" + modelsOf + ")", id);
        Jdbc.update(c, "DELETE FROM logged_model_params WHERE model_id IN (" + modelsOf + ")", id);
        Jdbc.update(c, "DELETE FROM logged_models WHERE experiment_id = ?", id);
        String tracesOf = "SELECT trace_id FROM traces WHERE experiment_id = ?";
        for (String table : List.of("spans", "trace_tags", "trace_metadata", "trace_run_links", "assessments")) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE trace_id IN (" + tracesOf + ")", id);
        }
        Jdbc.update(c, "DELETE FROM traces WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM scorer_versions WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM online_scoring_configs WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM eval_dataset_experiments WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM jobs WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM issues WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM experiment_tags WHERE experiment_id = ?", id);
        Jdbc.update(c, "DELETE FROM experiments WHERE experiment_id = ?", id);
        Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.EXPERIMENT, experimentId);
        Grants.forgetScorersOf(c, id);
    }

    private static String experimentFilter(String column, List<String> experimentIds, List<Object> args) {
        if (experimentIds.isEmpty()) {
            return "";
        }
        for (String id : experimentIds) {
            args.add(ExperimentsSql.requireId(id));
        }
        return " AND " + column + " IN (" + Jdbc.marks(experimentIds.size()) + ")";
    }
}
