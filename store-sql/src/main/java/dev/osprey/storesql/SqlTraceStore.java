package dev.osprey.storesql;

import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.store.PageTokens;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import java.util.List;
import java.util.Optional;

/** {@link TraceStore} in the tracking store's database; each method is one transaction. */
final class SqlTraceStore implements TraceStore {
    private final Database db;
    private final TracesSql sql;

    SqlTraceStore(Database db, ExperimentsSql experiments) {
        this.db = db;
        this.sql = new TracesSql(db.dialect(), experiments);
    }

    @Override
    public void logSpans(String experimentId, String traceId, List<SpanRecord> spans, RootSpanInfo root,
            long now) {
        db.update(c -> sql.logSpans(c, experimentId, traceId, spans, root));
    }

    @Override
    public TraceInfo startTrace(TraceInfo info) {
        return db.write(c -> sql.start(c, info));
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
    public int countSpans(String traceId) {
        return db.read(c -> Jdbc.one(c, "SELECT COUNT(*) FROM spans WHERE trace_id = ?", rs -> rs.getInt(1),
                traceId).orElse(0));
    }

    @Override
    public Page<TraceInfo> searchTraces(TraceQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<String> ids = TraceSearchSql.pageOfIds(c, db.dialect(), q, offset, q.maxResults() + 1);
            boolean more = ids.size() > q.maxResults();
            List<String> page = more ? ids.subList(0, q.maxResults()) : ids;
            return new Page<>(sql.infos(c, page), more ? Optional.of(PageTokens.offset((long) offset + page.size()))
                    : Optional.empty());
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
        long experiment = ExperimentsSql.parseId(experimentId).orElseThrow(() -> OspreyException.invalid(
                "Invalid experiment id '" + experimentId + "'."));
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
        long experiment = ExperimentsSql.parseId(experimentId).orElseThrow(() -> OspreyException.invalid(
                "Invalid experiment id '" + experimentId + "'."));
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

    private static Object[] concat(Object first, List<String> rest) {
        Object[] out = new Object[rest.size() + 1];
        out[0] = first;
        for (int i = 0; i < rest.size(); i++) {
            out[i + 1] = rest.get(i);
        }
        return out;
    }
}
