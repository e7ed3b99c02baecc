package dev.osprey.server.traces;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.TraceInfo;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.EntityGrammar;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The web UI's own trace routes, under {@code /ajax-api/3.0/osprey/ui}: spans a page at a time (so a 100,000-span
 * trace opens at the speed of its first page) and the aggregates behind the experiment overview.
 */
public final class UiTraceRoutes {
    static final int SPAN_PAGE_MAX = 2_000;
    /** The overview scans at most this many traces in its window and says so when it stops short. */
    static final int OVERVIEW_SCAN_MAX = 100_000;
    static final int BUCKETS_MAX = 366;

    private final TraceStore traces;
    private final Clock clock;

    public UiTraceRoutes(TraceStore traces, Clock clock) {
        this.traces = traces;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET", "/osprey/ui/traces/{trace_id}/spans", 3, this::spans).requires(onTrace(READ, "trace_id")),
                new Endpoint("GET", "/osprey/ui/experiments/{experiment_id}/overview", 3, this::overview).requires(onExperiment(READ)));
    }

    JsonNode spans(ApiRequest r) {
        String id = r.pathParam("trace_id");
        traces.getTraceInfo(id).orElseThrow(() -> OspreyException.notFound("Trace with ID '" + id + "' not found."));
        Message m = r.message();
        int offset = (int) bounded(m, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = (int) bounded(m, "limit", 500, 1, SPAN_PAGE_MAX);
        int total = traces.countSpans(id);
        ObjectNode out = Json.object().put("total", total);
        out.set("spans", TraceCodec.spans(traces.getSpans(id, offset, limit)));
        if (offset + limit < total) {
            out.put("next_offset", offset + limit);
        }
        return out;
    }

    JsonNode overview(ApiRequest r) {
        String experimentId = r.pathParam("experiment_id");
        Message m = r.message();
        long end = bounded(m, "end_time_ms", clock.millis(), 1, Long.MAX_VALUE);
        long start = bounded(m, "start_time_ms", end - 7L * 24 * 3600 * 1000, 0, end - 1);
        int buckets = (int) bounded(m, "buckets", 24, 1, BUCKETS_MAX);
        TraceOverview overview = new TraceOverview(start, end, buckets);
        var filter = EntityGrammar.TRACES.parseFilter("timestamp_ms >= " + start + " AND timestamp_ms < " + end);
        var order = EntityGrammar.TRACES.parseOrderBy(List.of("timestamp_ms DESC"));
        Optional<String> token = Optional.empty();
        int scanned = 0;
        boolean truncated = false;
        do {
            Page<TraceInfo> page = traces.searchTraces(new TraceQuery(List.of(experimentId), filter, order,
                    TraceRoutes.SEARCH_MAX, token));
            var assessments = traces.assessments(page.items().stream().map(TraceInfo::traceId).toList());
            for (TraceInfo t : page.items()) {
                overview.add(t, assessments.getOrDefault(t.traceId(), List.of()));
            }
            scanned += page.items().size();
            token = page.nextPageToken();
            truncated = token.isPresent() && scanned >= OVERVIEW_SCAN_MAX;
        } while (token.isPresent() && !truncated);
        ObjectNode out = overview.json();
        out.put("start_time_ms", start).put("end_time_ms", end).put("truncated", truncated);
        return out;
    }

    private static long bounded(Message m, String field, long fallback, long min, long max) {
        long value = m.int64(field).orElse(fallback);
        if (value < min || value > max) {
            throw OspreyException.invalid("'" + field + "' must be between " + min + " and " + max + "; got "
                    + value + ".");
        }
        return value;
    }
}
