package dev.osprey.store;

import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Traces and their spans (spec/tracing.md). Spans of one trace may arrive over many calls in any order; the trace
 * info is created by the first of them (IN_PROGRESS) and completed when the root span arrives. Unknown trace ids are
 * {@code RESOURCE_DOES_NOT_EXIST} "Trace with ID '<id>' not found.".
 */
public interface TraceStore {

    /**
     * Stores spans of one trace (replacing spans with the same ids) and updates its info, atomically: creates the
     * info when missing, lowers its request time to the earliest span start, takes state, timing, name and previews
     * from the root span when it is among them, and recomputes the aggregate token usage.
     *
     * @param rootUpdates trace-level fields derived from the root span (previews, session/user metadata, tags);
     *     empty when the root span is not in this call
     */
    void logSpans(String experimentId, String traceId, List<SpanRecord> spans, RootSpanInfo rootUpdates, long now);

    /** StartTraceV3: creates the info or merges into the one spans created. */
    TraceInfo startTrace(TraceInfo info);

    Optional<TraceInfo> getTraceInfo(String traceId);

    /** Infos of these ids in the order given; unknown ids are skipped. */
    List<TraceInfo> getTraceInfos(List<String> traceIds);

    /** Up to {@code limit} spans of a trace, root first then by start time, after the first {@code offset}. */
    List<SpanRecord> getSpans(String traceId, int offset, int limit);

    int countSpans(String traceId);

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

    /** Fields of the trace info taken from its root span. */
    record RootSpanInfo(Optional<String> requestPreview, Optional<String> responsePreview,
            Map<String, String> metadataIfAbsent, Map<String, String> tagsIfAbsent) {
        public static RootSpanInfo none() {
            return new RootSpanInfo(Optional.empty(), Optional.empty(), Map.of(), Map.of());
        }
    }
}
