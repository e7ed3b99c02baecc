package dev.osprey.store;

import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Traces and their spans (spec/tracing.md), persisted and queried. The store applies no trace rules of its own: how
 * a trace's state, timing, previews, name and roll-ups follow from its spans is decided by the caller's
 * {@link TraceUpdate.Rules} inside the write, so another backend plugs in without re-implementing them. Unknown trace
 * ids are {@code RESOURCE_DOES_NOT_EXIST} "Trace with ID '<id>' not found.".
 */
public interface TraceStore {

    /**
     * Stores spans of one trace (replacing spans with the same ids) and applies the trace-level changes {@code rules}
     * derive from the result, atomically: creates the trace (IN_PROGRESS, request time {@code now}) when missing —
     * the experiment must then exist and be active —, writes the spans, then shows the rules the trace with totals
     * over all its stored spans and applies what they return. Concurrent writes to one trace are serialised.
     */
    void logSpans(String experimentId, String traceId, List<SpanRecord> spans, TraceUpdate.Rules rules, long now);

    /**
     * StartTraceV3's write: as {@link #logSpans} without spans, except that the experiment must exist and be active
     * even when the trace does. Returns the trace info as stored afterwards.
     */
    TraceInfo startTrace(String experimentId, String traceId, TraceUpdate.Rules rules, long now);

    Optional<TraceInfo> getTraceInfo(String traceId);

    /** Infos of these ids in the order given; unknown ids are skipped. */
    List<TraceInfo> getTraceInfos(List<String> traceIds);

    /** Up to {@code limit} spans of a trace, root first then by start time, after the first {@code offset}. */
    List<SpanRecord> getSpans(String traceId, int offset, int limit);

    int countSpans(String traceId);

    /**
     * The traces a metrics query aggregates, as lean rows in no particular order: the experiments' traces that pass the
     * filter (the trace search grammar), each with only the columns asked for. Rows go to {@code sink} as they are
     * read, so a window of a million traces is never held at once.
     */
    void metricRows(MetricRowQuery query, java.util.function.Consumer<MetricRow> sink);

    /**
     * @param withName read each trace's name (tag {@code mlflow.traceName})
     * @param withTokenUsage read each trace's token usage roll-up (metadata {@code mlflow.trace.tokenUsage})
     */
    record MetricRowQuery(List<String> experimentIds, List<dev.osprey.search.Condition> filter, boolean withName,
            boolean withTokenUsage) {
        public MetricRowQuery {
            experimentIds = List.copyOf(experimentIds);
            filter = List.copyOf(filter);
        }
    }

    /** One trace as a metrics query reads it; name and token usage are empty unless asked for (or absent). */
    record MetricRow(String traceId, long requestTimeMs, dev.osprey.core.TraceState state,
            java.util.OptionalLong executionDurationMs, Optional<String> name, Optional<String> tokenUsage) {
        public MetricRow {
            java.util.Objects.requireNonNull(traceId, "traceId");
            java.util.Objects.requireNonNull(state, "state");
            java.util.Objects.requireNonNull(executionDurationMs, "executionDurationMs");
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(tokenUsage, "tokenUsage");
        }
    }

    /** Every stored span of these traces, by trace in the order given, each trace's root first then by start time. */
    List<SpanRecord> spansOf(List<String> traceIds);

    Page<TraceInfo> searchTraces(TraceQuery query);

    void setTag(String traceId, String key, String value);

    /** {@code RESOURCE_DOES_NOT_EXIST} when the tag is not set. */
    void deleteTag(String traceId, String key);

    /** Deletes these traces of the experiment; returns how many existed. */
    int deleteTraces(String experimentId, List<String> traceIds);

    /** Deletes the experiment's traces started at or before {@code maxTimestampMs}, oldest first, at most max. */
    int deleteTracesBefore(String experimentId, long maxTimestampMs, int maxTraces);

    /** Links traces to a run (searchable by run id). */
    void linkToRun(List<String> traceIds, String runId);

    /**
     * Stores a new assessment; when it overrides another of the same trace, that one becomes invalid.
     * {@code RESOURCE_DOES_NOT_EXIST} for an unknown trace or overridden assessment.
     */
    void createAssessment(dev.osprey.core.Assessment assessment);

    Optional<dev.osprey.core.Assessment> getAssessment(String traceId, String assessmentId);

    /** Replaces body and update time of an existing assessment. */
    void updateAssessment(dev.osprey.core.Assessment assessment);

    /** Deletes it (a missing one is not an error) and makes the assessment it overrode valid again. */
    void deleteAssessment(String traceId, String assessmentId);

    /** All assessments of these traces, oldest first, by trace id. */
    Map<String, List<dev.osprey.core.Assessment>> assessments(List<String> traceIds);

    /** Sessions of an experiment's traces, most recently active first, with counts, time, tokens and cost. */
    dev.osprey.core.Page<SessionSummary> sessions(String experimentId, int maxResults, Optional<String> pageToken);
}
