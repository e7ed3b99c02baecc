package dev.osprey.store;

import dev.osprey.core.Metric;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import java.util.List;

/** The content of one log-batch: applied all together or not at all. */
public record MetricBatch(List<Metric> metrics, List<Param> params, List<Tag> tags) {
    public MetricBatch {
        metrics = List.copyOf(metrics);
        params = List.copyOf(params);
        tags = List.copyOf(tags);
    }

    public static MetricBatch ofMetrics(List<Metric> metrics) {
        return new MetricBatch(metrics, List.of(), List.of());
    }

    public boolean isEmpty() {
        return metrics.isEmpty() && params.isEmpty() && tags.isEmpty();
    }
}
