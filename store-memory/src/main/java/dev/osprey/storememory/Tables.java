package dev.osprey.storememory;

import dev.osprey.core.Dataset;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Page;
import dev.osprey.store.PageTokens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The tracking rows of the in-memory backend: mutable, and touched only under {@link MemoryDatabase}'s lock. They
 * mirror the SQL schema's tables, so each store's code reads like its SQL twin.
 */
final class Tables {
    private Tables() {}

    static final class ExperimentRow {
        final long id;
        String name;
        String location;
        LifecycleStage stage = LifecycleStage.ACTIVE;
        final long created;
        long updated;
        final TreeMap<String, String> tags = new TreeMap<>();
        /** Datasets logged as run inputs, by "name\0digest". */
        final Map<String, DatasetRow> datasets = new LinkedHashMap<>();

        ExperimentRow(long id, String name, String location, long created) {
            this.id = id;
            this.name = name;
            this.location = location;
            this.created = created;
            this.updated = created;
        }
    }

    record DatasetRow(long id, long experimentId, Dataset dataset) {}

    /** MLflow's history order, which is also the identity of a point (exact replays are dropped). */
    static final Comparator<Metric> HISTORY_ORDER = Comparator.comparingLong(Metric::timestamp)
            .thenComparingLong(Metric::step)
            .thenComparingDouble(m -> stored(m.value()))
            .thenComparing(m -> Double.isNaN(m.value()));

    /** NaN is kept as 0 with a flag in the SQL backends; compare it the same way here. */
    static double stored(double value) {
        return Double.isNaN(value) ? 0 : value;
    }

    static final class RunRow {
        final String runId;
        final long experimentId;
        String runName;
        final String userId;
        RunStatus status = RunStatus.RUNNING;
        final long startTime;
        OptionalLong endTime = OptionalLong.empty();
        LifecycleStage stage = LifecycleStage.ACTIVE;
        OptionalLong deletedTime = OptionalLong.empty();
        final String artifactUri;
        final TreeMap<String, String> params = new TreeMap<>();
        final TreeMap<String, String> tags = new TreeMap<>();
        final TreeMap<String, Metric> latest = new TreeMap<>();
        final Map<String, TreeSet<Metric>> history = new HashMap<>();
        /** Dataset inputs in the order first logged, each with its tags. */
        final Map<Long, InputLink> inputs = new LinkedHashMap<>();
        final TreeSet<String> modelInputs = new TreeSet<>();
        final TreeSet<ModelOutput> modelOutputs = new TreeSet<>(Comparator.comparing(ModelOutput::modelId)
                .thenComparingLong(ModelOutput::step));

        RunRow(String runId, long experimentId, String runName, String userId, long startTime, String artifactUri) {
            this.runId = runId;
            this.experimentId = experimentId;
            this.runName = runName;
            this.userId = userId;
            this.startTime = startTime;
            this.artifactUri = artifactUri;
        }
    }

    record InputLink(DatasetRow dataset, TreeMap<String, String> tags) {}

    static <T> List<T> slice(List<T> sorted, int offset, int limit) {
        if (offset >= sorted.size()) {
            return List.of();
        }
        return new ArrayList<>(sorted.subList(offset, Math.min(sorted.size(), offset + limit)));
    }

    /** One page of sorted rows with MLflow's offset token; only the rows on the page are turned into answers. */
    static <R, T> Page<T> page(List<R> sorted, int offset, int max, Function<R, T> toItem) {
        List<T> items = slice(sorted, offset, max).stream().map(toItem).toList();
        boolean more = sorted.size() > offset + max;
        return new Page<>(items, more ? Optional.of(PageTokens.offset((long) offset + items.size()))
                : Optional.empty());
    }

    static <T> Page<T> page(List<T> sorted, int offset, int max) {
        return page(sorted, offset, max, Function.identity());
    }

    /** An experiment id a caller must give as an integer: anything else is INVALID_PARAMETER_VALUE. */
    static long requireExperimentId(String id) {
        return parseLong(id).orElseThrow(() -> dev.osprey.store.StoreErrors.invalidExperimentId(id));
    }

    static List<Long> requireExperimentIds(List<String> ids) {
        return ids.stream().map(Tables::requireExperimentId).toList();
    }

    static Optional<Long> parseLong(String id) {
        try {
            return Optional.of(Long.parseLong(id));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
