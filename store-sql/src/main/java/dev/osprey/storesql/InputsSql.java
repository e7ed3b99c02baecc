package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Tag;
import dev.osprey.store.TrackingStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/** Datasets and logged models linked to runs as inputs and outputs. */
final class InputsSql {
    private final SqlDialect dialect;

    InputsSql(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Links datasets to a run. A dataset is identified by (experiment, name, digest): logging it again reuses the
     * row, and linking it again to the same run keeps one link (its tags are upserted).
     */
    void logDatasets(Connection c, String runId, List<DatasetInput> inputs, long now) throws SQLException {
        if (inputs.isEmpty()) {
            return;
        }
        long experimentId = Jdbc.one(c, "SELECT experiment_id FROM runs WHERE run_id = ?", rs -> rs.getLong(1),
                runId).orElseThrow(() -> StoreErrors.runNotFound(runId));
        for (DatasetInput input : inputs) {
            long datasetId = datasetId(c, experimentId, input.dataset(), now);
            Jdbc.update(c, dialect.insertIgnore("run_dataset_inputs", "run_id, dataset_id, created",
                    "run_id, dataset_id"), runId, datasetId, now);
            for (Tag tag : input.tags()) {
                Jdbc.update(c, dialect.upsert("run_dataset_input_tags", "run_id, dataset_id, tag_key, tag_value",
                        "run_id, dataset_id, tag_key", "tag_value"), runId, datasetId, tag.key(), tag.value());
            }
        }
    }

    private long datasetId(Connection c, long experimentId, Dataset d, long now) throws SQLException {
        Optional<Long> existing = Jdbc.one(c, "SELECT dataset_id FROM datasets WHERE experiment_id = ? AND name = ? "
                + "AND digest = ?", rs -> rs.getLong(1), experimentId, d.name(), d.digest());
        if (existing.isPresent()) {
            return existing.get();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO datasets (experiment_id, name, digest, "
                + "source_type, source, dataset_schema, profile, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            Jdbc.bind(ps, experimentId, d.name(), d.digest(), d.sourceType(), d.source(), d.schema().orElse(null),
                    d.profile().orElse(null), now);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Distinct (experiment, name, digest, context) of the datasets runs of these experiments logged as inputs. */
    List<TrackingStore.DatasetSummary> summaries(Connection c, List<Long> experimentIds, int limit)
            throws SQLException {
        if (experimentIds.isEmpty()) {
            return List.of();
        }
        String in = String.join(", ", java.util.Collections.nCopies(experimentIds.size(), "?"));
        List<Object> args = new java.util.ArrayList<>(experimentIds);
        args.add(limit);
        return Jdbc.list(c, "SELECT DISTINCT d.experiment_id, d.name, d.digest, t.tag_value FROM datasets d"
                + " JOIN run_dataset_inputs i ON i.dataset_id = d.dataset_id"
                + " LEFT JOIN run_dataset_input_tags t ON t.run_id = i.run_id AND t.dataset_id = i.dataset_id"
                + " AND t.tag_key = 'mlflow.data.context'"
                + " WHERE d.experiment_id IN (" + in + ") ORDER BY d.experiment_id, d.name, d.digest, t.tag_value LIMIT ?",
                rs -> new TrackingStore.DatasetSummary(Long.toString(rs.getLong(1)), rs.getString(2), rs.getString(3),
                        java.util.Optional.ofNullable(rs.getString(4))), args.toArray());
    }

    void logModelInputs(Connection c, String runId, List<ModelInput> models) throws SQLException {
        for (ModelInput m : models) {
            Jdbc.update(c, dialect.insertIgnore("run_model_inputs", "run_id, model_id", "run_id, model_id"), runId,
                    m.modelId());
        }
    }

    void logModelOutputs(Connection c, String runId, List<ModelOutput> models) throws SQLException {
        for (ModelOutput m : models) {
            Jdbc.update(c, dialect.insertIgnore("run_model_outputs", "run_id, model_id, step",
                    "run_id, model_id, step"), runId, m.modelId(), m.step());
        }
    }
}
