package dev.osprey.server.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Metric;
import dev.osprey.core.Page;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;
import java.util.List;

/** Metric history endpoints. */
final class MetricHandlers {
    private final MetricService metrics;

    MetricHandlers(MetricService metrics) {
        this.metrics = metrics;
    }

    JsonNode history(ApiRequest r) {
        Message m = r.message();
        Page<Metric> page = metrics.history(Requests.runId(m), m.requiredString("metric_key"), m.int32("max_results"),
                m.string("page_token"));
        ObjectNode out = Json.object();
        TrackingCodec.putMetrics(out, "metrics", page.items());
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    JsonNode bulkInterval(ApiRequest r) {
        Message m = r.message();
        return points(metrics.bulkInterval(m.strings("run_ids"), m.requiredString("metric_key"),
                m.int64("start_step"), m.int64("end_step"), m.int32("max_results")));
    }

    JsonNode bulk(ApiRequest r) {
        Message m = r.message();
        List<String> runIds = m.strings("run_id");
        return points(metrics.bulk(runIds.isEmpty() ? m.strings("run_ids") : runIds, m.requiredString("metric_key"),
                m.int32("max_results")));
    }

    private static JsonNode points(List<Metric> points) {
        ObjectNode out = Json.object();
        TrackingCodec.putMetrics(out, "metrics", points);
        return out;
    }
}
