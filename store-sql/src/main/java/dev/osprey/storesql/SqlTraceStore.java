package dev.osprey.storesql;

import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.store.PageTokens;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import dev.osprey.store.TraceUpdate;
import java.util.List;
import java.util.Optional;

/** {@link TraceStore} in the tracking store's database; each method is one transaction. */
final class SqlTraceStore implements TraceStore {
    private final Database db;
    private final TracesSql sql;

    SqlTraceStore(Database db) {
        this.db = db;
        this.sql = new TracesSql(db.dialect());
    }

    @Override
    public void logSpans(String experimentId, String traceId, List<SpanRecord> spans, TraceUpdate.Rules rules,
            long now) {
        db.update(c -> sql.write(c, experimentId, traceId, spans, false, rules, now, false));
    }

    @Override
    public TraceInfo startTrace(String experimentId, String traceId, TraceUpdate.Rules rules, long now) {
        return db.write(c -> sql.write(c, experimentId, traceId, List.of(), true, rules, now, true).orElseThrow());
    }

    @Override
    public Optional<TraceInfo> getTraceInfo(String traceId) {
        return db.read(c -> sql.info(c, traceId));
    }

    @Override
    public List<TraceInfo> getTraceInfos(List<String> traceIds) {
        return db.read(c -> sql.infos(c, traceIds));
    }

    @Override
    public List<SpanRecord> getSpans(String traceId, int offset, int limit) {
        return db.read(c -> sql.spans(c, traceId, offset, limit));
    }

    @Override
    public void metricRows(MetricRowQuery query, java.util.function.Consumer<MetricRow> sink) {
        db.readStreaming(c -> {
            TraceSearchSql.metricRows(c, db.dialect(), query, sink);
            return null;
        });
    }

    @Override
    public List<SpanRecord> spansOf(List<String> traceIds) {
        return db.read(c -> sql.spansOf(c, traceIds));
    }

    @Override
    public int countSpans(String traceId) {
        return db.read(c -> Jdbc.one(c, "SELECT COUNT(*) FROM spans WHERE trace_id = ?", rs -> rs.getInt(1),
                traceId).orElse(0));
    }

    @Override
    public Page<TraceInfo> searchTraces(TraceQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<TracesSql.Row> rows = TraceSearchSql.page(c, db.dialect(), q, offset, q.maxResults() + 1);
            boolean more = rows.size() > q.maxResults();
            List<TracesSql.Row> page = more ? rows.subList(0, q.maxResults()) : rows;
            return new Page<>(TracesSql.withTagsAndMetadata(c, page), more
                    ? Optional.of(PageTokens.offset((long) offset + page.size())) : Optional.empty());
        });
    }

    @Override
    public void setTag(String traceId, String key, String value) {
        db.update(c -> {
            sql.requireTrace(c, traceId);
            sql.upsertTag(c, traceId, key, value);
        });
    }

    @Override
    public void deleteTag(String traceId, String key) {
        db.update(c -> sql.deleteTag(c, traceId, key));
    }

    @Override
    public int deleteTraces(String experimentId, List<String> traceIds) {
        long experiment = ExperimentsSql.requireId(experimentId);
        return db.write(c -> {
            if (traceIds.isEmpty()) {
                return 0;
            }
            List<String> ofExperiment = Jdbc.list(c, "SELECT trace_id FROM traces WHERE experiment_id = ? AND "
                    + "trace_id IN (" + Jdbc.marks(traceIds.size()) + ")", rs -> rs.getString(1),
                    concat(experiment, traceIds));
            return sql.delete(c, ofExperiment);
        });
    }

    @Override
    public int deleteTracesBefore(String experimentId, long maxTimestampMs, int maxTraces) {
        long experiment = ExperimentsSql.requireId(experimentId);
        return db.write(c -> sql.delete(c, Jdbc.list(c, "SELECT trace_id FROM traces WHERE experiment_id = ? AND "
                + "request_time <= ? ORDER BY request_time, trace_id LIMIT ?", rs -> rs.getString(1), experiment,
                maxTimestampMs, maxTraces)));
    }

    @Override
    public void linkToRun(List<String> traceIds, String runId) {
        db.update(c -> {
            for (String id : traceIds) {
                Jdbc.update(c, db.dialect().insertIgnore("trace_run_links", "trace_id, run_id", "trace_id, run_id"),
                        id, runId);
            }
        });
    }

    @Override
    public void createAssessment(dev.osprey.core.Assessment assessment) {
        db.update(c -> AssessmentsSql.create(c, sql, assessment));
    }

    @Override
    public Optional<dev.osprey.core.Assessment> getAssessment(String traceId, String assessmentId) {
        return db.read(c -> AssessmentsSql.get(c, traceId, assessmentId));
    }

    @Override
    public void updateAssessment(dev.osprey.core.Assessment assessment) {
        db.update(c -> AssessmentsSql.update(c, assessment));
    }

    @Override
    public void deleteAssessment(String traceId, String assessmentId) {
        db.update(c -> AssessmentsSql.delete(c, traceId, assessmentId));
    }

    @Override
    public java.util.Map<String, List<dev.osprey.core.Assessment>> assessments(List<String> traceIds) {
        return db.read(c -> AssessmentsSql.forTraces(c, traceIds));
    }

    @Override
    public Page<dev.osprey.store.SessionSummary> sessions(String experimentId, int maxResults,
            Optional<String> pageToken) {
        long experiment = ExperimentsSql.requireId(experimentId);
        int offset = PageTokens.offsetOf(pageToken);
        return db.read(c -> {
            List<dev.osprey.store.SessionSummary> rows = Jdbc.list(c, "SELECT m.metadata_value, COUNT(*), "
                    + "MIN(t.request_time), MAX(t.request_time + COALESCE(t.execution_duration, 0)), "
                    + "SUM(COALESCE(t.execution_duration, 0)), COALESCE(SUM(x.it), 0), COALESCE(SUM(x.ot), 0), "
                    + "COALESCE(SUM(x.tt), 0), COALESCE(SUM(x.tc), 0) FROM traces t JOIN trace_metadata m ON "
                    + "m.trace_id = t.trace_id AND m.metadata_key = 'mlflow.trace.session' LEFT JOIN (SELECT "
                    + "trace_id, SUM(input_tokens) AS it, SUM(output_tokens) AS ot, SUM(total_tokens) AS tt, "
                    + "SUM(total_cost) AS tc FROM spans WHERE trace_id IN (SELECT trace_id FROM traces WHERE "
                    + "experiment_id = ?) GROUP BY trace_id) x ON x.trace_id = t.trace_id WHERE t.experiment_id = ? "
                    + "GROUP BY m.metadata_value ORDER BY MAX(t.request_time) DESC, m.metadata_value LIMIT ? OFFSET ?",
                    rs -> new dev.osprey.store.SessionSummary(rs.getString(1), rs.getLong(2), rs.getLong(3),
                            rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                            rs.getDouble(9)), experiment, experiment, maxResults + 1, offset);
            boolean more = rows.size() > maxResults;
            List<dev.osprey.store.SessionSummary> page = more ? rows.subList(0, maxResults) : rows;
            return new Page<>(page, more ? Optional.of(PageTokens.offset((long) offset + page.size()))
                    : Optional.empty());
        });
    }

    private static Object[] concat(Object first, List<String> rest) {
        Object[] out = new Object[rest.size() + 1];
        out[0] = first;
        for (int i = 0; i < rest.size(); i++) {
            out[i + 1] = rest.get(i);
        }
        return out;
    }
}
