package dev.osprey.store;

import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Page;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.Tag;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.LongFunction;

/**
 * Experiments, runs, params, tags and metrics. Implementations are thread-safe; every method is atomic (a failing
 * write leaves nothing behind). Semantics that need a consistent view of stored state live here: param
 * immutability, latest-metric maintenance, cascading soft delete, active-state checks. Shape checks (lengths,
 * regexes, counts) are the caller's.
 *
 * <p>Failures the client caused are {@link dev.osprey.core.OspreyException}s with MLflow's codes and wording:
 * {@code RESOURCE_DOES_NOT_EXIST} for unknown ids, {@code INVALID_PARAMETER_VALUE} for writes to deleted runs or
 * experiments and param conflicts ({@link ParamConflictException}), {@code RESOURCE_ALREADY_EXISTS} for duplicate
 * names, {@code INVALID_STATE} for renaming a deleted experiment.
 */
public interface TrackingStore {

    /**
     * Makes sure the default experiment "0" exists.
     *
     * @param artifactLocation the location it gets when created now
     */
    void ensureDefaultExperiment(String artifactLocation, long now);

    /**
     * Creates an experiment and returns its id.
     *
     * @param defaultLocation the artifact location from the new id, used when {@code artifactLocation} is empty
     */
    default String createExperiment(String name, Optional<String> artifactLocation,
            LongFunction<String> defaultLocation, List<Tag> tags, long now) {
        return createExperiment(name, artifactLocation, defaultLocation, tags, now, WorkspaceStore.DEFAULT);
    }

    /** Creates an experiment in a workspace, in one transaction, and returns its id. */
    String createExperiment(String name, Optional<String> artifactLocation, LongFunction<String> defaultLocation,
            List<Tag> tags, long now, String workspace);

    Optional<Experiment> getExperiment(String experimentId);

    /** The active experiment of that name in the workspace (names are unique per workspace), else a deleted one. */
    Optional<Experiment> getExperimentByName(String name, String workspace);

    Page<Experiment> searchExperiments(ExperimentQuery query);

    void renameExperiment(String experimentId, String newName, long now);

    /** Soft-deletes an active experiment and all its runs. */
    void deleteExperiment(String experimentId, long now);

    /** Restores a deleted experiment and every run of it. */
    void restoreExperiment(String experimentId, long now);

    void setExperimentTag(String experimentId, Tag tag, long now);

    void deleteExperimentTag(String experimentId, String key, long now);

    /** Creates a run in an active experiment; {@code artifactUri} is derived from the experiment's location. */
    Run createRun(NewRun run);

    Optional<Run> getRun(String runId);

    RunInfo updateRun(String runId, RunUpdate update);

    void deleteRun(String runId, long now);

    void restoreRun(String runId);

    /** Applies params, then metrics, then tags, in one transaction. */
    void logBatch(String runId, MetricBatch batch);

    void deleteTag(String runId, String key);

    void logInputs(String runId, List<DatasetInput> datasets, List<ModelInput> models);

    void logOutputs(String runId, List<ModelOutput> models);

    Page<Run> searchRuns(RunQuery query);

    /**
     * Points of one metric ordered by (timestamp, step, value). With {@code maxResults} empty everything is
     * returned; otherwise a token is set only when more points exist. Unknown runs and keys give an empty page.
     */
    Page<Metric> getMetricHistory(String runId, String metricKey, OptionalInt maxResults, Optional<String> pageToken);

    /** Sampled history over runs, with {@code runId} set on each point (spec/tracking.md §5.6). */
    List<Metric> getMetricHistoryBulkInterval(BulkIntervalQuery query);

    /**
     * Runs in the {@code deleted} stage deleted before {@code deletedBefore}, oldest first; only those of
     * {@code experimentIds} when that is not empty.
     */
    List<DeletedItem> deletedRuns(long deletedBefore, List<String> experimentIds);

    /** Experiments in the {@code deleted} stage last changed before {@code deletedBefore}, oldest first. */
    List<DeletedItem> deletedExperiments(long deletedBefore, List<String> experimentIds);

    /**
     * Permanently removes a deleted run and everything logged to it. {@code INVALID_PARAMETER_VALUE} when the run
     * is active; {@code RESOURCE_DOES_NOT_EXIST} when it is unknown.
     */
    void purgeRun(String runId);

    /**
     * Permanently removes a deleted experiment with all its runs, tags and datasets. {@code INVALID_PARAMETER_VALUE}
     * when it is active; {@code RESOURCE_DOES_NOT_EXIST} when it is unknown.
     */
    void purgeExperiment(String experimentId);

    /**
     * The datasets runs of these experiments logged as inputs, each with the {@code mlflow.data.context} tag its input
     * carried (MLflow's SearchDatasets, at most {@code limit} summaries); unknown experiment ids match nothing.
     */
    List<DatasetSummary> datasetSummaries(List<String> experimentIds, int limit);

    /** One dataset as runs of an experiment used it. */
    record DatasetSummary(String experimentId, String name, String digest, Optional<String> context) {
        public DatasetSummary {
            java.util.Objects.requireNonNull(experimentId, "experimentId");
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(digest, "digest");
            java.util.Objects.requireNonNull(context, "context");
        }
    }
}
