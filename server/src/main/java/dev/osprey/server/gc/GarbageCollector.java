package dev.osprey.server.gc;

import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.OspreyException;
import dev.osprey.store.DeletedItem;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Permanently deletes runs and experiments in the {@code deleted} stage, artifacts first: a run whose artifacts
 * could not be deleted keeps its row, so the next collection tries again instead of leaving orphaned bytes. The
 * default experiment is never removed (its deleted runs are).
 */
public final class GarbageCollector {
    private final TrackingStore store;
    private final ArtifactDeleter artifacts;

    /** Deletes everything under one stored artifact URI. */
    @FunctionalInterface
    public interface ArtifactDeleter {
        void deleteAll(String artifactUri) throws IOException;
    }

    /** What to collect. */
    public record Options(long deletedBefore, List<String> experimentIds, boolean dryRun) {
        public Options {
            experimentIds = List.copyOf(experimentIds);
        }
    }

    /** Told about each item as it is done, for a progress display. */
    public interface Progress {
        void begin(int total);

        void done(String item);

        Progress NONE = new Progress() {
            @Override
            public void begin(int total) {}

            @Override
            public void done(String item) {}
        };
    }

    /** The outcome: what was (or, in a dry run, would be) purged, and what could not be. */
    public record Summary(List<DeletedItem> runs, List<DeletedItem> experiments, List<String> failures,
            boolean dryRun) {}

    public GarbageCollector(TrackingStore store, ArtifactDeleter artifacts) {
        this.store = store;
        this.artifacts = artifacts;
    }

    public Summary collect(Options options, Progress progress) {
        checkExperiments(options.experimentIds());
        List<DeletedItem> experiments = store.deletedExperiments(options.deletedBefore(), options.experimentIds())
                .stream().filter(e -> !e.id().equals(Experiment.DEFAULT_ID)).toList();
        List<String> purgedWithExperiments = experiments.stream().map(DeletedItem::id).toList();
        List<DeletedItem> runs = store.deletedRuns(options.deletedBefore(), options.experimentIds()).stream()
                .filter(r -> !purgedWithExperiments.contains(r.experimentId())).toList();
        if (options.dryRun()) {
            return new Summary(runs, experiments, List.of(), true);
        }
        progress.begin(runs.size() + experiments.size());
        List<DeletedItem> purgedRuns = new ArrayList<>();
        List<DeletedItem> purgedExperiments = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (DeletedItem run : runs) {
            if (deleteArtifacts(run.artifactLocation(), "run " + run.id(), failures)) {
                store.purgeRun(run.id());
                purgedRuns.add(run);
            }
            progress.done("run " + run.id());
        }
        for (DeletedItem experiment : experiments) {
            boolean clean = true;
            for (DeletedItem run : store.deletedRuns(Long.MAX_VALUE, List.of(experiment.id()))) {
                clean &= deleteArtifacts(run.artifactLocation(), "run " + run.id(), failures);
            }
            clean &= deleteArtifacts(experiment.artifactLocation(), "experiment " + experiment.id(), failures);
            if (clean) {
                store.purgeExperiment(experiment.id());
                purgedExperiments.add(experiment);
            }
            progress.done("experiment " + experiment.id());
        }
        return new Summary(purgedRuns, purgedExperiments, failures, false);
    }

    /** Named experiments must exist and be deleted, as {@code mlflow gc} requires. */
    private void checkExperiments(List<String> ids) {
        List<String> notDeleted = new ArrayList<>();
        for (String id : ids) {
            Experiment e = store.getExperiment(id).orElseThrow(() -> OspreyException.notFound("Experiment " + id
                    + " does not exist."));
            if (e.lifecycleStage() != LifecycleStage.DELETED) {
                notDeleted.add(id);
            }
        }
        if (!notDeleted.isEmpty()) {
            throw OspreyException.invalid("Experiments " + notDeleted + " are not in the deleted lifecycle stage; "
                    + "only deleted experiments can be permanently deleted.");
        }
    }

    private boolean deleteArtifacts(String uri, String owner, List<String> failures) {
        try {
            artifacts.deleteAll(uri);
            return true;
        } catch (IOException | RuntimeException e) {
            failures.add(owner + ": artifacts at " + uri + " not deleted (" + e.getMessage() + "); kept for the "
                    + "next run");
            return false;
        }
    }
}
