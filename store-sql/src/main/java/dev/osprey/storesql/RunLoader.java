package dev.osprey.storesql;

import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.Tag;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Assembles whole runs for a list of ids with one query per collection (not per run), so a page of 1000 runs
 * costs seven queries.
 */
final class RunLoader {
    private RunLoader() {}

    /** The runs with these ids, in the order of {@code runIds}; unknown ids are skipped. */
    static List<Run> load(Connection c, List<String> runIds) throws SQLException {
        if (runIds.isEmpty()) {
            return List.of();
        }
        Object[] ids = runIds.toArray();
        String in = "(" + Jdbc.marks(ids.length) + ")";
        Map<String, RunInfo> infos = new HashMap<>();
        for (RunInfo info : Jdbc.list(c, "SELECT " + RunsSql.INFO_COLUMNS + " FROM runs WHERE run_id IN " + in,
                RunsSql::info, ids)) {
            infos.put(info.runId(), info);
        }
        Map<String, List<Metric>> metrics = group(Jdbc.list(c, "SELECT run_id, " + MetricsSql.LATEST_COLUMNS
                + " FROM latest_metrics WHERE run_id IN " + in + " ORDER BY metric_key",
                rs -> Map.entry(rs.getString("run_id"), MetricsSql.latest(rs)), ids));
        Map<String, List<Param>> params = group(Jdbc.list(c, "SELECT run_id, param_key, param_value FROM params "
                + "WHERE run_id IN " + in + " ORDER BY param_key",
                rs -> Map.entry(rs.getString(1), new Param(rs.getString(2), rs.getString(3))), ids));
        Map<String, List<Tag>> tags = group(Jdbc.list(c, "SELECT run_id, tag_key, tag_value FROM run_tags "
                + "WHERE run_id IN " + in + " ORDER BY tag_key",
                rs -> Map.entry(rs.getString(1), new Tag(rs.getString(2), rs.getString(3))), ids));
        Map<String, List<DatasetInput>> datasets = datasetInputs(c, in, ids);
        Map<String, List<ModelInput>> modelInputs = group(Jdbc.list(c, "SELECT run_id, model_id FROM "
                + "run_model_inputs WHERE run_id IN " + in + " ORDER BY model_id",
                rs -> Map.entry(rs.getString(1), new ModelInput(rs.getString(2))), ids));
        Map<String, List<ModelOutput>> modelOutputs = group(Jdbc.list(c, "SELECT run_id, model_id, step FROM "
                + "run_model_outputs WHERE run_id IN " + in + " ORDER BY model_id, step",
                rs -> Map.entry(rs.getString(1), new ModelOutput(rs.getString(2), rs.getLong(3))), ids));
        List<Run> out = new ArrayList<>(runIds.size());
        for (String id : runIds) {
            RunInfo info = infos.get(id);
            if (info != null) {
                out.add(new Run(info, metrics.getOrDefault(id, List.of()), params.getOrDefault(id, List.of()),
                        tags.getOrDefault(id, List.of()), datasets.getOrDefault(id, List.of()),
                        modelInputs.getOrDefault(id, List.of()), modelOutputs.getOrDefault(id, List.of())));
            }
        }
        return out;
    }

    private static Map<String, List<DatasetInput>> datasetInputs(Connection c, String in, Object[] ids)
            throws SQLException {
        record Link(String runId, long datasetId, Dataset dataset) {}
        List<Link> links = Jdbc.list(c, "SELECT i.run_id, d.dataset_id, d.name, d.digest, d.source_type, d.source, "
                + "d.dataset_schema, d.profile FROM run_dataset_inputs i JOIN datasets d ON d.dataset_id = i.dataset_id "
                + "WHERE i.run_id IN " + in + " ORDER BY i.created, d.dataset_id",
                rs -> new Link(rs.getString(1), rs.getLong(2), new Dataset(rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), Optional.ofNullable(rs.getString(7)),
                        Optional.ofNullable(rs.getString(8)))), ids);
        if (links.isEmpty()) {
            return Map.of();
        }
        Map<String, List<Tag>> tags = group(Jdbc.list(c, "SELECT run_id, dataset_id, tag_key, tag_value FROM "
                + "run_dataset_input_tags WHERE run_id IN " + in + " ORDER BY tag_key",
                rs -> Map.entry(rs.getString(1) + "/" + rs.getLong(2), new Tag(rs.getString(3), rs.getString(4))),
                ids));
        Map<String, List<DatasetInput>> out = new HashMap<>();
        for (Link l : links) {
            out.computeIfAbsent(l.runId(), k -> new ArrayList<>()).add(new DatasetInput(
                    tags.getOrDefault(l.runId() + "/" + l.datasetId(), List.of()), l.dataset()));
        }
        return out;
    }

    private static <V> Map<String, List<V>> group(List<Map.Entry<String, V>> rows) {
        Map<String, List<V>> out = new LinkedHashMap<>();
        for (Map.Entry<String, V> e : rows) {
            out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        return out;
    }
}
