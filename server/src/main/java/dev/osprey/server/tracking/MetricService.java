package dev.osprey.server.tracking;

import dev.osprey.core.Metric;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;

/** Metric history reads: paged history, the sampled bulk-interval view and the UI's bulk history. */
public final class MetricService {
    static final int MAX_RUNS_BULK = 100;
    static final int MAX_BULK_INTERVAL_RESULTS = 2500;
    static final int MAX_HISTORY_PAGE = 25_000;

    private final TrackingStore store;

    public MetricService(TrackingStore store) {
        this.store = store;
    }

    public Page<Metric> history(String runId, String key, OptionalInt maxResults, Optional<String> pageToken) {
        OptionalInt capped = maxResults;
        if (maxResults.isPresent()) {
            int requested = maxResults.getAsInt();
            if (requested < 1) {
                throw OspreyException.invalid("Invalid value " + requested + " for parameter 'max_results' supplied."
                        + " It must be a positive integer.");
            }
            capped = OptionalInt.of(Math.min(requested, MAX_HISTORY_PAGE));
        }
        return store.getMetricHistory(runId, key, capped, pageToken);
    }

    public List<Metric> bulkInterval(List<String> runIds, String key, OptionalLong startStep, OptionalLong endStep,
            OptionalInt maxResults) {
        checkRunCount(runIds, "GetMetricHistoryBulkInterval");
        int max = maxResults.orElse(MAX_BULK_INTERVAL_RESULTS);
        if (max < 1 || max > MAX_BULK_INTERVAL_RESULTS) {
            throw OspreyException.invalid("max_results must be between 1 and " + MAX_BULK_INTERVAL_RESULTS + ".");
        }
        if (startStep.isPresent() != endStep.isPresent()) {
            throw OspreyException.invalid("If either start step or end step are specified, both must be specified.");
        }
        if (startStep.isPresent() && startStep.getAsLong() > endStep.getAsLong()) {
            throw OspreyException.invalid("end_step must be greater than start_step. Found start_step="
                    + startStep.getAsLong() + " and end_step=" + endStep.getAsLong() + ".");
        }
        return store.getMetricHistoryBulkInterval(new BulkIntervalQuery(new ArrayList<>(new java.util.LinkedHashSet<>(
                runIds)), key, startStep, endStep, max));
    }

    /** The UI's bulk history: runs in sorted id order, each run's points in history order, cut at max_results. */
    public List<Metric> bulk(List<String> runIds, String key, OptionalInt maxResults) {
        checkRunCount(runIds, "GetMetricHistoryBulk");
        int max = Math.min(maxResults.orElse(MAX_HISTORY_PAGE), MAX_HISTORY_PAGE);
        List<Metric> out = new ArrayList<>();
        for (String runId : new TreeSet<>(runIds)) {
            for (Metric m : store.getMetricHistory(runId, key, OptionalInt.of(max), Optional.empty()).items()) {
                if (out.size() >= max) {
                    return out;
                }
                out.add(m.withRunId(runId));
            }
        }
        return out;
    }

    private static void checkRunCount(List<String> runIds, String rpc) {
        if (runIds.isEmpty()) {
            throw OspreyException.invalid(rpc + " request must specify at least one run_id.");
        }
        if (runIds.size() > MAX_RUNS_BULK) {
            throw OspreyException.invalid(rpc + " request must specify at most " + MAX_RUNS_BULK + " run_ids. "
                    + "Received " + runIds.size() + " run_ids.");
        }
    }
}
