package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Assessment rows and the override rules (spec/tracing.md §6.2). */
final class AssessmentsSql {
    private static final String COLUMNS = "assessment_id, trace_id, overrides, valid, create_time, last_update_time, "
            + "body";

    private AssessmentsSql() {}

    static OspreyException notFound(String id) {
        return StoreErrors.assessmentNotFound(id);
    }

    static void create(Connection c, TracesSql traces, Assessment a) throws SQLException {
        traces.requireTrace(c, a.traceId());
        if (a.overrides().isPresent()) {
            int n = Jdbc.update(c, "UPDATE assessments SET valid = ? WHERE assessment_id = ? AND trace_id = ?", false,
                    a.overrides().get(), a.traceId());
            if (n == 0) {
                throw notFound(a.overrides().get());
            }
        }
        Jdbc.update(c, "INSERT INTO assessments (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", a.assessmentId(),
                a.traceId(), a.overrides().orElse(null), a.valid(), a.createTimeMs(), a.lastUpdateTimeMs(), a.body());
    }

    static Optional<Assessment> get(Connection c, String traceId, String id) throws SQLException {
        return Jdbc.one(c, "SELECT " + COLUMNS + " FROM assessments WHERE assessment_id = ? AND trace_id = ?",
                AssessmentsSql::row, id, traceId);
    }

    static void update(Connection c, Assessment a) throws SQLException {
        if (Jdbc.update(c, "UPDATE assessments SET body = ?, valid = ?, last_update_time = ? WHERE assessment_id = ? "
                + "AND trace_id = ?", a.body(), a.valid(), a.lastUpdateTimeMs(), a.assessmentId(), a.traceId()) == 0) {
            throw notFound(a.assessmentId());
        }
    }

    static void delete(Connection c, String traceId, String id) throws SQLException {
        Optional<Assessment> existing = get(c, traceId, id);
        if (existing.isEmpty()) {
            return;
        }
        Jdbc.update(c, "DELETE FROM assessments WHERE assessment_id = ?", id);
        if (existing.get().overrides().isPresent()) {
            Jdbc.update(c, "UPDATE assessments SET valid = ? WHERE assessment_id = ?", true,
                    existing.get().overrides().get());
        }
    }

    static Map<String, List<Assessment>> forTraces(Connection c, List<String> traceIds) throws SQLException {
        Map<String, List<Assessment>> out = new LinkedHashMap<>();
        if (traceIds.isEmpty()) {
            return out;
        }
        for (Assessment a : Jdbc.list(c, "SELECT " + COLUMNS + " FROM assessments WHERE trace_id IN ("
                + Jdbc.marks(traceIds.size()) + ") ORDER BY create_time, assessment_id", AssessmentsSql::row,
                traceIds.toArray())) {
            out.computeIfAbsent(a.traceId(), k -> new java.util.ArrayList<>()).add(a);
        }
        return out;
    }

    private static Assessment row(ResultSet rs) throws SQLException {
        return new Assessment(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)),
                rs.getBoolean(4), rs.getLong(5), rs.getLong(6), rs.getString(7));
    }
}
