package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.store.TraceUpdate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Trace info and span writes and reads inside the caller's transaction (spec/tracing.md §2.1, §3.1). */
final class TracesSql {
    private static final String INFO_COLUMNS = "trace_id, experiment_id, client_request_id, request_time, "
            + "execution_duration, state, request_preview, response_preview";
    private static final String SPAN_COLUMNS = "trace_id, span_id, parent_span_id, name, span_type, status, "
            + "start_time_ns, end_time_ns, input_tokens, output_tokens, total_tokens, input_cost, output_cost, "
            + "total_cost, content";

    private final SqlDialect dialect;

    TracesSql(SqlDialect dialect) {
        this.dialect = dialect;
    }

    static OspreyException notFound(String traceId) {
        return StoreErrors.traceNotFound(traceId);
    }

    /** The experiment's artifact location, after checking that it exists and is active. */
    private static String requireActive(Connection c, long experiment, String experimentId) throws SQLException {
        String[] row = Jdbc.one(c, "SELECT lifecycle_stage, artifact_location FROM experiments WHERE experiment_id = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, experiment)
                .orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        if (!row[0].equals("active")) {
            throw StoreErrors.experimentNotActive(experimentId);
        }
        return row[1];
    }

    /**
     * One write of a trace (spec/tracing.md §2.1, §3.1; the rules are the caller's): create it when missing
     * (IN_PROGRESS, request time {@code now}; the experiment must then be active) or lock it, write the spans, show
     * the rules the result and apply their changes. A created trace's snapshot is built from what this write put
     * there, without reading it back: most OTLP requests carry a whole new trace (TRC-1).
     *
     * @return the info as stored afterwards, when {@code readBack}
     */
    Optional<TraceInfo> write(Connection c, String experimentId, String traceId, List<SpanRecord> spans,
            boolean requireActive, TraceUpdate.Rules rules, long now, boolean readBack) throws SQLException {
        long experiment = ExperimentsSql.parseId(experimentId).orElseThrow(() -> StoreErrors.experimentNotFound(
                experimentId));
        Optional<String> checkedLocation = requireActive ? Optional.of(requireActive(c, experiment, experimentId))
                : Optional.empty();
        boolean exists = Jdbc.one(c, "SELECT 1 FROM traces WHERE trace_id = ?" + dialect.forUpdate(), rs -> true,
                traceId).isPresent();
        TraceUpdate.Snapshot snapshot;
        if (exists) {
            if (!spans.isEmpty()) {
                writeSpans(c, traceId, spans, false);
            }
            TraceInfo info = info(c, traceId).orElseThrow(() -> notFound(traceId));
            String location = checkedLocation.isPresent() ? checkedLocation.get() : Jdbc.one(c, "SELECT "
                    + "artifact_location FROM experiments WHERE experiment_id = ?", rs -> rs.getString(1),
                    Long.parseLong(info.experimentId())).orElse("");
            snapshot = new TraceUpdate.Snapshot(info, false, location, totals(c, traceId));
        } else {
            String location = checkedLocation.isPresent() ? checkedLocation.get()
                    : requireActive(c, experiment, experimentId);
            if (Jdbc.update(c, dialect.insertIgnore("traces", "trace_id, experiment_id, request_time, state",
                    "trace_id"), traceId, experiment, now, TraceState.IN_PROGRESS.name()) == 0) {
                // Another writer created it between the check and the insert: take its lock and write as a later one.
                return write(c, experimentId, traceId, spans, false, rules, now, readBack);
            }
            if (!spans.isEmpty()) {
                writeSpans(c, traceId, spans, true);
            }
            TraceInfo info = new TraceInfo(traceId, experimentId, Optional.empty(), now, OptionalLong.empty(),
                    TraceState.IN_PROGRESS, Optional.empty(), Optional.empty(), Map.of(), Map.of());
            snapshot = new TraceUpdate.Snapshot(info, true, location, TraceUpdate.SpanTotals.of(spans));
        }
        apply(c, traceId, rules.apply(snapshot));
        return readBack ? info(c, traceId) : Optional.empty();
    }

    private void apply(Connection c, String traceId, TraceUpdate.Changes x) throws SQLException {
        boolean anyField = x.requestTimeMs().isPresent() || x.clientRequestId().isPresent() || x.state().isPresent()
                || x.executionDurationMs().isPresent() || x.requestPreview().isPresent()
                || x.responsePreview().isPresent();
        if (anyField) {
            Jdbc.update(c, "UPDATE traces SET request_time = COALESCE(?, request_time), client_request_id = "
                    + "COALESCE(?, client_request_id), state = COALESCE(?, state), execution_duration = COALESCE(?, "
                    + "execution_duration), request_preview = COALESCE(?, request_preview), response_preview = "
                    + "COALESCE(?, response_preview) WHERE trace_id = ?", x.requestTimeMs().orElse(null),
                    x.clientRequestId().orElse(null), x.state().map(Enum::name).orElse(null),
                    x.executionDurationMs().isPresent() ? x.executionDurationMs().getAsLong() : null,
                    x.requestPreview().orElse(null), x.responsePreview().orElse(null), traceId);
        }
        upsertAll(c, "trace_tags", "tag_key", "tag_value", traceId, x.tags());
        upsertAll(c, "trace_metadata", "metadata_key", "metadata_value", traceId, x.metadata());
    }

    /** Every entry in one statement. */
    private void upsertAll(Connection c, String table, String keyColumn, String valueColumn, String traceId,
            Map<String, String> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        Object[] args = new Object[entries.size() * 3];
        int i = 0;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            args[i++] = traceId;
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        Jdbc.update(c, dialect.upsert(table, "trace_id, " + keyColumn + ", " + valueColumn, "trace_id, "
                + keyColumn, valueColumn, entries.size()), args);
    }

    private static TraceUpdate.SpanTotals totals(Connection c, String traceId) throws SQLException {
        return Jdbc.one(c, "SELECT COUNT(input_tokens), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), "
                + "0), COALESCE(SUM(total_tokens), 0), COUNT(total_cost), COALESCE(SUM(input_cost), 0), "
                + "COALESCE(SUM(output_cost), 0), COALESCE(SUM(total_cost), 0) FROM spans WHERE trace_id = ?",
                rs -> new TraceUpdate.SpanTotals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8)), traceId)
                .orElse(TraceUpdate.SpanTotals.NONE);
    }

    /** Replaces spans with the same ids, in two JDBC batches: big traces arrive thousands of spans at a time. */
    private static void writeSpans(Connection c, String traceId, List<SpanRecord> spans, boolean newTrace)
            throws SQLException {
        try (java.sql.PreparedStatement delete = c.prepareStatement("DELETE FROM spans WHERE trace_id = ? AND "
                + "span_id = ?");
                java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO spans (" + SPAN_COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (SpanRecord s : spans) {
                Jdbc.bind(delete, traceId, s.spanId());
                delete.addBatch();
                Jdbc.bind(insert, traceId, s.spanId(), s.parentSpanId().orElse(null), s.name(),
                        s.spanType().orElse(null), s.statusCode(), s.startTimeNs(),
                        s.endTimeNs().isPresent() ? s.endTimeNs().getAsLong() : null,
                        s.tokens().map(t -> (Object) t.input()).orElse(null),
                        s.tokens().map(t -> (Object) t.output()).orElse(null),
                        s.tokens().map(t -> (Object) t.total()).orElse(null),
                        s.cost().map(x -> (Object) x.input()).orElse(null),
                        s.cost().map(x -> (Object) x.output()).orElse(null),
                        s.cost().map(x -> (Object) x.total()).orElse(null), s.content());
                insert.addBatch();
            }
            if (!newTrace) {
                delete.executeBatch();
            }
            insert.executeBatch();
        }
    }

    void upsertTag(Connection c, String traceId, String key, String value) throws SQLException {
        Jdbc.update(c, dialect.upsert("trace_tags", "trace_id, tag_key, tag_value", "trace_id, tag_key",
                "tag_value"), traceId, key, value);
    }

    void requireTrace(Connection c, String traceId) throws SQLException {
        if (Jdbc.one(c, "SELECT 1 FROM traces WHERE trace_id = ?", rs -> true, traceId).isEmpty()) {
            throw notFound(traceId);
        }
    }

    void deleteTag(Connection c, String traceId, String key) throws SQLException {
        requireTrace(c, traceId);
        if (Jdbc.update(c, "DELETE FROM trace_tags WHERE trace_id = ? AND tag_key = ?", traceId, key) == 0) {
            throw new OspreyException(ErrorCode.RESOURCE_DOES_NOT_EXIST, "No trace tag with key '" + key
                    + "' for trace with ID '" + traceId + "'");
        }
    }

    int delete(Connection c, List<String> traceIds) throws SQLException {
        if (traceIds.isEmpty()) {
            return 0;
        }
        String in = Jdbc.marks(traceIds.size());
        Object[] args = traceIds.toArray();
        for (String table : List.of("spans", "trace_tags", "trace_metadata", "trace_run_links", "assessments")) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE trace_id IN (" + in + ")", args);
        }
        return Jdbc.update(c, "DELETE FROM traces WHERE trace_id IN (" + in + ")", args);
    }

    Optional<TraceInfo> info(Connection c, String traceId) throws SQLException {
        return infos(c, List.of(traceId)).stream().findFirst();
    }

    /** Infos in the order given, with tags and metadata; unknown ids skipped. Two queries. */
    List<TraceInfo> infos(Connection c, List<String> traceIds) throws SQLException {
        if (traceIds.isEmpty()) {
            return List.of();
        }
        Map<String, Row> byId = new HashMap<>();
        for (Row r : Jdbc.list(c, "SELECT " + INFO_COLUMNS + " FROM traces WHERE trace_id IN ("
                + Jdbc.marks(traceIds.size()) + ")", TracesSql::row, traceIds.toArray())) {
            byId.put(r.traceId(), r);
        }
        List<Row> rows = new ArrayList<>();
        for (String id : traceIds) {
            Optional.ofNullable(byId.get(id)).ifPresent(rows::add);
        }
        return withTagsAndMetadata(c, rows);
    }

    /** The trace columns a search or a lookup reads, in {@link #INFO_COLUMNS} order. */
    record Row(String traceId, long experimentId, Optional<String> clientRequestId, long requestTime,
            OptionalLong executionDuration, TraceState state, Optional<String> requestPreview,
            Optional<String> responsePreview) {}

    /** A row of {@link #INFO_COLUMNS}, by position. */
    static Row row(ResultSet rs) throws SQLException {
        long duration = rs.getLong(5);
        OptionalLong executionDuration = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(duration);
        return new Row(rs.getString(1), rs.getLong(2), Optional.ofNullable(rs.getString(3)), rs.getLong(4),
                executionDuration, TraceState.valueOf(rs.getString(6)), Optional.ofNullable(rs.getString(7)),
                Optional.ofNullable(rs.getString(8)));
    }

    /**
     * Infos of rows already read, in their order, with tags and metadata read in one UNION ALL query: a search page
     * then costs the search itself and this one query (TRC-2, session 12).
     */
    static List<TraceInfo> withTagsAndMetadata(Connection c, List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return List.of();
        }
        String in = Jdbc.marks(rows.size());
        Object[] args = new Object[rows.size() * 2];
        for (int i = 0; i < rows.size(); i++) {
            args[i] = rows.get(i).traceId();
            args[rows.size() + i] = rows.get(i).traceId();
        }
        Map<String, Map<String, String>> tags = new HashMap<>();
        Map<String, Map<String, String>> metadata = new HashMap<>();
        Jdbc.list(c, "SELECT trace_id, 0, tag_key, tag_value FROM trace_tags WHERE trace_id IN (" + in + ") UNION ALL "
                + "SELECT trace_id, 1, metadata_key, metadata_value FROM trace_metadata WHERE trace_id IN (" + in + ")",
                rs -> {
                    (rs.getInt(2) == 0 ? tags : metadata).computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>())
                            .put(rs.getString(3), rs.getString(4));
                    return null;
                }, args);
        List<TraceInfo> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new TraceInfo(r.traceId(), Long.toString(r.experimentId()), r.clientRequestId(), r.requestTime(),
                    r.executionDuration(), r.state(), r.requestPreview(), r.responsePreview(),
                    metadata.getOrDefault(r.traceId(), Map.of()), tags.getOrDefault(r.traceId(), Map.of())));
        }
        return out;
    }

    /** Spans of many traces, 500 trace ids per statement, by trace in the order given. */
    List<SpanRecord> spansOf(Connection c, List<String> traceIds) throws SQLException {
        Map<String, List<SpanRecord>> byTrace = new HashMap<>();
        for (int from = 0; from < traceIds.size(); from += 500) {
            List<String> chunk = traceIds.subList(from, Math.min(traceIds.size(), from + 500));
            for (SpanRecord s : Jdbc.list(c, "SELECT " + SPAN_COLUMNS + " FROM spans WHERE trace_id IN ("
                    + Jdbc.marks(chunk.size()) + ") ORDER BY trace_id, CASE WHEN parent_span_id IS NULL THEN 0 ELSE 1 "
                    + "END, start_time_ns, span_id", TracesSql::span, chunk.toArray())) {
                byTrace.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
            }
        }
        List<SpanRecord> out = new ArrayList<>();
        for (String id : traceIds) {
            out.addAll(byTrace.getOrDefault(id, List.of()));
        }
        return out;
    }

    List<SpanRecord> spans(Connection c, String traceId, int offset, int limit) throws SQLException {
        // Root first, then by start time: a root has no parent.
        return Jdbc.list(c, "SELECT " + SPAN_COLUMNS + " FROM spans WHERE trace_id = ? ORDER BY CASE WHEN "
                + "parent_span_id IS NULL THEN 0 ELSE 1 END, start_time_ns, span_id LIMIT ? OFFSET ?",
                TracesSql::span, traceId, limit, offset);
    }

    private static SpanRecord span(ResultSet rs) throws SQLException {
        long end = rs.getLong(8);
        OptionalLong endTime = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(end);
        long input = rs.getLong(9);
        Optional<SpanRecord.TokenUsage> tokens = rs.wasNull() ? Optional.empty()
                : Optional.of(new SpanRecord.TokenUsage(input, rs.getLong(10), rs.getLong(11)));
        double inputCost = rs.getDouble(12);
        Optional<SpanRecord.Cost> cost = rs.wasNull() ? Optional.empty()
                : Optional.of(new SpanRecord.Cost(inputCost, rs.getDouble(13), rs.getDouble(14)));
        return new SpanRecord(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)),
                rs.getString(4), Optional.ofNullable(rs.getString(5)), rs.getString(6), rs.getLong(7), endTime,
                tokens, cost, rs.getString(15));
    }
}
