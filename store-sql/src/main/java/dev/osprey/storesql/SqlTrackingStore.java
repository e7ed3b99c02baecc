package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Page;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.Tag;
import dev.osprey.store.DeletedItem;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.ExperimentQuery;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.PageTokens;
import dev.osprey.store.RunQuery;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.LongFunction;

/** {@link TrackingStore} on SQLite, PostgreSQL or MySQL/MariaDB. Each method is one transaction. */
public final class SqlTrackingStore implements TrackingStore {
    private final Database db;
    private final ExperimentsSql experiments;
    private final RunsSql runs;
    private final MetricsSql metrics;
    private final InputsSql inputs;
    private final BulkIntervalSql bulkInterval = new BulkIntervalSql();
    private final PurgeSql purge;

    SqlTrackingStore(Database db, ExperimentsSql experiments, PurgeSql purge) {
        this.db = db;
        this.experiments = experiments;
        this.runs = new RunsSql(db.dialect(), experiments);
        this.metrics = new MetricsSql(db.dialect());
        this.inputs = new InputsSql(db.dialect());
        this.purge = purge;
    }

    @Override
    public void ensureDefaultExperiment(String artifactLocation, long now) {
        db.update(c -> experiments.ensureDefault(c, artifactLocation, now));
    }

    @Override
    public String createExperiment(String name, Optional<String> artifactLocation,
            LongFunction<String> defaultLocation, List<Tag> tags, long now, String workspace) {
        return db.write(c -> experiments.create(c, name, artifactLocation, defaultLocation, tags, now, workspace));
    }

    @Override
    public Optional<Experiment> getExperiment(String experimentId) {
        return db.read(c -> experiments.get(c, experimentId));
    }

    @Override
    public Optional<Experiment> getExperimentByName(String name, String workspace) {
        return db.read(c -> experiments.getByName(c, name, workspace));
    }

    @Override
    public Page<Experiment> searchExperiments(ExperimentQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<Long> ids = ExperimentSearchSql.pageOfIds(c, db.dialect(), q, offset, q.maxResults() + 1);
            boolean more = ids.size() > q.maxResults();
            List<Long> page = more ? ids.subList(0, q.maxResults()) : ids;
            List<Experiment> loaded = page.isEmpty() ? List.of()
                    : experiments.load(c, "experiment_id IN (" + Jdbc.marks(page.size()) + ")", page.toArray());
            List<Experiment> ordered = new ArrayList<>(page.size());
            for (Long id : page) {
                String key = Long.toString(id);
                loaded.stream().filter(e -> e.experimentId().equals(key)).findFirst().ifPresent(ordered::add);
            }
            return new Page<>(ordered, more ? Optional.of(PageTokens.offset((long) offset + page.size()))
                    : Optional.empty());
        });
    }

    @Override
    public void renameExperiment(String experimentId, String newName, long now) {
        db.update(c -> experiments.rename(c, experimentId, newName, now));
    }

    @Override
    public void deleteExperiment(String experimentId, long now) {
        db.update(c -> experiments.setStage(c, experimentId, LifecycleStage.ACTIVE, LifecycleStage.DELETED, now));
    }

    @Override
    public void restoreExperiment(String experimentId, long now) {
        db.update(c -> experiments.setStage(c, experimentId, LifecycleStage.DELETED, LifecycleStage.ACTIVE, now));
    }

    @Override
    public void setExperimentTag(String experimentId, Tag tag, long now) {
        db.update(c -> experiments.setTag(c, experimentId, tag, now));
    }

    @Override
    public void deleteExperimentTag(String experimentId, String key, long now) {
        db.update(c -> experiments.deleteTag(c, experimentId, key, now));
    }

    @Override
    public Run createRun(NewRun run) {
        db.update(c -> runs.create(c, run));
        return getRun(run.runId()).orElseThrow(() -> StoreErrors.runNotFound(run.runId()));
    }

    @Override
    public Optional<Run> getRun(String runId) {
        return db.read(c -> RunLoader.load(c, List.of(runId)).stream().findFirst());
    }

    @Override
    public RunInfo updateRun(String runId, RunUpdate update) {
        return db.write(c -> runs.update(c, runId, update));
    }

    @Override
    public void deleteRun(String runId, long now) {
        db.update(c -> runs.setStage(c, runId, LifecycleStage.DELETED, now));
    }

    @Override
    public void restoreRun(String runId) {
        db.update(c -> runs.setStage(c, runId, LifecycleStage.ACTIVE, 0));
    }

    @Override
    public void logBatch(String runId, MetricBatch batch) {
        if (db.dialect() == SqlDialect.POSTGRES) {
            db.update(c -> PostgresLogBatch.log(c, runId, batch));
            return;
        }
        Map<String, String> params = RunsSql.byKey(batch.params());
        db.update(c -> {
            runs.logParams(c, runId, params, runs.lockForBatch(c, runId, params.keySet()));
            metrics.log(c, runId, batch.metrics());
            runs.upsertTags(c, runId, batch.tags());
        });
    }

    @Override
    public void deleteTag(String runId, String key) {
        db.update(c -> runs.deleteTag(c, runId, key));
    }

    @Override
    public void logInputs(String runId, List<DatasetInput> datasets, List<ModelInput> models) {
        long now = System.currentTimeMillis();
        db.update(c -> {
            runs.requireActive(c, runId);
            inputs.logDatasets(c, runId, datasets, now);
            inputs.logModelInputs(c, runId, models);
        });
    }

    @Override
    public void logOutputs(String runId, List<ModelOutput> models) {
        db.update(c -> {
            runs.requireActive(c, runId);
            inputs.logModelOutputs(c, runId, models);
        });
    }

    @Override
    public Page<Run> searchRuns(RunQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<String> ids = RunSearchSql.pageOfIds(c, db.dialect(), q, offset, q.maxResults() + 1);
            boolean more = ids.size() > q.maxResults();
            List<String> page = more ? ids.subList(0, q.maxResults()) : ids;
            return new Page<>(RunLoader.load(c, page),
                    more ? Optional.of(PageTokens.offset((long) offset + page.size())) : Optional.empty());
        });
    }

    @Override
    public Page<Metric> getMetricHistory(String runId, String metricKey, OptionalInt maxResults,
            Optional<String> pageToken) {
        return db.read(c -> metrics.history(c, runId, metricKey, maxResults, pageToken));
    }

    @Override
    public List<Metric> getMetricHistoryBulkInterval(BulkIntervalQuery query) {
        return db.read(c -> bulkInterval.sample(c, query));
    }

    @Override
    public List<DeletedItem> deletedRuns(long deletedBefore, List<String> experimentIds) {
        return db.read(c -> purge.deletedRuns(c, deletedBefore, experimentIds));
    }

    @Override
    public List<DeletedItem> deletedExperiments(long deletedBefore, List<String> experimentIds) {
        return db.read(c -> purge.deletedExperiments(c, deletedBefore, experimentIds));
    }

    @Override
    public void purgeRun(String runId) {
        db.update(c -> purge.purgeRun(c, runId));
    }

    @Override
    public void purgeExperiment(String experimentId) {
        db.update(c -> purge.purgeExperiment(c, experimentId));
    }

    @Override
    public List<DatasetSummary> datasetSummaries(List<String> experimentIds, int limit) {
        List<Long> ids = experimentIds.stream().map(ExperimentsSql::parseId).filter(java.util.OptionalLong::isPresent)
                .map(java.util.OptionalLong::getAsLong).toList();
        return db.read(c -> inputs.summaries(c, ids, limit));
    }
}
