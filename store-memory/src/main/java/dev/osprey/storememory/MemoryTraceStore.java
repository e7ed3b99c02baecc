package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.Assessment;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import dev.osprey.store.PageTokens;
import dev.osprey.store.SessionSummary;
import dev.osprey.store.SpanContentPatterns;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import dev.osprey.store.TraceUpdate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/** {@link TraceStore} on the in-memory tables; the trace rules are the caller's, as for every backend. */
final class MemoryTraceStore implements TraceStore {
    /** The tag MLflow's search grammar reads {@code name} / {@code trace.name} from. */
    private static final String TRACE_NAME = "mlflow.traceName";
    private static final String SOURCE_RUN = "mlflow.sourceRun";
    private static final String SESSION = "mlflow.trace.session";

    private final MemoryDatabase db;

    MemoryTraceStore(MemoryDatabase db) {
        this.db = db;
    }

    static final class Row {
        final String traceId;
        final long experimentId;
        Optional<String> clientRequestId = Optional.empty();
        long requestTime;
        OptionalLong duration = OptionalLong.empty();
        TraceState state = TraceState.IN_PROGRESS;
        Optional<String> requestPreview = Optional.empty();
        Optional<String> responsePreview = Optional.empty();
        final Map<String, String> tags = new LinkedHashMap<>();
        final Map<String, String> metadata = new LinkedHashMap<>();
        final Map<String, SpanRecord> spans = new LinkedHashMap<>();
        final TreeSet<String> runLinks = new TreeSet<>();
        final Map<String, Assessment> assessments = new LinkedHashMap<>();

        Row(String traceId, long experimentId, long requestTime) {
            this.traceId = traceId;
            this.experimentId = experimentId;
            this.requestTime = requestTime;
        }

        TraceInfo info() {
            return new TraceInfo(traceId, Long.toString(experimentId), clientRequestId, requestTime, duration, state,
                    requestPreview, responsePreview, metadata, tags);
        }
    }


    private Row requireTrace(String traceId) {
        Row r = db.traces.get(traceId);
        if (r == null) {
            throw StoreErrors.traceNotFound(traceId);
        }
        return r;
    }

    @Override
    public void logSpans(String experimentId, String traceId, List<SpanRecord> spans, TraceUpdate.Rules rules,
            long now) {
        db.locked(() -> {
            write(experimentId, traceId, spans, false, rules, now);
        });
    }

    @Override
    public TraceInfo startTrace(String experimentId, String traceId, TraceUpdate.Rules rules, long now) {
        return db.locked(() -> write(experimentId, traceId, List.of(), true, rules, now).info());
    }

    /**
     * One write of a trace: create it when missing (the experiment must then be active), replace spans with the
     * same ids, show the rules the result and apply their changes. Nothing is changed until the rules have
     * answered, so a failing rule leaves the trace as it was.
     */
    private Row write(String experimentId, String traceId, List<SpanRecord> spans, boolean requireActive,
            TraceUpdate.Rules rules, long now) {
        Tables.ExperimentRow experiment = db.experiment(experimentId)
                .orElseThrow(() -> StoreErrors.experimentNotFound(experimentId));
        Row existing = db.traces.get(traceId);
        if (existing == null || requireActive) {
            db.requireActiveExperiment(experimentId);
        }
        boolean created = existing == null;
        Row row = created ? new Row(traceId, experiment.id, now) : existing;
        Map<String, SpanRecord> merged = new LinkedHashMap<>(row.spans);
        for (SpanRecord s : spans) {
            merged.remove(s.spanId());
            merged.put(s.spanId(), s);
        }
        String location = created ? experiment.location : db.experiments.containsKey(row.experimentId)
                ? db.experiments.get(row.experimentId).location : "";
        TraceUpdate.Changes changes = rules.apply(new TraceUpdate.Snapshot(row.info(), created, location,
                TraceUpdate.SpanTotals.of(merged.values())));
        row.spans.clear();
        row.spans.putAll(merged);
        changes.requestTimeMs().ifPresent(t -> row.requestTime = t);
        changes.clientRequestId().ifPresent(id -> row.clientRequestId = Optional.of(id));
        changes.state().ifPresent(s -> row.state = s);
        if (changes.executionDurationMs().isPresent()) {
            row.duration = changes.executionDurationMs();
        }
        changes.requestPreview().ifPresent(p -> row.requestPreview = Optional.of(p));
        changes.responsePreview().ifPresent(p -> row.responsePreview = Optional.of(p));
        row.tags.putAll(changes.tags());
        row.metadata.putAll(changes.metadata());
        if (created) {
            db.traces.put(traceId, row);
        }
        return row;
    }

    @Override
    public Optional<TraceInfo> getTraceInfo(String traceId) {
        return db.locked(() -> Optional.ofNullable(db.traces.get(traceId)).map(Row::info));
    }

    @Override
    public List<TraceInfo> getTraceInfos(List<String> traceIds) {
        return db.locked(() -> traceIds.stream().map(db.traces::get).filter(java.util.Objects::nonNull)
                .map(Row::info).toList());
    }

    @Override
    public List<SpanRecord> getSpans(String traceId, int offset, int limit) {
        return db.locked(() -> {
            Row r = db.traces.get(traceId);
            if (r == null) {
                return List.of();
            }
            // Root first, then by start time.
            List<SpanRecord> sorted = r.spans.values().stream().sorted(Comparator
                    .comparingInt((SpanRecord s) -> s.isRoot() ? 0 : 1).thenComparingLong(SpanRecord::startTimeNs)
                    .thenComparing(SpanRecord::spanId)).toList();
            return Tables.slice(sorted, offset, limit);
        });
    }

    @Override
    public void metricRows(MetricRowQuery q, java.util.function.Consumer<MetricRow> sink) {
        List<Long> experiments = Tables.requireExperimentIds(q.experimentIds());
        List<MetricRow> rows = db.locked(() -> db.traces.values().stream()
                .filter(r -> experiments.contains(r.experimentId))
                .filter(r -> q.filter().stream().allMatch(c -> matches(r, c)))
                .map(r -> new MetricRow(r.traceId, r.requestTime, r.state, r.duration,
                        q.withName() ? Optional.ofNullable(r.tags.get(TRACE_NAME)) : Optional.empty(),
                        q.withTokenUsage() ? Optional.ofNullable(r.metadata.get("mlflow.trace.tokenUsage"))
                                : Optional.empty()))
                .toList());
        rows.forEach(sink); // outside the lock: the sink is the caller's
    }

    @Override
    public List<SpanRecord> spansOf(List<String> traceIds) {
        List<SpanRecord> out = new ArrayList<>();
        for (String id : traceIds) {
            out.addAll(getSpans(id, 0, Integer.MAX_VALUE));
        }
        return out;
    }

    @Override
    public int countSpans(String traceId) {
        return db.locked(() -> Optional.ofNullable(db.traces.get(traceId)).map(r -> r.spans.size()).orElse(0));
    }

    @Override
    public Page<TraceInfo> searchTraces(TraceQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        List<Long> experiments = Tables.requireExperimentIds(q.experimentIds());
        return db.locked(() -> {
            List<Row> matching = db.traces.values().stream().filter(r -> experiments.contains(r.experimentId))
                    .filter(r -> q.filter().stream().allMatch(c -> matches(r, c)))
                    .sorted(order(q.orderBy())).toList();
            return Tables.page(matching, offset, q.maxResults(), Row::info);
        });
    }

    private static boolean matches(Row r, Condition c) {
        return switch (c.field()) {
            case TAG -> Matching.text(Optional.ofNullable(r.tags.get(c.key())), c);
            case METADATA -> Matching.text(Optional.ofNullable(r.metadata.get(c.key())), c);
            case SPAN -> r.spans.values().stream().anyMatch(s -> spanMatches(s, c));
            case ATTRIBUTE -> switch (c.key()) {
                case "request_id" -> Matching.text(r.traceId, c);
                case "text" -> r.spans.values().stream().anyMatch(s -> Matching.content(s.content(),
                        SpanContentPatterns.text(c)));
                case "client_request_id" -> Matching.text(r.clientRequestId, c);
                case "status" -> Matching.text(r.state.name(), c);
                case "name" -> Matching.text(Optional.ofNullable(r.tags.get(TRACE_NAME)), c);
                case "run_id" -> Matching.text(Optional.ofNullable(r.metadata.get(SOURCE_RUN)), c)
                        || r.runLinks.stream().anyMatch(run -> Matching.text(run, c));
                case "timestamp_ms" -> Matching.integer(r.requestTime, c);
                case "execution_time_ms" -> r.duration.isPresent() && Matching.integer(r.duration.getAsLong(), c);
                case "end_time_ms" -> r.duration.isPresent()
                        && Matching.integer(r.requestTime + r.duration.getAsLong(), c);
                default -> throw OspreyException.invalid("Invalid attribute key '" + c.key() + "' for traces.");
            };
            default -> throw OspreyException.invalid("Invalid filter entity for traces: " + c.field());
        };
    }

    private static boolean spanMatches(SpanRecord s, Condition c) {
        if (c.key().startsWith("attributes.")) {
            return Matching.content(s.content(), SpanContentPatterns.attribute(
                    c.key().substring("attributes.".length()), c));
        }
        return switch (c.key()) {
            case "content" -> Matching.content(s.content(), SpanContentPatterns.text(c));
            case "type" -> Matching.text(s.spanType(), c);
            case "status" -> Matching.text(s.statusCode(), c);
            default -> Matching.text(s.name(), c);
        };
    }

    private static Comparator<Row> order(List<Ordering> orderBy) {
        List<Comparator<Row>> parts = new ArrayList<>();
        boolean idOrdered = false;
        for (Ordering o : orderBy) {
            Comparator<Row> one = switch (o.key()) {
                case "experiment_id" -> Comparator.comparingLong(r -> r.experimentId);
                case "timestamp_ms" -> Comparator.comparingLong(r -> r.requestTime);
                case "execution_time_ms" -> nullable(r -> r.duration.isPresent() ? r.duration.getAsLong() : null);
                case "status" -> Comparator.comparing(r -> r.state.name());
                case "request_id" -> Comparator.comparing(r -> r.traceId);
                case "name" -> nullable(r -> r.tags.get(TRACE_NAME));
                case "run_id" -> nullable(r -> r.metadata.get(SOURCE_RUN));
                default -> throw OspreyException.invalid("Invalid order_by key '" + o.key() + "' for traces.");
            };
            idOrdered |= o.key().equals("request_id");
            parts.add(o.ascending() ? one : one.reversed());
        }
        if (orderBy.isEmpty()) {
            parts.add(Comparator.<Row>comparingLong(r -> r.requestTime).reversed());
        }
        if (!idOrdered) {
            parts.add(Comparator.comparing(r -> r.traceId));
        }
        return parts.stream().reduce(Comparator::thenComparing).orElseThrow();
    }

    /** Absent values first ascending, as SQLite sorts NULL. */
    private static <T extends Comparable<T>> Comparator<Row> nullable(Function<Row, T> value) {
        return Comparator.comparing(value, Comparator.nullsFirst(Comparator.naturalOrder()));
    }

    @Override
    public void setTag(String traceId, String key, String value) {
        db.locked(() -> {
            requireTrace(traceId).tags.put(key, value);
        });
    }

    @Override
    public void deleteTag(String traceId, String key) {
        db.locked(() -> {
            if (requireTrace(traceId).tags.remove(key) == null) {
                throw new OspreyException(ErrorCode.RESOURCE_DOES_NOT_EXIST, "No trace tag with key '" + key
                        + "' for trace with ID '" + traceId + "'");
            }
        });
    }

    @Override
    public int deleteTraces(String experimentId, List<String> traceIds) {
        long experiment = Tables.requireExperimentId(experimentId);
        return db.locked(() -> {
            int deleted = 0;
            for (String id : traceIds) {
                Row r = db.traces.get(id);
                if (r != null && r.experimentId == experiment) {
                    db.traces.remove(id);
                    deleted++;
                }
            }
            return deleted;
        });
    }

    @Override
    public int deleteTracesBefore(String experimentId, long maxTimestampMs, int maxTraces) {
        long experiment = Tables.requireExperimentId(experimentId);
        return db.locked(() -> {
            List<Row> old = db.traces.values().stream()
                    .filter(r -> r.experimentId == experiment && r.requestTime <= maxTimestampMs)
                    .sorted(Comparator.<Row>comparingLong(r -> r.requestTime).thenComparing(r -> r.traceId))
                    .limit(maxTraces).toList();
            old.forEach(r -> db.traces.remove(r.traceId));
            return old.size();
        });
    }

    @Override
    public void linkToRun(List<String> traceIds, String runId) {
        db.locked(() -> {
            for (String id : traceIds) {
                Row r = db.traces.get(id);
                if (r != null) {
                    r.runLinks.add(runId);
                }
            }
        });
    }


    @Override
    public void createAssessment(Assessment a) {
        db.locked(() -> {
            Row r = requireTrace(a.traceId());
            if (a.overrides().isPresent()) {
                Assessment overridden = r.assessments.get(a.overrides().get());
                if (overridden == null) {
                    throw StoreErrors.assessmentNotFound(a.overrides().get());
                }
                r.assessments.put(overridden.assessmentId(), withValid(overridden, false));
            }
            r.assessments.put(a.assessmentId(), a);
        });
    }

    private static Assessment withValid(Assessment a, boolean valid) {
        return new Assessment(a.assessmentId(), a.traceId(), a.overrides(), valid, a.createTimeMs(),
                a.lastUpdateTimeMs(), a.body());
    }

    @Override
    public Optional<Assessment> getAssessment(String traceId, String assessmentId) {
        return db.locked(() -> Optional.ofNullable(db.traces.get(traceId))
                .map(r -> r.assessments.get(assessmentId)));
    }

    @Override
    public void updateAssessment(Assessment a) {
        db.locked(() -> {
            Row r = db.traces.get(a.traceId());
            Assessment old = r == null ? null : r.assessments.get(a.assessmentId());
            if (old == null) {
                throw StoreErrors.assessmentNotFound(a.assessmentId());
            }
            r.assessments.put(a.assessmentId(), new Assessment(old.assessmentId(), old.traceId(), old.overrides(),
                    a.valid(), old.createTimeMs(), a.lastUpdateTimeMs(), a.body()));
        });
    }

    @Override
    public void deleteAssessment(String traceId, String assessmentId) {
        db.locked(() -> {
            Row r = db.traces.get(traceId);
            Assessment old = r == null ? null : r.assessments.remove(assessmentId);
            if (old != null && old.overrides().isPresent()) {
                Assessment overridden = r.assessments.get(old.overrides().get());
                if (overridden != null) {
                    r.assessments.put(overridden.assessmentId(), withValid(overridden, true));
                }
            }
        });
    }

    @Override
    public Map<String, List<Assessment>> assessments(List<String> traceIds) {
        return db.locked(() -> {
            Map<String, List<Assessment>> out = new LinkedHashMap<>();
            List<Assessment> all = new ArrayList<>();
            for (String id : traceIds) {
                Row r = db.traces.get(id);
                if (r != null) {
                    all.addAll(r.assessments.values());
                }
            }
            // Oldest first; assessments created in the same millisecond keep the order they were created in.
            all.sort(Comparator.comparingLong(Assessment::createTimeMs));
            all.forEach(a -> out.computeIfAbsent(a.traceId(), k -> new ArrayList<>()).add(a));
            return out;
        });
    }

    @Override
    public Page<SessionSummary> sessions(String experimentId, int maxResults, Optional<String> pageToken) {
        long experiment = Tables.requireExperimentId(experimentId);
        int offset = PageTokens.offsetOf(pageToken);
        return db.locked(() -> {
            Map<String, List<Row>> bySession = new TreeMap<>();
            for (Row r : db.traces.values()) {
                String session = r.metadata.get(SESSION);
                if (r.experimentId == experiment && session != null) {
                    bySession.computeIfAbsent(session, k -> new ArrayList<>()).add(r);
                }
            }
            record Ranked(SessionSummary summary, long lastRequest) {}
            List<Ranked> ranked = new ArrayList<>();
            bySession.forEach((session, rows) -> {
                long first = Long.MAX_VALUE;
                long lastEnd = Long.MIN_VALUE;
                long lastRequest = Long.MIN_VALUE;
                long duration = 0;
                TraceUpdate.SpanTotals sum = TraceUpdate.SpanTotals.of(rows.stream().flatMap(r -> r.spans.values().stream()).toList());
                for (Row r : rows) {
                    long d = r.duration.orElse(0);
                    first = Math.min(first, r.requestTime);
                    lastEnd = Math.max(lastEnd, r.requestTime + d);
                    lastRequest = Math.max(lastRequest, r.requestTime);
                    duration += d;
                }
                ranked.add(new Ranked(new SessionSummary(session, rows.size(), first, lastEnd, duration,
                        sum.inputTokens(), sum.outputTokens(), sum.totalTokens(), sum.totalCost()), lastRequest));
            });
            ranked.sort(Comparator.comparingLong(Ranked::lastRequest).reversed()
                    .thenComparing(x -> x.summary().sessionId()));
            return Tables.page(ranked, offset, maxResults, Ranked::summary);
        });
    }
}
