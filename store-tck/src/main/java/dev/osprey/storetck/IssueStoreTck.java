package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.Assessment;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.store.IssueStore;
import dev.osprey.store.IssueStore.Issue;
import dev.osprey.store.IssueStore.Match;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TraceStore;
import dev.osprey.store.TraceUpdate;
import dev.osprey.store.TrackingStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The contract every {@link IssueStore} passes, per backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class IssueStoreTck {
    private StorageComponent storage;
    private TrackingStore store;
    private TraceStore traces;
    private IssueStore issues;

    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        traces = storage.traces();
        issues = storage.issues();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    private String experiment() {
        return store.createExperiment("issues-" + UUID.randomUUID(), Optional.empty(), id -> "file:///tmp/i/" + id,
                List.of(), 1);
    }

    private static Issue issue(String experimentId, String status, String severity, String sourceRun, long created) {
        return new Issue("iss-" + UUID.randomUUID().toString().replace("-", ""), experimentId, "Slow answers",
                "Answers take long", status, Optional.ofNullable(severity), List.of("cold cache", "a:b"),
                Optional.ofNullable(sourceRun), List.of("latency"), Optional.of("alice"), created, created);
    }

    private String trace(String experimentId) {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        traces.logSpans(experimentId, id, List.of(new SpanRecord(id, "s1", Optional.empty(), "root", Optional.empty(),
                "OK", 1_000_000, OptionalLong.of(2_000_000), Optional.empty(), Optional.empty(), "{}")),
                s -> TraceUpdate.Changes.NONE, 1);
        return id;
    }

    /** An issue assessment as the server writes it: compact JSON naming the issue. */
    private void link(String traceId, String issueId, String assessmentId) {
        traces.createAssessment(new Assessment(assessmentId, traceId, Optional.empty(), true, 1, 1,
                "{\"assessment_name\":\"" + issueId + "\",\"trace_id\":\"" + traceId + "\",\"issue\":{\"issue_name\":"
                        + "\"Slow answers\"},\"source\":{\"source_type\":\"HUMAN\",\"source_id\":\"bob\"}}"));
    }

    @Test
    void createGetUpdate_keepEveryField() {
        Issue created = issue(experiment(), "pending", "high", "run-1", 10);
        issues.create(created);
        assertThat(issues.get(created.issueId())).contains(created);
        assertThat(issues.get("iss-missing")).isEmpty();

        Issue changed = new Issue(created.issueId(), created.experimentId(), "Very slow", "Worse", "resolved",
                Optional.empty(), created.rootCauses(), created.sourceRunId(), created.categories(),
                created.createdBy(), created.createdTimestamp(), 20);
        Issue updated = issues.update(changed);
        assertThat(updated).isEqualTo(changed);
        assertThat(updated.rootCauses()).containsExactly("cold cache", "a:b");
        assertThatThrownBy(() -> issues.update(issue(created.experimentId(), "pending", null, null, 1)))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThatThrownBy(() -> issues.create(issue("987654321", "pending", null, null, 1)))
                .isInstanceOfSatisfying(OspreyException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void list_filtersByExperimentStatusAndSourceRun() {
        String exp = experiment();
        Issue pending = issue(exp, "pending", null, "run-1", 1);
        Issue resolved = issue(exp, "resolved", "low", "run-2", 2);
        Issue noRun = issue(exp, "pending", null, null, 3);
        Issue elsewhere = issue(experiment(), "pending", null, "run-1", 4);
        List.of(pending, resolved, noRun, elsewhere).forEach(issues::create);
        Optional<String> in = Optional.of(exp);
        assertThat(issues.list(in, Optional.empty(), Optional.empty())).extracting(Issue::issueId)
                .containsExactlyInAnyOrder(pending.issueId(), resolved.issueId(), noRun.issueId());
        assertThat(issues.list(in, Optional.of(new Match(true, "pending")), Optional.empty()))
                .extracting(Issue::issueId).containsExactlyInAnyOrder(pending.issueId(), noRun.issueId());
        assertThat(issues.list(in, Optional.of(new Match(false, "pending")), Optional.empty()))
                .extracting(Issue::issueId).containsExactly(resolved.issueId());
        assertThat(issues.list(in, Optional.empty(), Optional.of(new Match(false, "run-1"))))
                .as("no source run matches neither = nor !=").extracting(Issue::issueId)
                .containsExactly(resolved.issueId());
        assertThat(issues.list(Optional.empty(), Optional.empty(), Optional.of(new Match(true, "run-1"))))
                .extracting(Issue::issueId).contains(pending.issueId(), elsewhere.issueId());
    }

    @Test
    void traceCounts_countDistinctTracesWithAValidIssueAssessment() {
        String exp = experiment();
        Issue slow = issue(exp, "pending", null, null, 1);
        Issue other = issue(exp, "pending", null, null, 2);
        issues.create(slow);
        issues.create(other);
        String t1 = trace(exp);
        String t2 = trace(exp);
        link(t1, slow.issueId(), "a-1" + t1);
        link(t1, slow.issueId(), "a-2" + t1);
        link(t2, slow.issueId(), "a-3" + t2);
        traces.createAssessment(new Assessment("a-4" + t2, t2, Optional.empty(), true, 1, 1,
                "{\"assessment_name\":\"" + other.issueId() + "\",\"feedback\":{\"value\":true}}"));
        assertThat(issues.traceCounts(List.of(slow.issueId(), other.issueId())))
                .isEqualTo(Map.of(slow.issueId(), 2L, other.issueId(), 0L));

        store.deleteExperiment(exp, 5);
        store.purgeExperiment(exp);
        assertThat(issues.get(slow.issueId())).as("purged with its experiment").isEmpty();
    }
}
