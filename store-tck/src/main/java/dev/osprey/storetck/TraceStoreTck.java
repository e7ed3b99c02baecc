package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.Assessment;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.SessionSummary;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import dev.osprey.store.TraceUpdate;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract every {@link TraceStore} backend passes: spans stored and read back in order and pages, the write
 * protocol of {@link TraceUpdate} (what the rules see, that their changes land, atomically, one writer per trace at a
 * time), experiment checks, tags, deletes, run links, search over infos and span content, assessments and sessions.
 * MLflow's own trace rules are not the store's and are not tested here; the rules below are probes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TraceStoreTck {
    private static final TraceUpdate.Rules NOTHING = s -> TraceUpdate.Changes.NONE;
    protected TrackingStore store;
    protected StorageComponent storage;
    protected TraceStore traces;

    /** Opens the store under test (migrated, empty or not). Called once per test class. */
    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        traces = storage.traces();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private String experiment() {
        return store.createExperiment("traces-" + UUID.randomUUID().toString().substring(0, 12), Optional.empty(),
                id -> "mlflow-artifacts:/" + id, List.of(), 1000);
    }

    private static String traceId() {
        return "tr-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static ErrorCode codeOf(Throwable t) {
        return ((OspreyException) t).errorCode();
    }

    private static SpanRecord span(String traceId, String spanId, String parent, long startMs, long endMs,
            String status, Long inputTokens) {
        return new SpanRecord(traceId, spanId, Optional.ofNullable(parent), "span-" + spanId, Optional.of("LLM"),
                status, startMs * 1_000_000, OptionalLong.of(endMs * 1_000_000),
                inputTokens == null ? Optional.empty() : Optional.of(new SpanRecord.TokenUsage(inputTokens,
                        2 * inputTokens, 3 * inputTokens)),
                inputTokens == null ? Optional.empty() : Optional.of(new SpanRecord.Cost(inputTokens / 100.0,
                        inputTokens / 50.0, inputTokens * 3 / 100.0)), "{\"span_id\":\"" + spanId + "\"}");
    }

    @Test
    void metricRows_streamTheFilteredTraces_withOnlyTheColumnsAsked() {
        String exp = experiment();
        String a = traceId();
        String b = traceId();
        String old = traceId();
        traces.logSpans(exp, a, List.of(span(a, "a1", null, 10, 20, "OK", null)), s -> changes(1000L, TraceState.OK,
                250L, null, Map.of("mlflow.traceName", "agent"), Map.of("mlflow.trace.tokenUsage",
                "{\"input_tokens\": 7}")), 1);
        traces.logSpans(exp, b, List.of(span(b, "b1", null, 10, 20, "ERROR", null)), s -> changes(2000L,
                TraceState.ERROR, null, null, Map.of(), Map.of()), 1);
        traces.logSpans(exp, old, List.of(span(old, "o1", null, 10, 20, "OK", null)), s -> changes(10L,
                TraceState.OK, 5L, null, Map.of("mlflow.traceName", "agent"), Map.of()), 1);
        List<TraceStore.MetricRow> rows = new java.util.ArrayList<>();
        traces.metricRows(new TraceStore.MetricRowQuery(List.of(exp), dev.osprey.search.EntityGrammar.TRACES
                .parseFilter("trace.timestamp_ms >= 1000"), true, true), rows::add);
        rows.sort(java.util.Comparator.comparingLong(TraceStore.MetricRow::requestTimeMs));
        assertThat(rows).extracting(TraceStore.MetricRow::traceId).containsExactly(a, b);
        assertThat(rows.get(0).name()).contains("agent");
        assertThat(rows.get(0).tokenUsage()).contains("{\"input_tokens\": 7}");
        assertThat(rows.get(0).executionDurationMs()).hasValue(250);
        assertThat(rows.get(1).state()).isEqualTo(TraceState.ERROR);
        assertThat(rows.get(1).name()).isEmpty();
        assertThat(rows.get(1).executionDurationMs()).isEmpty();
        List<TraceStore.MetricRow> lean = new java.util.ArrayList<>();
        traces.metricRows(new TraceStore.MetricRowQuery(List.of(exp), dev.osprey.search.EntityGrammar.TRACES
                .parseFilter("trace.status = 'OK'"), false, false), lean::add);
        assertThat(lean).extracting(TraceStore.MetricRow::traceId).containsExactlyInAnyOrder(a, old);
        assertThat(lean).allSatisfy(r -> assertThat(r.name()).isEmpty());
    }

    @Test
    void spansOf_readsTheSpansOfManyTracesAtOnce() {
        String exp = experiment();
        String a = traceId();
        String b = traceId();
        String other = traceId();
        traces.logSpans(exp, a, List.of(span(a, "a2", "a1", 20, 30, "OK", 5L), span(a, "a1", null, 10, 40, "OK", null)),
                NOTHING, 1);
        traces.logSpans(exp, b, List.of(span(b, "b1", null, 10, 20, "ERROR", null)), NOTHING, 1);
        traces.logSpans(exp, other, List.of(span(other, "o1", null, 10, 20, "OK", null)), NOTHING, 1);
        List<SpanRecord> spans = traces.spansOf(List.of(b, a, "tr-unknown"));
        assertThat(spans).extracting(SpanRecord::spanId).containsExactly("b1", "a1", "a2");
        assertThat(spans.get(2).cost()).contains(new SpanRecord.Cost(0.05, 0.1, 0.15));
        assertThat(traces.spansOf(List.of())).isEmpty();
    }

    private static SpanRecord withContent(SpanRecord s, String content) {
        return new SpanRecord(s.traceId(), s.spanId(), s.parentSpanId(), s.name(), s.spanType(), s.statusCode(),
                s.startTimeNs(), s.endTimeNs(), s.tokens(), s.cost(), content);
    }

    private static TraceUpdate.Changes changes(Long requestTime, TraceState state, Long duration, String preview,
            Map<String, String> tags, Map<String, String> metadata) {
        return new TraceUpdate.Changes(Optional.ofNullable(requestTime), Optional.empty(), Optional.ofNullable(state),
                duration == null ? OptionalLong.empty() : OptionalLong.of(duration), Optional.ofNullable(preview),
                Optional.empty(), tags, metadata);
    }

    /** Totals over every stored span, this write's included; costs are sums of doubles, compared as such. */
    private static void assertTotals(TraceUpdate.SpanTotals actual, TraceUpdate.SpanTotals expected) {
        var offset = org.assertj.core.data.Offset.offset(1e-9);
        assertThat(actual.spansWithTokens()).isEqualTo(expected.spansWithTokens());
        assertThat(actual.inputTokens()).isEqualTo(expected.inputTokens());
        assertThat(actual.outputTokens()).isEqualTo(expected.outputTokens());
        assertThat(actual.totalTokens()).isEqualTo(expected.totalTokens());
        assertThat(actual.spansWithCost()).isEqualTo(expected.spansWithCost());
        assertThat(actual.inputCost()).isCloseTo(expected.inputCost(), offset);
        assertThat(actual.outputCost()).isCloseTo(expected.outputCost(), offset);
        assertThat(actual.totalCost()).isCloseTo(expected.totalCost(), offset);
    }

    /** Rules that record what they were shown and return {@code changes}. */
    private static TraceUpdate.Rules recording(AtomicReference<TraceUpdate.Snapshot> seen,
            TraceUpdate.Changes changes) {
        return s -> {
            seen.set(s);
            return changes;
        };
    }

    private Function<String, List<String>> search(String experimentId) {
        return filter -> traces.searchTraces(new TraceQuery(List.of(experimentId),
                EntityGrammar.TRACES.parseFilter(filter), List.of(), 100, Optional.empty())).items().stream()
                .map(TraceInfo::traceId).toList();
    }

    @Test
    void firstWrite_createsTheTrace_andShowsTheRulesWhatIsStored() {
        String exp = experiment();
        String id = traceId();
        AtomicReference<TraceUpdate.Snapshot> seen = new AtomicReference<>();
        traces.logSpans(exp, id, List.of(span(id, "c1", "r", 1500, 1600, "OK", 10L)), recording(seen,
                TraceUpdate.Changes.NONE), 777);
        TraceUpdate.Snapshot first = seen.get();
        assertThat(first.created()).isTrue();
        assertThat(first.info().traceId()).isEqualTo(id);
        assertThat(first.info().experimentId()).isEqualTo(exp);
        assertThat(first.info().state()).isEqualTo(TraceState.IN_PROGRESS);
        assertThat(first.info().requestTimeMs()).as("a new trace starts at the write's time").isEqualTo(777);
        assertThat(first.experimentArtifactLocation()).isEqualTo("mlflow-artifacts:/" + exp);
        assertTotals(first.totals(), new TraceUpdate.SpanTotals(1, 10, 20, 30, 1, 0.1, 0.2, 0.3));

        traces.logSpans(exp, id, List.of(span(id, "r", null, 1000, 2000, "OK", null),
                span(id, "c2", "r", 1100, 1200, "OK", 5L)), recording(seen, TraceUpdate.Changes.NONE), 888);
        TraceUpdate.Snapshot second = seen.get();
        assertThat(second.created()).isFalse();
        assertThat(second.info().requestTimeMs()).isEqualTo(777);
        assertTotals(second.totals(), new TraceUpdate.SpanTotals(2, 15, 30, 45, 2, 0.15, 0.3, 0.45));
        traces.logSpans(exp, id, List.of(span(id, "c2", "r", 1100, 1250, "OK", 5L)), recording(seen,
                TraceUpdate.Changes.NONE), 999);
        assertThat(seen.get().totals().inputTokens()).as("a re-sent span replaces the stored one, not adds to it")
                .isEqualTo(15);
        assertThat(traces.countSpans(id)).isEqualTo(3);
    }

    @Test
    void theRulesChangesAreApplied_andEmptyFieldsKeepWhatIsStored() {
        String exp = experiment();
        String id = traceId();
        traces.logSpans(exp, id, List.of(span(id, "r", null, 1000, 2000, "ERROR", null)), s -> changes(1000L,
                TraceState.ERROR, 1000L, "{\"q\": 1}", Map.of("mlflow.traceName", "agent", "team", "x"),
                Map.of("mlflow.trace.session", "s1")), 5);
        TraceInfo done = traces.getTraceInfo(id).orElseThrow();
        assertThat(done.state()).isEqualTo(TraceState.ERROR);
        assertThat(done.requestTimeMs()).isEqualTo(1000);
        assertThat(done.executionDurationMs()).hasValue(1000);
        assertThat(done.requestPreview()).contains("{\"q\": 1}");
        assertThat(done.tags()).containsEntry("mlflow.traceName", "agent").containsEntry("team", "x");
        assertThat(done.metadata()).containsEntry("mlflow.trace.session", "s1");

        traces.logSpans(exp, id, List.of(), s -> changes(null, null, null, null, Map.of("team", "y"),
                Map.of("k", "v")), 6);
        TraceInfo after = traces.getTraceInfo(id).orElseThrow();
        assertThat(after.state()).isEqualTo(TraceState.ERROR);
        assertThat(after.requestTimeMs()).isEqualTo(1000);
        assertThat(after.executionDurationMs()).hasValue(1000);
        assertThat(after.requestPreview()).contains("{\"q\": 1}");
        assertThat(after.tags()).containsEntry("team", "y").containsEntry("mlflow.traceName", "agent");
        assertThat(after.metadata()).containsEntry("k", "v").containsEntry("mlflow.trace.session", "s1");

        TraceInfo started = traces.startTrace(exp, id, s -> new TraceUpdate.Changes(Optional.empty(),
                Optional.of("client-7"), Optional.of(TraceState.OK), OptionalLong.empty(), Optional.empty(),
                Optional.of("\"answer\""), Map.of(), Map.of()), 7);
        assertThat(started.clientRequestId()).contains("client-7");
        assertThat(started.state()).isEqualTo(TraceState.OK);
        assertThat(started.responsePreview()).contains("\"answer\"");
        assertThat(started.requestPreview()).contains("{\"q\": 1}");
    }

    @Test
    void rulesThatFail_leaveNothingBehind() {
        String exp = experiment();
        String id = traceId();
        TraceUpdate.Rules failing = s -> {
            throw new IllegalStateException("rules failed");
        };
        assertThatThrownBy(() -> traces.logSpans(exp, id, List.of(span(id, "r", null, 1, 2, "OK", 1L)), failing, 1))
                .hasMessageContaining("rules failed");
        assertThat(traces.getTraceInfo(id)).as("the trace was not created").isEmpty();
        assertThat(traces.countSpans(id)).isZero();
        traces.logSpans(exp, id, List.of(span(id, "a", null, 1, 2, "OK", 1L)), NOTHING, 1);
        assertThatThrownBy(() -> traces.logSpans(exp, id, List.of(span(id, "b", "a", 1, 2, "OK", 1L)), failing, 2))
                .hasMessageContaining("rules failed");
        assertThat(traces.countSpans(id)).as("the failed write's span is not stored").isEqualTo(1);
    }

    @Test
    void concurrentWritesToOneTrace_areSerialised() throws Exception {
        String exp = experiment();
        String id = traceId();
        int writers = 12;
        List<Long> seenCounts = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String spanId = "s" + i;
                done.add(pool.submit(() -> traces.logSpans(exp, id, List.of(span(id, spanId, "root", 10, 20, "OK",
                        1L)), s -> {
                            seenCounts.add(s.totals().spansWithTokens());
                            return changes(null, null, null, null, Map.of(), Map.of("count",
                                    Long.toString(s.totals().spansWithTokens())));
                        }, 1)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(traces.countSpans(id)).isEqualTo(writers);
        assertThat(seenCounts).as("each write saw the ones before it: one writer per trace at a time")
                .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, writers).boxed()
                        .toList());
        assertThat(traces.getTraceInfo(id).orElseThrow().metadata()).containsEntry("count", Long.toString(writers));
    }

    @Test
    void experiments_mustExist_andBeActive() {
        String id = traceId();
        assertThatThrownBy(() -> traces.logSpans("987654321", id, List.of(span(id, "r", null, 1, 2, "OK", null)),
                NOTHING, 1)).satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> traces.startTrace("not-a-number", id, NOTHING, 1))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        String exp = experiment();
        traces.logSpans(exp, id, List.of(span(id, "r", null, 1, 2, "OK", null)), NOTHING, 1);
        store.deleteExperiment(exp, 2);
        traces.logSpans(exp, id, List.of(span(id, "c", "r", 1, 2, "OK", null)), NOTHING, 3);
        assertThat(traces.countSpans(id)).as("spans of an existing trace still land").isEqualTo(2);
        assertThatThrownBy(() -> traces.startTrace(exp, id, NOTHING, 4)).as("StartTraceV3 needs an active experiment")
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        String other = traceId();
        assertThatThrownBy(() -> traces.logSpans(exp, other, List.of(span(other, "r", null, 1, 2, "OK", null)),
                NOTHING, 5)).as("no new trace in a deleted experiment")
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
    }

    @Test
    void spans_rootFirstThenByStart_inPages_withEveryColumn() {
        String exp = experiment();
        String id = traceId();
        traces.logSpans(exp, id, List.of(span(id, "late", "r", 1300, 1400, "OK", null),
                span(id, "early", "r", 1100, 1200, "ERROR", 4L), span(id, "r", null, 1000, 2000, "OK", null)),
                NOTHING, 1);
        assertThat(traces.getSpans(id, 0, 10)).extracting(SpanRecord::spanId).containsExactly("r", "early", "late");
        assertThat(traces.getSpans(id, 1, 1)).extracting(SpanRecord::spanId).containsExactly("early");
        assertThat(traces.getSpans(id, 3, 10)).isEmpty();
        assertThat(traces.getSpans(id, 0, 10).get(1)).isEqualTo(span(id, "early", "r", 1100, 1200, "ERROR", 4L));
        SpanRecord open = new SpanRecord(id, "open", Optional.of("r"), "open", Optional.empty(), "UNSET", 1_500_000_000,
                OptionalLong.empty(), Optional.empty(), Optional.empty(), "{}");
        traces.logSpans(exp, id, List.of(open), NOTHING, 2);
        assertThat(traces.getSpans(id, 3, 1)).containsExactly(open);
        assertThat(traces.getSpans("tr-00000000000000000000000000000000", 0, 10)).isEmpty();
        assertThat(traces.countSpans("tr-00000000000000000000000000000000")).isZero();
    }

    @Test
    void tags_setDeleteAndUnknownTraces() {
        String exp = experiment();
        String id = traceId();
        traces.logSpans(exp, id, List.of(span(id, "r", null, 1, 2, "OK", null)), NOTHING, 1);
        traces.setTag(id, "k", "v");
        traces.setTag(id, "k", "w");
        assertThat(traces.getTraceInfo(id).orElseThrow().tags()).containsEntry("k", "w");
        traces.deleteTag(id, "k");
        assertThat(traces.getTraceInfo(id).orElseThrow().tags()).doesNotContainKey("k");
        assertThatThrownBy(() -> traces.deleteTag(id, "k"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> traces.setTag("tr-00000000000000000000000000000000", "k", "v"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThat(traces.getTraceInfos(List.of("tr-unknown", id))).extracting(TraceInfo::traceId)
                .containsExactly(id);
    }

    /**
     * Span attribute and text clauses over span content in the stored form ({@code SpanRecord}): raw and
     * JSON-encoded string values, typed values, and values holding quotes, backslashes and LIKE's own characters.
     */
    @Test
    void search_spanColumnsAttributesAndText() {
        String exp = experiment();
        String llm = traceId();
        String tool = traceId();
        String llmContent = """
                {"span_id":"a","name":"chat","attributes":[\
                {"key":"mlflow.spanType","value":{"string_value":"\\"LLM\\""}},\
                {"key":"model","value":{"string_value":"gpt-4o_mini"}},\
                {"key":"kind","value":{"string_value":"chat"}},\
                {"key":"n","value":{"int_value":5}},\
                {"key":"path","value":{"string_value":"C:\\\\dir\\\\50%!"}},\
                {"key":"q","value":{"string_value":"\\"say \\\\\\"hi\\\\\\"\\""}}],\
                "events":[{"name":"note","attributes":[{"key":"text","value":{"string_value":"Paris weather"}}]}]}""";
        String toolContent = """
                {"span_id":"b","name":"tool","attributes":[\
                {"key":"mlflow.spanType","value":{"string_value":"\\"TOOL\\""}},\
                {"key":"model","value":{"string_value":"gpt-4oXmini"}},\
                {"key":"n","value":{"int_value":50}}]}""";
        traces.logSpans(exp, llm, List.of(withContent(span(llm, "a", null, 1000, 2000, "OK", null), llmContent)),
                NOTHING, 1);
        traces.logSpans(exp, tool, List.of(withContent(span(tool, "b", null, 1000, 2000, "ERROR", null),
                toolContent)), NOTHING, 1);
        Function<String, List<String>> search = search(exp);
        assertThat(search.apply("span.name = 'span-b' AND span.type = 'LLM' AND span.status = 'ERROR'"))
                .containsExactly(tool);
        assertThat(search.apply("span.name LIKE 'nothing%'")).isEmpty();
        assertThat(search.apply("span.attributes.mlflow.spanType = 'LLM'")).as("JSON-encoded value")
                .containsExactly(llm);
        assertThat(search.apply("span.attributes.kind = 'chat'")).as("decoded value").containsExactly(llm);
        assertThat(search.apply("span.attributes.model = 'gpt-4o_mini'")).as("_ is literal in =")
                .containsExactly(llm);
        assertThat(search.apply("span.attributes.model LIKE 'gpt-4o_mini'")).as("_ is a wildcard in LIKE")
                .containsExactlyInAnyOrder(llm, tool);
        assertThat(search.apply("span.attributes.model ILIKE 'GPT-4O%'")).containsExactlyInAnyOrder(llm, tool);
        assertThat(search.apply("span.attributes.model LIKE 'GPT-4O%'")).isEmpty();
        assertThat(search.apply("span.attributes.n = '5'")).as("int value").containsExactly(llm);
        assertThat(search.apply("span.attributes.n != '5'")).containsExactly(tool);
        assertThat(search.apply("span.attributes.path = 'C:\\dir\\50%!'")).as("backslashes, % and !")
                .containsExactly(llm);
        assertThat(search.apply("span.attributes.q = 'say \"hi\"'")).as("quotes in a JSON-encoded value")
                .containsExactly(llm);
        assertThat(search.apply("span.attributes.missing = 'x'")).isEmpty();
        assertThat(search.apply("span.attributes.mlflow.spanType != 'LLM'")).containsExactly(tool);
        assertThat(search.apply("trace.text LIKE '%Paris weather%'")).containsExactly(llm);
        assertThat(search.apply("trace.text ILIKE '%paris WEATHER%'")).containsExactly(llm);
        assertThat(search.apply("span.content ILIKE '%\"tool\"%'")).as("text as it reads inside a JSON string")
                .containsExactly(tool);
        assertThat(search.apply("trace.text LIKE '%50!%%'")).as("LIKE's escape character is literal").isEmpty();
    }

    @Test
    void search_infoFieldsTagsMetadataRunLinksOrderAndPages_thenDeletes() {
        String exp = experiment();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = traceId();
            ids.add(id);
            int n = i;
            traces.startTrace(exp, id, s -> new TraceUpdate.Changes(Optional.of(1000L + n), Optional.empty(),
                    Optional.of(n == 3 ? TraceState.ERROR : TraceState.OK), OptionalLong.of(10L * n),
                    Optional.empty(), Optional.empty(), Map.of("mlflow.traceName", n % 2 == 0 ? "predict" : "chat",
                            "env", "prod"), Map.of("mlflow.sourceRun", "run" + (n % 2))), 1);
        }
        traces.linkToRun(List.of(ids.get(3)), "linked-run");
        Function<String, List<String>> search = search(exp);
        assertThat(search.apply("")).containsExactly(ids.get(3), ids.get(2), ids.get(1), ids.get(0));
        assertThat(search.apply("trace.status = 'ERROR'")).containsExactly(ids.get(3));
        assertThat(search.apply("tags.`mlflow.traceName` = 'predict'")).containsExactly(ids.get(2), ids.get(0));
        assertThat(search.apply("name = 'chat' AND timestamp_ms < 1003")).containsExactly(ids.get(1));
        assertThat(search.apply("metadata.`mlflow.sourceRun` = 'run1'")).containsExactly(ids.get(3), ids.get(1));
        assertThat(search.apply("run_id = 'linked-run'")).containsExactly(ids.get(3));
        assertThat(search.apply("run_id = 'run0'")).as("a source run counts as a link")
                .containsExactly(ids.get(2), ids.get(0));
        assertThat(search.apply("execution_time_ms >= 20 AND tags.env LIKE 'pr%'")).containsExactly(ids.get(3),
                ids.get(2));
        var page = traces.searchTraces(new TraceQuery(List.of(exp), List.of(),
                EntityGrammar.TRACES.parseOrderBy(List.of("timestamp_ms ASC")), 3, Optional.empty()));
        assertThat(page.items()).extracting(TraceInfo::traceId).containsExactly(ids.get(0), ids.get(1), ids.get(2));
        assertThat(traces.searchTraces(new TraceQuery(List.of(exp), List.of(),
                EntityGrammar.TRACES.parseOrderBy(List.of("timestamp_ms ASC")), 3, page.nextPageToken())).items())
                .extracting(TraceInfo::traceId).containsExactly(ids.get(3));

        assertThat(traces.deleteTraces(exp, List.of(ids.get(0), "tr-unknown"))).isEqualTo(1);
        assertThat(traces.deleteTracesBefore(exp, 1002, 1)).as("oldest first, at most max").isEqualTo(1);
        assertThat(traces.getTraceInfos(ids)).extracting(TraceInfo::traceId).containsExactly(ids.get(2), ids.get(3));
        assertThat(traces.deleteTraces(experiment(), List.of(ids.get(2)))).as("only the experiment's own")
                .isZero();
    }

    @Test
    void assessments_overridesAndDeletionRestoreValidity() {
        String exp = experiment();
        String id = traceId();
        traces.logSpans(exp, id, List.of(span(id, "r", null, 1, 2, "OK", null)), NOTHING, 1);
        var first = new Assessment("a-1" + id, id, Optional.empty(), true, 10, 10, "{\"v\": 1}");
        traces.createAssessment(first);
        var second = new Assessment("a-2" + id, id, Optional.of(first.assessmentId()), true, 20, 20, "{\"v\": 2}");
        traces.createAssessment(second);
        assertThat(traces.getAssessment(id, first.assessmentId()).orElseThrow().valid()).isFalse();
        assertThatThrownBy(() -> traces.createAssessment(new Assessment("a-3" + id, id, Optional.of("a-missing"),
                true, 30, 30, "{}"))).satisfies(t -> assertThat(codeOf(t)).isEqualTo(
                        ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> traces.createAssessment(new Assessment("a-4" + id,
                "tr-ffffffffffffffffffffffffffffffff", Optional.empty(), true, 30, 30, "{}")))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        traces.updateAssessment(new Assessment(second.assessmentId(), id, second.overrides(), true, 20, 40,
                "{\"v\": 3}"));
        assertThat(traces.getAssessment(id, second.assessmentId()).orElseThrow().body()).isEqualTo("{\"v\": 3}");
        assertThat(traces.assessments(List.of(id)).get(id)).extracting(Assessment::assessmentId)
                .containsExactly(first.assessmentId(), second.assessmentId());
        traces.deleteAssessment(id, second.assessmentId());
        traces.deleteAssessment(id, second.assessmentId());
        assertThat(traces.getAssessment(id, first.assessmentId()).orElseThrow().valid()).isTrue();
        assertThat(traces.deleteTraces(exp, List.of(id))).isEqualTo(1);
        assertThat(traces.getAssessment(id, first.assessmentId())).isEmpty();
    }

    @Test
    void sessions_sumCountsTimesTokensAndCost() {
        String exp = experiment();
        for (int i = 0; i < 3; i++) {
            String id = traceId();
            String session = i < 2 ? "a" : "b";
            long start = 1000L * (i + 1);
            traces.logSpans(exp, id, List.of(span(id, "r", null, start, start + 100, "OK", 10L)),
                    s -> changes(start, TraceState.OK, 100L, null, Map.of(), Map.of("mlflow.trace.session", session)),
                    1);
        }
        var page = traces.sessions(exp, 10, Optional.empty());
        assertThat(page.items()).extracting(SessionSummary::sessionId).containsExactly("b", "a");
        var a = page.items().get(1);
        assertThat(a.traceCount()).isEqualTo(2);
        assertThat(a.firstRequestMs()).isEqualTo(1000);
        assertThat(a.lastEndMs()).isEqualTo(2100);
        assertThat(a.totalDurationMs()).isEqualTo(200);
        assertThat(a.inputTokens()).isEqualTo(20);
        assertThat(a.totalCost()).as("summed from the span rows").isEqualTo(0.6,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(traces.sessions(exp, 1, Optional.empty()).nextPageToken()).isPresent();
    }
}
