package dev.osprey.storememory;

import dev.osprey.core.Metric;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.MetricSampling;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/** Sampled history over runs: MLflow's exact algorithm, since every step is at hand in memory. */
final class BulkInterval {
    private BulkInterval() {}

    static List<Metric> sample(MemoryDatabase db, BulkIntervalQuery q) {
        TreeSet<Long> allSteps = new TreeSet<>();
        TreeSet<Long> extremes = new TreeSet<>();
        for (String runId : q.runIds()) {
            List<Long> steps = steps(db, runId, q.metricKey());
            if (steps.isEmpty()) {
                continue;
            }
            allSteps.addAll(steps);
            extremes.add(steps.stream().min(Long::compare).orElseThrow());
            extremes.add(steps.stream().max(Long::compare).orElseThrow());
        }
        if (extremes.isEmpty()) {
            return List.of();
        }
        long start = q.startStep().orElse(0);
        long end = q.endStep().orElse(allSteps.last());
        TreeSet<Long> chosen = new TreeSet<>(extremes.subSet(start, true, end, true));
        chosen.addAll(MetricSampling.sampleExact(new ArrayList<>(allSteps), start, end, q.maxResults()));
        List<Metric> out = new ArrayList<>();
        for (String runId : q.runIds()) {
            Tables.RunRow r = db.runs.get(runId);
            if (r == null || !r.history.containsKey(q.metricKey())) {
                continue;
            }
            r.history.get(q.metricKey()).stream().filter(m -> chosen.contains(m.step()))
                    .sorted(Comparator.comparingLong(Metric::step).thenComparingLong(Metric::timestamp))
                    .limit(MetricSampling.MAX_POINTS_PER_RUN).map(m -> m.withRunId(runId)).forEach(out::add);
        }
        return out;
    }

    private static List<Long> steps(MemoryDatabase db, String runId, String key) {
        Tables.RunRow r = db.runs.get(runId);
        if (r == null || !r.history.containsKey(key)) {
            return List.of();
        }
        return r.history.get(key).stream().map(Metric::step).distinct().toList();
    }
}
