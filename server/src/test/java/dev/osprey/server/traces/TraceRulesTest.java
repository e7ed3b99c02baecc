package dev.osprey.server.traces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.store.TraceUpdate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** MLflow's trace rules (spec/tracing.md §2.1, §3.1) on snapshots, without a store. */
class TraceRulesTest {
    private static final String ID = "tr-0123456789abcdef0123456789abcdef";
    private static final TraceUpdate.SpanTotals TOTALS = new TraceUpdate.SpanTotals(2, 15, 30, 45, 2, 0.15, 0.3,
            0.45000000000000001);

    private static SpanRecord span(String spanId, String parent, long startMs, long endMs, String status) {
        return new SpanRecord(ID, spanId, Optional.ofNullable(parent), "span-" + spanId, Optional.empty(), status,
                startMs * 1_000_000, OptionalLong.of(endMs * 1_000_000), Optional.empty(), Optional.empty(), "{}");
    }

    private static TraceInfo info(long requestTime, Map<String, String> metadata, Map<String, String> tags) {
        return new TraceInfo(ID, "7", Optional.empty(), requestTime, OptionalLong.empty(), TraceState.IN_PROGRESS,
                Optional.empty(), Optional.empty(), metadata, tags);
    }

    private static TraceUpdate.Snapshot snapshot(boolean created, TraceInfo info, TraceUpdate.SpanTotals totals) {
        return new TraceUpdate.Snapshot(info, created, "mlflow-artifacts:/7/", totals);
    }

    @Test
    void aNewTraceWithoutItsRoot_startsAtItsEarliestSpan_andIsInTheTrackingStore() {
        TraceUpdate.Changes c = TraceRules.forSpans(List.of(span("c1", "r", 1500, 1600, "OK"),
                span("c2", "r", 1200, 1300, "OK")), TraceRules.Root.NONE)
                .apply(snapshot(true, info(99_999, Map.of(), Map.of()), TraceUpdate.SpanTotals.NONE));
        assertThat(c.requestTimeMs()).contains(1200L);
        assertThat(c.state()).isEmpty();
        assertThat(c.tags()).containsEntry("mlflow.artifactLocation", "mlflow-artifacts:/7/traces/" + ID
                + "/artifacts").containsEntry("mlflow.trace.spansLocation", "TRACKING_STORE");
        assertThat(c.metadata()).as("no usage reported, none rolled up").isEmpty();
    }

    @Test
    void laterSpans_onlyLowerTheStart() {
        var rules = TraceRules.forSpans(List.of(span("c3", "r", 1800, 1900, "OK")), TraceRules.Root.NONE);
        assertThat(rules.apply(snapshot(false, info(1200, Map.of(), Map.of()), TOTALS)).requestTimeMs()).isEmpty();
        assertThat(rules.apply(snapshot(false, info(2000, Map.of(), Map.of()), TOTALS)).requestTimeMs())
                .contains(1800L);
    }

    @Test
    void theRoot_completesTheInfo_andRollsUpUsageAndCost() {
        TraceRules.Root root = new TraceRules.Root(Optional.of("{\"q\": 1}"), Optional.of("\"a\""),
                Map.of("mlflow.trace.session", "s1", "mlflow.trace.user", "u"), Map.of("team", "x"));
        TraceUpdate.Changes c = TraceRules.forSpans(List.of(span("r", null, 1000, 2000, "ERROR")), root)
                .apply(snapshot(false, info(1200, Map.of("mlflow.trace.user", "kept"), Map.of("team", "kept")),
                        TOTALS));
        assertThat(c.state()).contains(TraceState.ERROR);
        assertThat(c.requestTimeMs()).contains(1000L);
        assertThat(c.executionDurationMs()).hasValue(1000);
        assertThat(c.requestPreview()).contains("{\"q\": 1}");
        assertThat(c.responsePreview()).contains("\"a\"");
        assertThat(c.tags()).containsEntry("mlflow.traceName", "span-r").doesNotContainKey("team");
        assertThat(c.metadata()).containsEntry("mlflow.trace.session", "s1").doesNotContainKey("mlflow.trace.user")
                .containsEntry("mlflow.trace.tokenUsage",
                        "{\"input_tokens\": 15, \"output_tokens\": 30, \"total_tokens\": 45}")
                .containsEntry("mlflow.trace.cost", "{\"input_cost\": 0.15, \"output_cost\": 0.3, \"total_cost\": 0.45}");
        assertThat(TraceRules.forSpans(List.of(span("r", null, 1000, 2000, "UNSET")), TraceRules.Root.NONE)
                .apply(snapshot(false, info(1000, Map.of(), Map.of()), TOTALS)).state()).as("UNSET ends OK")
                .contains(TraceState.OK);
    }

    @Test
    void aFinalizedInfo_isNotRewrittenBySpans_butStillGetsTheirSessionAndLocation() {
        TraceRules.Root root = new TraceRules.Root(Optional.of("{}"), Optional.empty(),
                Map.of("mlflow.trace.session", "s1"), Map.of());
        TraceUpdate.Changes c = TraceRules.forSpans(List.of(span("r", null, 5000, 6000, "ERROR")), root)
                .apply(snapshot(false, info(1000, Map.of("mlflow.trace.infoFinalized", "true"), Map.of()), TOTALS));
        assertThat(c.state()).isEmpty();
        assertThat(c.requestTimeMs()).isEmpty();
        assertThat(c.executionDurationMs()).isEmpty();
        assertThat(c.requestPreview()).isEmpty();
        assertThat(c.tags()).doesNotContainKey("mlflow.traceName").containsEntry("mlflow.trace.spansLocation",
                "TRACKING_STORE");
        assertThat(c.metadata()).containsOnlyKeys("mlflow.trace.session");
    }

    @Test
    void aClientsInfo_winsAndMerges_andAFinishedStateFinalizes() {
        TraceInfo in = new TraceInfo(ID, "7", Optional.of("req-1"), 1000, OptionalLong.of(50), TraceState.OK,
                Optional.of("{\"in\": 1}"), Optional.empty(), Map.of("mlflow.sourceRun", "r1"),
                Map.of("mlflow.artifactLocation", "s3://elsewhere", "env", "prod"));
        TraceUpdate.Changes c = TraceRules.forClientInfo(in).apply(snapshot(true, info(5, Map.of(), Map.of()),
                TraceUpdate.SpanTotals.NONE));
        assertThat(c.requestTimeMs()).contains(1000L);
        assertThat(c.clientRequestId()).contains("req-1");
        assertThat(c.state()).contains(TraceState.OK);
        assertThat(c.executionDurationMs()).hasValue(50);
        assertThat(c.requestPreview()).contains("{\"in\": 1}");
        assertThat(c.responsePreview()).as("kept as stored").isEmpty();
        assertThat(c.tags()).as("the server's location, never the client's (it names whose files GetTrace reads)")
                .containsEntry("mlflow.artifactLocation", "mlflow-artifacts:/7/traces/" + ID + "/artifacts")
                .containsEntry("env", "prod");
        assertThat(c.metadata()).containsEntry("mlflow.sourceRun", "r1").containsEntry("mlflow.trace.infoFinalized",
                "true");
        TraceInfo running = new TraceInfo(ID, "7", Optional.empty(), 1000, OptionalLong.empty(),
                TraceState.IN_PROGRESS, Optional.empty(), Optional.empty(), Map.of(), Map.of());
        TraceUpdate.Changes open = TraceRules.forClientInfo(running).apply(snapshot(true, info(5, Map.of(), Map.of()),
                TraceUpdate.SpanTotals.NONE));
        assertThat(open.metadata()).doesNotContainKey("mlflow.trace.infoFinalized");
        assertThat(open.tags()).containsEntry("mlflow.artifactLocation", "mlflow-artifacts:/7/traces/" + ID
                + "/artifacts");
    }
}
