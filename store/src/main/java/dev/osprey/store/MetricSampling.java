package dev.osprey.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Which steps a sampled metric history keeps (spec/tracking.md §5.6), shared by every backend so that all sample
 * alike.
 */
public final class MetricSampling {
    /** At most this many points per run in one answer. */
    public static final int MAX_POINTS_PER_RUN = 25_000;

    private MetricSampling() {}

    /** MLflow's sampling over the sorted distinct steps, including its indexing quirk (see the spec). */
    public static List<Long> sampleExact(List<Long> allSteps, long start, long end, int maxResults) {
        int startIdx = 0;
        while (startIdx < allSteps.size() && allSteps.get(startIdx) < start) {
            startIdx++;
        }
        int endIdx = startIdx;
        while (endIdx < allSteps.size() && allSteps.get(endIdx) <= end) {
            endIdx++;
        }
        List<Long> inRange = allSteps.subList(startIdx, endIdx);
        int n = inRange.size();
        if (n <= maxResults) {
            return inRange;
        }
        List<Long> out = new ArrayList<>(maxResults + 1);
        double interval = (double) n / maxResults;
        for (int i = 0; i < maxResults; i++) {
            int idx = startIdx + (int) Math.floor(i * interval);
            if (idx < n) {
                out.add(allSteps.get(idx));
            }
        }
        out.add(inRange.get(n - 1));
        return out;
    }

    /** Evenly spaced step values; for dense steps these are exactly the steps MLflow's index sampling picks. */
    public static List<Long> sampleBySpacing(long start, long end, int maxResults) {
        long n = end - start + 1;
        List<Long> out = new ArrayList<>(maxResults + 1);
        if (n <= maxResults) {
            for (long s = start; s <= end; s++) {
                out.add(s);
            }
            return out;
        }
        double interval = (double) n / maxResults;
        for (int i = 0; i < maxResults; i++) {
            out.add(start + (long) Math.floor(i * interval));
        }
        out.add(end);
        return out;
    }
}
