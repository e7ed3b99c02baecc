package dev.osprey.storetck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.ExperimentQuery;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.ParamConflictException;
import dev.osprey.store.RunQuery;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract every {@link TrackingStore} backend passes. A backend's test extends this class and says how to
 * open a store; tests use unique names so they run against a shared database without clearing it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TrackingStoreTck {
    protected TrackingStore store;
    protected StorageComponent storage;

    /** Opens the store under test (migrated, empty or not). Called once per test class. */
    protected abstract StorageComponent openStorage();

    @BeforeAll
    void open() {
        storage = openStorage();
        store = storage.tracking();
        store.ensureDefaultExperiment("mlflow-artifacts:/0", 1);
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
    }

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    protected String experiment() {
        return store.createExperiment(unique("exp"), Optional.empty(), id -> "mlflow-artifacts:/" + id, List.of(),
                1000);
    }

    protected Run run(String experimentId) {
        return run(experimentId, 1000);
    }

    protected Run run(String experimentId, long startTime) {
        String id = UUID.randomUUID().toString().replace("-", "");
        String name = unique("run");
        return store.createRun(new NewRun(id, experimentId, "alice", name, startTime,
                List.of(new Tag(Run.RUN_NAME_TAG, name))));
    }

    private static ErrorCode codeOf(Throwable t) {
        return ((OspreyException) t).errorCode();
    }

    // ---------------------------------------------------------------- experiments

    @Test
    void defaultExperiment_exists() {
        Experiment e = store.getExperiment("0").orElseThrow();
        assertThat(e.name()).isEqualTo("Default");
        assertThat(e.lifecycleStage()).isEqualTo(LifecycleStage.ACTIVE);
    }

    @Test
    void createExperiment_withTags_roundTrips() {
        String name = unique("exp");
        String id = store.createExperiment(name, Optional.empty(), x -> "root/" + x,
                List.of(new Tag("team", "vision"), new Tag("mlflow.note.content", "notes")), 1234);
        Experiment e = store.getExperiment(id).orElseThrow();
        assertThat(e.name()).isEqualTo(name);
        assertThat(e.artifactLocation()).isEqualTo("root/" + id);
        assertThat(e.creationTime()).isEqualTo(1234);
        assertThat(e.tags()).containsExactlyInAnyOrder(new Tag("team", "vision"), new Tag("mlflow.note.content",
                "notes"));
        assertThat(store.getExperimentByName(name, WorkspaceStore.DEFAULT).orElseThrow().experimentId()).isEqualTo(id);
    }

    @Test
    void createExperiment_explicitLocation_isKeptVerbatim() {
        String id = store.createExperiment(unique("exp"), Optional.of("s3://bucket/path"), x -> "unused",
                List.of(), 1);
        assertThat(store.getExperiment(id).orElseThrow().artifactLocation()).isEqualTo("s3://bucket/path");
    }

    @Test
    void createExperiment_duplicateName_evenWhenDeleted_isAlreadyExists() {
        String name = unique("exp");
        String id = store.createExperiment(name, Optional.empty(), x -> "r/" + x, List.of(), 1);
        store.deleteExperiment(id, 2);
        assertThatThrownBy(() -> store.createExperiment(name, Optional.empty(), x -> "r/" + x, List.of(), 3))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS))
                .hasMessageContaining("already exists");
    }

    @Test
    void names_areCaseSensitive() {
        String name = unique("Exp");
        store.createExperiment(name, Optional.empty(), x -> "r/" + x, List.of(), 1);
        String lower = store.createExperiment(name.toLowerCase(), Optional.empty(), x -> "r/" + x, List.of(), 1);
        assertThat(store.getExperimentByName(name.toLowerCase(), WorkspaceStore.DEFAULT).orElseThrow().experimentId()).isEqualTo(lower);
    }

    @Test
    void getExperiment_unknownOrMalformedId_isEmpty() {
        assertThat(store.getExperiment("987654321")).isEmpty();
        assertThat(store.getExperiment("abc")).isEmpty();
        assertThat(store.getExperimentByName(unique("nope"), WorkspaceStore.DEFAULT)).isEmpty();
    }

    @Test
    void renameExperiment_rules() {
        String id = experiment();
        String other = experiment();
        String newName = unique("renamed");
        store.renameExperiment(id, newName, 5000);
        Experiment e = store.getExperiment(id).orElseThrow();
        assertThat(e.name()).isEqualTo(newName);
        assertThat(e.lastUpdateTime()).isEqualTo(5000);
        String taken = store.getExperiment(other).orElseThrow().name();
        assertThatThrownBy(() -> store.renameExperiment(id, taken, 6000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_ALREADY_EXISTS));
        store.deleteExperiment(id, 7000);
        assertThatThrownBy(() -> store.renameExperiment(id, unique("x"), 8000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_STATE))
                .hasMessage("Cannot rename a non-active experiment.");
        assertThatThrownBy(() -> store.renameExperiment("99999999", unique("x"), 8000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void deleteExperiment_deletesItsRuns_andRestoreBringsBackEveryRun() {
        String id = experiment();
        Run a = run(id);
        Run b = run(id);
        store.deleteRun(b.info().runId(), 10);
        store.deleteExperiment(id, 20);
        assertThat(store.getExperiment(id).orElseThrow().lifecycleStage()).isEqualTo(LifecycleStage.DELETED);
        assertThat(store.getRun(a.info().runId()).orElseThrow().info().lifecycleStage())
                .isEqualTo(LifecycleStage.DELETED);
        assertThatThrownBy(() -> store.deleteExperiment(id, 30))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("No Experiment with id=" + id + " exists");
        store.restoreExperiment(id, 40);
        assertThat(store.getExperiment(id).orElseThrow().lifecycleStage()).isEqualTo(LifecycleStage.ACTIVE);
        assertThat(store.getRun(a.info().runId()).orElseThrow().info().lifecycleStage())
                .isEqualTo(LifecycleStage.ACTIVE);
        // MLflow restores runs that were deleted on their own before the experiment was.
        assertThat(store.getRun(b.info().runId()).orElseThrow().info().lifecycleStage())
                .isEqualTo(LifecycleStage.ACTIVE);
        assertThatThrownBy(() -> store.restoreExperiment(id, 50))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void experimentTags_upsertDeleteAndBumpUpdateTime() {
        String id = experiment();
        store.setExperimentTag(id, new Tag("k", "v1"), 2000);
        store.setExperimentTag(id, new Tag("k", "v2"), 3000);
        Experiment e = store.getExperiment(id).orElseThrow();
        assertThat(e.tags()).containsExactly(new Tag("k", "v2"));
        assertThat(e.lastUpdateTime()).isEqualTo(3000);
        store.deleteExperimentTag(id, "k", 4000);
        assertThat(store.getExperiment(id).orElseThrow().tags()).isEmpty();
        assertThatThrownBy(() -> store.deleteExperimentTag(id, "k", 5000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        store.deleteExperiment(id, 6000);
        assertThatThrownBy(() -> store.setExperimentTag(id, new Tag("k", "v"), 7000))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE))
                .hasMessageContaining("must be in the 'active' state");
    }

    private Page<Experiment> searchExperiments(String filter, List<String> orderBy, ViewType view, int max,
            Optional<String> token) {
        return store.searchExperiments(new ExperimentQuery(EntityGrammar.EXPERIMENTS.parseFilter(filter),
                EntityGrammar.EXPERIMENTS.parseOrderBy(orderBy), view, max, token));
    }

    @Test
    void searchExperiments_filtersOrdersAndPages() {
        String prefix = unique("search");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(store.createExperiment(prefix + "-" + i, Optional.empty(), x -> "r/" + x,
                    List.of(new Tag("parity", i % 2 == 0 ? "even" : "odd")), 100 + i));
        }
        store.deleteExperiment(ids.get(4), 200);
        String like = "name LIKE '" + prefix + "%'";
        assertThat(searchExperiments(like, List.of(), ViewType.ACTIVE_ONLY, 100, Optional.empty()).items())
                .extracting(Experiment::experimentId).containsExactly(ids.get(3), ids.get(2), ids.get(1), ids.get(0));
        assertThat(searchExperiments(like, List.of(), ViewType.DELETED_ONLY, 100, Optional.empty()).items())
                .extracting(Experiment::experimentId).containsExactly(ids.get(4));
        assertThat(searchExperiments(like + " and tags.parity = 'even'", List.of("name ASC"), ViewType.ALL, 100,
                Optional.empty()).items()).extracting(Experiment::experimentId)
                .containsExactly(ids.get(0), ids.get(2), ids.get(4));
        assertThat(searchExperiments("name LIKE '" + prefix.toUpperCase() + "%'", List.of(), ViewType.ALL, 100,
                Optional.empty()).items()).isEmpty();
        assertThat(searchExperiments("name ILIKE '" + prefix.toUpperCase() + "%'", List.of(), ViewType.ALL, 100,
                Optional.empty()).items()).hasSize(5);
        assertThat(searchExperiments(like + " and creation_time >= 102", List.of("experiment_id DESC"),
                ViewType.ACTIVE_ONLY, 100, Optional.empty()).items()).extracting(Experiment::experimentId)
                .containsExactly(ids.get(3), ids.get(2));

        List<String> paged = new ArrayList<>();
        Optional<String> token = Optional.empty();
        int pages = 0;
        do {
            Page<Experiment> page = searchExperiments(like, List.of("name DESC"), ViewType.ALL, 2, token);
            page.items().forEach(e -> paged.add(e.experimentId()));
            token = page.nextPageToken();
            pages++;
        } while (token.isPresent());
        assertThat(pages).isEqualTo(3);
        assertThat(paged).containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0));
    }

    // ---------------------------------------------------------------- runs

    @Test
    void createRun_derivesArtifactUriAndKeepsTags() {
        String exp = experiment();
        Run r = run(exp, 42);
        RunInfo info = r.info();
        assertThat(info.experimentId()).isEqualTo(exp);
        assertThat(info.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(info.startTime()).isEqualTo(42);
        assertThat(info.endTime()).isEmpty();
        assertThat(info.userId()).isEqualTo("alice");
        assertThat(info.artifactUri()).isEqualTo("mlflow-artifacts:/" + exp + "/" + info.runId() + "/artifacts");
        assertThat(r.tags()).contains(new Tag(Run.RUN_NAME_TAG, info.runName()));
    }

    @Test
    void createRun_inDeletedOrUnknownExperiment_fails() {
        String exp = experiment();
        store.deleteExperiment(exp, 1);
        assertThatThrownBy(() -> run(exp))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE))
                .hasMessageContaining("must be in the 'active' state");
        assertThatThrownBy(() -> run("98765432"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void updateRun_setsStatusEndTimeAndName() {
        Run r = run(experiment());
        String id = r.info().runId();
        RunInfo updated = store.updateRun(id, new RunUpdate(Optional.of(RunStatus.FINISHED), OptionalLong.of(99),
                Optional.of("renamed")));
        assertThat(updated.status()).isEqualTo(RunStatus.FINISHED);
        assertThat(updated.endTime()).hasValue(99);
        assertThat(updated.runName()).isEqualTo("renamed");
        assertThat(store.getRun(id).orElseThrow().tags()).contains(new Tag(Run.RUN_NAME_TAG, "renamed"));
        // A finished run still takes writes; only deletion blocks them.
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 1, 1, 0))));
    }

    @Test
    void deleteAndRestoreRun_areIdempotent_andDeletedRunsRefuseWrites() {
        String id = run(experiment()).info().runId();
        store.deleteRun(id, 5);
        store.deleteRun(id, 6);
        assertThat(store.getRun(id).orElseThrow().info().lifecycleStage()).isEqualTo(LifecycleStage.DELETED);
        assertThatThrownBy(() -> store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 1, 1, 0)))))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE))
                .hasMessage("The run " + id + " must be in the 'active' state. Current state is deleted.");
        assertThatThrownBy(() -> store.updateRun(id, new RunUpdate(Optional.empty(), OptionalLong.empty(),
                Optional.empty()))).satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        store.restoreRun(id);
        store.restoreRun(id);
        assertThat(store.getRun(id).orElseThrow().info().lifecycleStage()).isEqualTo(LifecycleStage.ACTIVE);
    }

    @Test
    void unknownRun_isNotFound() {
        assertThat(store.getRun("0123456789abcdef0123456789abcdef")).isEmpty();
        assertThatThrownBy(() -> store.deleteRun("0123456789abcdef0123456789abcdef", 1))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("Run with id=0123456789abcdef0123456789abcdef not found");
        assertThatThrownBy(() -> store.logBatch("0123456789abcdef0123456789abcdef",
                MetricBatch.ofMetrics(List.of(Metric.of("m", 1, 1, 0)))))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
    }

    @Test
    void params_areImmutable_butSameValueReplaysAreFine() {
        String id = run(experiment()).info().runId();
        store.logBatch(id, new MetricBatch(List.of(), List.of(new Param("lr", "0.1")), List.of()));
        store.logBatch(id, new MetricBatch(List.of(), List.of(new Param("lr", "0.1")), List.of()));
        assertThatThrownBy(() -> store.logBatch(id, new MetricBatch(List.of(), List.of(new Param("lr", "0.2")),
                List.of())))
                .isInstanceOf(ParamConflictException.class)
                .hasMessageStartingWith("Changing param values is not allowed. Params were already logged=")
                .hasMessageContaining("'old_value': '0.1'").hasMessageContaining("'new_value': '0.2'");
        assertThat(store.getRun(id).orElseThrow().params()).containsExactly(new Param("lr", "0.1"));
    }

    @Test
    void rejectedBatch_writesNothing() {
        String id = run(experiment()).info().runId();
        store.logBatch(id, new MetricBatch(List.of(), List.of(new Param("p", "a")), List.of()));
        assertThatThrownBy(() -> store.logBatch(id, new MetricBatch(List.of(Metric.of("m", 1, 1, 0)),
                List.of(new Param("q", "new"), new Param("p", "b")), List.of(new Tag("t", "v")))))
                .isInstanceOf(ParamConflictException.class);
        Run r = store.getRun(id).orElseThrow();
        assertThat(r.metrics()).isEmpty();
        assertThat(r.params()).containsExactly(new Param("p", "a"));
        assertThat(r.tags()).extracting(Tag::key).doesNotContain("t");
        assertThat(store.getMetricHistory(id, "m", OptionalInt.empty(), Optional.empty()).items()).isEmpty();
    }

    @Test
    void tags_upsert_runNameTagRenames_andDeleteMissingIsNotFound() {
        String id = run(experiment()).info().runId();
        store.logBatch(id, new MetricBatch(List.of(), List.of(), List.of(new Tag("a", "1"), new Tag("a", "2"))));
        store.logBatch(id, new MetricBatch(List.of(), List.of(), List.of(new Tag(Run.RUN_NAME_TAG, "fresh"))));
        Run r = store.getRun(id).orElseThrow();
        assertThat(r.tags()).contains(new Tag("a", "2"), new Tag(Run.RUN_NAME_TAG, "fresh"));
        assertThat(r.info().runName()).isEqualTo("fresh");
        store.deleteTag(id, "a");
        assertThat(store.getRun(id).orElseThrow().tags()).extracting(Tag::key).doesNotContain("a");
        assertThatThrownBy(() -> store.deleteTag(id, "a"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("No tag with name: a in run with id " + id);
    }

    // ---------------------------------------------------------------- metrics

    @Test
    void history_isOrderedByTimestampStepValue_andDropsExactDuplicates() {
        String id = run(experiment()).info().runId();
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("loss", 1, 20, 4), Metric.of("loss", 2, 10, 7),
                Metric.of("loss", 3, 5, 9), Metric.of("loss", 4, 10, 2), Metric.of("loss", 4, 10, 2))));
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("loss", 4, 10, 2))));
        List<Metric> history = store.getMetricHistory(id, "loss", OptionalInt.empty(), Optional.empty()).items();
        assertThat(history).extracting(Metric::step).containsExactly(9L, 2L, 7L, 4L);
        assertThat(store.getMetricHistory(id, "other", OptionalInt.empty(), Optional.empty()).items()).isEmpty();
        assertThat(store.getMetricHistory("ffffffffffffffffffffffffffffffff", "loss", OptionalInt.empty(),
                Optional.empty()).items()).isEmpty();
    }

    @Test
    void history_pagesWithTokenOnlyWhenMorePointsExist() {
        String id = run(experiment()).info().runId();
        List<Metric> points = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            points.add(Metric.of("m", i, 100 + i, i));
        }
        store.logBatch(id, MetricBatch.ofMetrics(points));
        Page<Metric> first = store.getMetricHistory(id, "m", OptionalInt.of(4), Optional.empty());
        assertThat(first.items()).extracting(Metric::step).containsExactly(0L, 1L, 2L, 3L);
        Page<Metric> second = store.getMetricHistory(id, "m", OptionalInt.of(4), first.nextPageToken());
        Page<Metric> third = store.getMetricHistory(id, "m", OptionalInt.of(4), second.nextPageToken());
        assertThat(third.items()).extracting(Metric::step).containsExactly(8L, 9L);
        assertThat(third.nextPageToken()).isEmpty();
        Page<Metric> exact = store.getMetricHistory(id, "m", OptionalInt.of(10), Optional.empty());
        assertThat(exact.items()).hasSize(10);
        assertThat(exact.nextPageToken()).isEmpty();
    }

    @Test
    void latestMetric_followsStepThenTimestampThenValue_andNanSurvives() {
        String id = run(experiment()).info().runId();
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 5, 100, 3))));
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 9, 500, 2))));
        assertThat(latest(id, "m").value()).isEqualTo(5);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 1, 50, 4))));
        assertThat(latest(id, "m").value()).isEqualTo(1);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 0.5, 60, 4))));
        assertThat(latest(id, "m").value()).isEqualTo(0.5);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 0.7, 60, 4))));
        assertThat(latest(id, "m").value()).isEqualTo(0.7);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", 0.6, 60, 4))));
        Metric kept = latest(id, "m");
        assertThat(kept.value()).isEqualTo(0.7);
        assertThat(kept.timestamp()).isEqualTo(60);
        assertThat(kept.step()).isEqualTo(4);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("m", -3, 10, 4))));
        assertThat(latest(id, "m").value()).isEqualTo(0.7);
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("n", Double.NaN, 1, 0))));
        assertThat(latest(id, "n").value()).isNaN();
        assertThat(store.getMetricHistory(id, "n", OptionalInt.empty(), Optional.empty()).items().get(0).value())
                .isNaN();
        store.logBatch(id, MetricBatch.ofMetrics(List.of(Metric.of("big", Double.MAX_VALUE, 1, 0))));
        assertThat(latest(id, "big").value()).isEqualTo(Double.MAX_VALUE);
    }

    private Metric latest(String runId, String key) {
        return store.getRun(runId).orElseThrow().metrics().stream().filter(m -> m.key().equals(key)).findFirst()
                .orElseThrow();
    }

    @Test
    void concurrentBatches_keepEveryPointExactlyOnce() throws Exception {
        String id = run(experiment()).info().runId();
        int writers = 8;
        int batches = 10;
        int perBatch = 100;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int b = 0; b < batches; b++) {
                        List<Metric> points = new ArrayList<>();
                        for (int i = 0; i < perBatch; i++) {
                            long step = ((long) writer * batches + b) * perBatch + i;
                            points.add(Metric.of("acc", step * 0.5, 1000 + step, step));
                        }
                        store.logBatch(id, MetricBatch.ofMetrics(points));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Metric> history = store.getMetricHistory(id, "acc", OptionalInt.empty(), Optional.empty()).items();
        assertThat(history).hasSize(writers * batches * perBatch);
        assertThat(history.stream().map(Metric::step).distinct().count()).isEqualTo(writers * batches * perBatch);
        assertThat(latest(id, "acc").step()).isEqualTo((long) writers * batches * perBatch - 1);
    }

    @Test
    void bulkInterval_samplesStepsAndKeepsExtremes() {
        String exp = experiment();
        String a = run(exp).info().runId();
        String b = run(exp).info().runId();
        List<Metric> pa = new ArrayList<>();
        for (int s = 0; s < 100; s++) {
            pa.add(Metric.of("loss", s, 1000 + s, s));
        }
        store.logBatch(a, MetricBatch.ofMetrics(pa));
        store.logBatch(b, MetricBatch.ofMetrics(List.of(Metric.of("loss", 7, 1, 3), Metric.of("loss", 8, 2, 57))));
        List<Metric> all = store.getMetricHistoryBulkInterval(new BulkIntervalQuery(List.of(a, b), "loss",
                OptionalLong.empty(), OptionalLong.empty(), 2500));
        assertThat(all).hasSize(102);
        assertThat(all.get(0).runId()).hasValue(a);
        assertThat(all.get(101).runId()).hasValue(b);
        List<Metric> sampled = store.getMetricHistoryBulkInterval(new BulkIntervalQuery(List.of(a, b), "loss",
                OptionalLong.empty(), OptionalLong.empty(), 10));
        List<Long> stepsOfA = sampled.stream().filter(m -> m.runId().orElseThrow().equals(a)).map(Metric::step)
                .toList();
        assertThat(stepsOfA).contains(0L, 99L, 3L, 57L).hasSizeLessThanOrEqualTo(14);
        assertThat(stepsOfA).isSorted();
        List<Metric> ranged = store.getMetricHistoryBulkInterval(new BulkIntervalQuery(List.of(a), "loss",
                OptionalLong.of(10), OptionalLong.of(20), 2500));
        assertThat(ranged).extracting(Metric::step).containsExactly(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L,
                20L);
    }

    // ---------------------------------------------------------------- inputs and outputs

    @Test
    void inputs_deduplicateDatasets_andKeepTagsAndModels() {
        String exp = experiment();
        String id = run(exp).info().runId();
        Dataset d = new Dataset("train", "abc123", "local", "{\"uri\": \"/data\"}", Optional.of("{}"),
                Optional.empty());
        DatasetInput in = new DatasetInput(List.of(new Tag(DatasetInput.CONTEXT_TAG, "training")), d);
        store.logInputs(id, List.of(in), List.of(new ModelInput("m-1")));
        store.logInputs(id, List.of(in), List.of(new ModelInput("m-1")));
        store.logOutputs(id, List.of(new ModelOutput("m-2", 5)));
        Run r = store.getRun(id).orElseThrow();
        assertThat(r.datasetInputs()).containsExactly(in);
        assertThat(r.modelInputs()).containsExactly(new ModelInput("m-1"));
        assertThat(r.modelOutputs()).containsExactly(new ModelOutput("m-2", 5));
        String other = run(exp).info().runId();
        store.logInputs(other, List.of(new DatasetInput(List.of(new Tag(DatasetInput.CONTEXT_TAG, "eval")), d)),
                List.of());
        assertThat(searchRunIds(List.of(exp), "datasets.context = 'eval'", List.of())).containsExactly(other);
        assertThat(searchRunIds(List.of(exp), "datasets.name = 'train'", List.of())).containsExactlyInAnyOrder(id,
                other);
        assertThat(searchRunIds(List.of(exp), "datasets.digest IN ('zzz', 'abc123') and datasets.context = "
                + "'training'", List.of())).containsExactly(id);
        String bare = run(exp).info().runId();
        store.logInputs(bare, List.of(new DatasetInput(List.of(), new Dataset("holdout", "def456", "local",
                "{}", Optional.empty(), Optional.empty()))), List.of());
        assertThat(store.datasetSummaries(List.of(exp, experiment(), "not-a-number"), 1000)).containsExactly(
                new TrackingStore.DatasetSummary(exp, "holdout", "def456", Optional.empty()),
                new TrackingStore.DatasetSummary(exp, "train", "abc123", Optional.of("eval")),
                new TrackingStore.DatasetSummary(exp, "train", "abc123", Optional.of("training")));
        assertThat(store.datasetSummaries(List.of(exp), 1)).as("limited").hasSize(1);
    }

    // ---------------------------------------------------------------- search runs

    private List<String> searchRunIds(List<String> experimentIds, String filter, List<String> orderBy) {
        return searchRuns(experimentIds, filter, orderBy, ViewType.ACTIVE_ONLY, 1000, Optional.empty()).items()
                .stream().map(r -> r.info().runId()).toList();
    }

    private Page<Run> searchRuns(List<String> experimentIds, String filter, List<String> orderBy, ViewType view,
            int max, Optional<String> token) {
        return store.searchRuns(new RunQuery(experimentIds, EntityGrammar.RUNS.parseFilter(filter),
                EntityGrammar.RUNS.parseOrderBy(orderBy), view, max, token));
    }

    @Test
    void searchRuns_filtersOnMetricsParamsTagsAndAttributes() {
        String exp = experiment();
        Run a = run(exp, 100);
        Run b = run(exp, 200);
        Run c = run(exp, 300);
        store.logBatch(a.info().runId(), new MetricBatch(List.of(Metric.of("rmse", 0.3, 1, 0)),
                List.of(new Param("model", "LogisticRegression")), List.of(new Tag("team", "Vision"))));
        store.logBatch(b.info().runId(), new MetricBatch(List.of(Metric.of("rmse", 0.9, 1, 0)),
                List.of(new Param("model", "Tree")), List.of(new Tag("team", "vision"))));
        store.updateRun(c.info().runId(), new RunUpdate(Optional.of(RunStatus.FINISHED), OptionalLong.of(400),
                Optional.empty()));
        String ia = a.info().runId();
        String ib = b.info().runId();
        String ic = c.info().runId();
        assertThat(searchRunIds(List.of(exp), "metrics.rmse < 0.5", List.of())).containsExactly(ia);
        assertThat(searchRunIds(List.of(exp), "metrics.rmse >= 0.3 and params.model = 'Tree'", List.of()))
                .containsExactly(ib);
        assertThat(searchRunIds(List.of(exp), "params.model != 'Tree'", List.of())).containsExactly(ia);
        assertThat(searchRunIds(List.of(exp), "tags.team LIKE 'v%'", List.of())).containsExactly(ib);
        assertThat(searchRunIds(List.of(exp), "tags.team ILIKE 'v%'", List.of())).containsExactly(ib, ia);
        assertThat(searchRunIds(List.of(exp), "attributes.status = 'FINISHED'", List.of())).containsExactly(ic);
        assertThat(searchRunIds(List.of(exp), "attributes.end_time = 400", List.of())).containsExactly(ic);
        assertThat(searchRunIds(List.of(exp), "attributes.start_time > 150", List.of())).containsExactly(ic, ib);
        assertThat(searchRunIds(List.of(exp), "run_id IN ('" + ia + "', '" + ic + "')", List.of()))
                .containsExactly(ic, ia);
        assertThat(searchRunIds(List.of(exp), "attributes.run_id NOT IN ('" + ia + "')", List.of()))
                .containsExactly(ic, ib);
        assertThat(searchRunIds(List.of(exp), "attributes.run_name = '" + b.info().runName() + "'", List.of()))
                .containsExactly(ib);
        assertThat(searchRunIds(List.of(exp), "tags.\"mlflow.runName\" = '" + a.info().runName() + "'", List.of()))
                .containsExactly(ia);
        assertThat(searchRunIds(List.of(exp), "attributes.user_id = 'alice' and metrics.rmse = 0.9", List.of()))
                .containsExactly(ib);
        assertThat(searchRunIds(List.of(exp), "params.model LIKE '%Regression'", List.of())).containsExactly(ia);
    }

    @Test
    void searchRuns_orderPutsMissingKeysLastInBothDirections() {
        String exp = experiment();
        String x = run(exp, 1).info().runId();
        String y = run(exp, 2).info().runId();
        String z = run(exp, 3).info().runId();
        String n = run(exp, 4).info().runId();
        store.logBatch(x, MetricBatch.ofMetrics(List.of(Metric.of("acc", 0.1, 1, 0))));
        store.logBatch(y, MetricBatch.ofMetrics(List.of(Metric.of("acc", 0.9, 1, 0))));
        store.logBatch(n, MetricBatch.ofMetrics(List.of(Metric.of("acc", Double.NaN, 1, 0))));
        assertThat(searchRunIds(List.of(exp), "", List.of("metrics.acc DESC"))).containsExactly(y, x, n, z);
        assertThat(searchRunIds(List.of(exp), "", List.of("metrics.acc ASC"))).containsExactly(x, y, n, z);
        assertThat(searchRunIds(List.of(exp), "", List.of())).containsExactly(n, z, y, x);
        assertThat(searchRunIds(List.of(exp), "", List.of("attributes.start_time ASC"))).containsExactly(x, y, z, n);
        store.logBatch(z, new MetricBatch(List.of(), List.of(new Param("opt", "adam")), List.of()));
        store.logBatch(x, new MetricBatch(List.of(), List.of(new Param("opt", "sgd")), List.of()));
        assertThat(searchRunIds(List.of(exp), "", List.of("params.opt DESC"))).containsExactly(x, z, n, y);
    }

    @Test
    void searchRuns_pagesThroughManyRuns_andHonoursViewType() {
        String exp = experiment();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            ids.add(run(exp, 10_000 - i).info().runId());
        }
        store.deleteRun(ids.get(26), 1);
        List<String> seen = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Page<Run> page = searchRuns(List.of(exp), "", List.of(), ViewType.ACTIVE_ONLY, 5, token);
            assertThat(page.items().size()).isLessThanOrEqualTo(5);
            page.items().forEach(r -> seen.add(r.info().runId()));
            token = page.nextPageToken();
        } while (token.isPresent());
        assertThat(seen).containsExactlyElementsOf(ids.subList(0, 26));
        assertThat(searchRuns(List.of(exp), "", List.of(), ViewType.DELETED_ONLY, 100, Optional.empty()).items())
                .extracting(r -> r.info().runId()).containsExactly(ids.get(26));
        assertThat(searchRuns(List.of(exp), "", List.of(), ViewType.ALL, 100, Optional.empty()).items()).hasSize(27);
        assertThat(searchRuns(List.of("987654321"), "", List.of(), ViewType.ALL, 100, Optional.empty()).items())
                .isEmpty();
    }

    @Test
    void searchRuns_spansSeveralExperiments_andReturnsWholeRuns() {
        String e1 = experiment();
        String e2 = experiment();
        String a = run(e1, 1).info().runId();
        String b = run(e2, 2).info().runId();
        store.logBatch(a, new MetricBatch(List.of(Metric.of("m", 1, 1, 0)), List.of(new Param("p", "v")),
                List.of(new Tag("t", "v"))));
        List<Run> runs = searchRuns(List.of(e1, e2), "", List.of(), ViewType.ALL, 10, Optional.empty()).items();
        assertThat(runs).extracting(r -> r.info().runId()).containsExactly(b, a);
        Run full = runs.get(1);
        assertThat(full.metrics()).extracting(Metric::key).containsExactly("m");
        assertThat(full.params()).containsExactly(new Param("p", "v"));
        assertThat(full.tags()).contains(new Tag("t", "v"));
    }

    @Test
    void searchRuns_literalValuesNeverBecomeSql() {
        String exp = experiment();
        String a = run(exp).info().runId();
        store.logBatch(a, new MetricBatch(List.of(), List.of(new Param("p", "x' OR '1'='1")), List.of()));
        assertThat(searchRunIds(List.of(exp), "params.p = 'x'' OR ''1''=''1'", List.of())).containsExactly(a);
        assertThat(searchRunIds(List.of(exp), "params.p = 'x'", List.of())).isEmpty();
        assertThat(searchRunIds(List.of(exp), "params.`p; DROP TABLE runs` = 'x'", List.of())).isEmpty();
        assertThat(store.getRun(a)).isPresent();
    }

    // ---------------------------------------------------------------- garbage collection

    @Test
    void purgeRun_removesADeletedRunAndEverythingLoggedToIt() {
        String exp = experiment();
        String gone = run(exp).info().runId();
        String kept = run(exp).info().runId();
        store.logBatch(gone, new MetricBatch(List.of(Metric.of("loss", 0.5, 1, 0)), List.of(new Param("lr", "0.1")),
                List.of(new Tag("t", "v"))));
        store.deleteRun(gone, 5000);
        assertThat(store.deletedRuns(5001, List.of(exp))).extracting(d -> d.id(), d -> d.deletedAt())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(gone, 5000L));
        assertThat(store.deletedRuns(5000, List.of(exp))).as("strictly older").isEmpty();
        assertThat(store.deletedRuns(5001, List.of(exp)).get(0).artifactLocation())
                .isEqualTo(store.getRun(gone).orElseThrow().info().artifactUri());

        assertThatThrownBy(() -> store.purgeRun(kept))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        assertThatThrownBy(() -> store.purgeRun("ffffffffffffffffffffffffffffffff"))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        store.purgeRun(gone);
        assertThat(store.getRun(gone)).isEmpty();
        assertThat(store.getMetricHistory(gone, "loss", OptionalInt.empty(), Optional.empty()).items()).isEmpty();
        assertThat(store.deletedRuns(Long.MAX_VALUE, List.of(exp))).isEmpty();
        assertThat(store.getRun(kept)).isPresent();
    }

    @Test
    void purgeExperiment_removesItWithAllItsRuns_andFreesItsName() {
        String name = unique("purged");
        String exp = store.createExperiment(name, Optional.empty(), id -> "mlflow-artifacts:/" + id,
                List.of(new Tag("team", "x")), 1000);
        String runId = run(exp).info().runId();
        store.logBatch(runId, MetricBatch.ofMetrics(List.of(Metric.of("m", 1, 1, 0))));
        String active = experiment();
        assertThatThrownBy(() -> store.purgeExperiment(active))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        store.deleteExperiment(exp, 7000);
        assertThat(store.deletedExperiments(7001, List.of(exp, active))).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(exp);
            assertThat(d.artifactLocation()).isEqualTo("mlflow-artifacts:/" + exp);
        });
        assertThat(store.deletedExperiments(7000, List.of(exp))).isEmpty();
        assertThat(store.deletedRuns(7001, List.of(exp))).extracting(d -> d.id()).containsExactly(runId);

        store.purgeExperiment(exp);
        assertThat(store.getExperiment(exp)).isEmpty();
        assertThat(store.getRun(runId)).isEmpty();
        assertThatThrownBy(() -> store.purgeExperiment(exp))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST));
        assertThat(store.createExperiment(name, Optional.empty(), id -> "r/" + id, List.of(), 8000)).isNotEqualTo(exp);
    }

    // ---------------------------------------------------------------- logged models

    private dev.osprey.core.LoggedModel loggedModel(String experimentId, String name, long now, Param... params) {
        return storage.loggedModels().create(new dev.osprey.store.NewLoggedModel("m-" + UUID.randomUUID().toString()
                .replace("-", ""), experimentId, name, Optional.of("agent"), Optional.empty(), List.of(params),
                List.of(new Tag("flavor", "pyfunc")), now));
    }

    @Test
    void loggedModels_lifecycleParamsTagsAndMetrics() {
        String exp = experiment();
        dev.osprey.store.LoggedModelStore models = storage.loggedModels();
        dev.osprey.core.LoggedModel m = loggedModel(exp, "model-a", 1000, new Param("lr", "0.1"));
        assertThat(m.status()).isEqualTo(dev.osprey.core.LoggedModelStatus.LOGGED_MODEL_PENDING);
        assertThat(m.artifactUri()).isEqualTo("mlflow-artifacts:/" + exp + "/models/" + m.modelId() + "/artifacts");
        assertThat(m.params()).containsExactly(new Param("lr", "0.1"));
        assertThat(m.tags()).containsExactly(new Tag("flavor", "pyfunc"));

        models.logParams(m.modelId(), List.of(new Param("lr", "0.1"), new Param("layers", "3")));
        assertThatThrownBy(() -> models.logParams(m.modelId(), List.of(new Param("lr", "0.2"))))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
        models.setTags(m.modelId(), List.of(new Tag("flavor", "sklearn"), new Tag("owner", "me")), 1100);
        models.deleteTag(m.modelId(), "owner");
        models.deleteTag(m.modelId(), "never");
        String runId = run(exp).info().runId();
        store.logBatch(runId, MetricBatch.ofMetrics(List.of(new Metric("acc", 0.9, 5, 0, Optional.of("eval"),
                Optional.of("d1"), Optional.of(m.modelId()), Optional.empty()))));
        dev.osprey.core.LoggedModel ready = models.finalizeModel(m.modelId(),
                dev.osprey.core.LoggedModelStatus.LOGGED_MODEL_READY, 1200);
        assertThat(ready.status()).isEqualTo(dev.osprey.core.LoggedModelStatus.LOGGED_MODEL_READY);
        assertThat(ready.params()).extracting(Param::key).containsExactly("layers", "lr");
        assertThat(ready.tags()).containsExactly(new Tag("flavor", "sklearn"));
        assertThat(ready.metrics()).singleElement().satisfies(point -> {
            assertThat(point.value()).isEqualTo(0.9);
            assertThat(point.runId()).contains(runId);
            assertThat(point.datasetName()).contains("eval");
        });
        assertThat(ready.lastUpdatedTimestamp()).isEqualTo(1200);

        models.delete(m.modelId(), 1300);
        assertThat(models.get(m.modelId(), false)).isEmpty();
        assertThat(models.get(m.modelId(), true)).isPresent();
        assertThatThrownBy(() -> models.setTags(m.modelId(), List.of(new Tag("a", "b")), 1400))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.RESOURCE_DOES_NOT_EXIST))
                .hasMessage("Logged model with ID '" + m.modelId() + "' not found.");
        store.deleteExperiment(exp, 2000);
        assertThatThrownBy(() -> loggedModel(exp, "late", 2100))
                .satisfies(t -> assertThat(codeOf(t)).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE));
    }

    @Test
    void loggedModels_searchFiltersOrdersAndPages() {
        String exp = experiment();
        dev.osprey.store.LoggedModelStore models = storage.loggedModels();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            dev.osprey.core.LoggedModel m = loggedModel(exp, "model-" + i, 1000 + i, new Param("depth", "d" + i % 2));
            ids.add(m.modelId());
            String runId = run(exp).info().runId();
            store.logBatch(runId, MetricBatch.ofMetrics(List.of(new Metric("acc", i / 10.0, 1, 0, Optional.of("eval"),
                    Optional.empty(), Optional.of(m.modelId()), Optional.empty()))));
        }
        models.finalizeModel(ids.get(4), dev.osprey.core.LoggedModelStatus.LOGGED_MODEL_READY, 2000);
        models.delete(ids.get(0), 2001);
        var grammar = dev.osprey.search.EntityGrammar.LOGGED_MODELS;
        java.util.function.BiFunction<String, List<dev.osprey.store.LoggedModelQuery.Order>, List<String>> search =
                (filter, order) -> models.search(new dev.osprey.store.LoggedModelQuery(List.of(exp),
                        grammar.parseFilter(filter), List.of(), order, 50, Optional.empty())).items().stream()
                        .map(dev.osprey.core.LoggedModel::modelId).toList();
        assertThat(search.apply("", List.of())).as("newest first, deleted hidden")
                .containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1));
        assertThat(search.apply("metrics.acc >= 0.2 AND params.depth = 'd0'", List.of()))
                .containsExactly(ids.get(4), ids.get(2));
        assertThat(search.apply("status = 'READY'", List.of())).containsExactly(ids.get(4));
        assertThat(search.apply("name LIKE 'model-%' AND creation_time < 1003", List.of()))
                .containsExactly(ids.get(2), ids.get(1));
        assertThat(search.apply("", List.of(new dev.osprey.store.LoggedModelQuery.Order("", Optional.of("acc"), true,
                Optional.empty())))).containsExactly(ids.get(1), ids.get(2), ids.get(3), ids.get(4));
        var page = models.search(new dev.osprey.store.LoggedModelQuery(List.of(exp), List.of(), List.of(),
                List.of(), 3, Optional.empty()));
        assertThat(page.items()).hasSize(3);
        assertThat(models.search(new dev.osprey.store.LoggedModelQuery(List.of(exp), List.of(), List.of(), List.of(),
                3, page.nextPageToken())).items()).extracting(dev.osprey.core.LoggedModel::modelId)
                .containsExactly(ids.get(1));
    }
}
