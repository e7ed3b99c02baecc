package dev.osprey.server.traces;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.TraceStore;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The MLflow 2.x trace routes (spec/tracing.md §2, legacy table): StartTrace, EndTrace, GetTraceInfo and
 * SearchTraces with v2 trace infos. Python clients fall back to them only when a v3 route is missing, and older
 * clients call them directly; both read and write the same traces as the v3 routes.
 */
public final class LegacyTraceRoutes {
    private static final String T = "/mlflow/traces";
    /** v2 clients carry the request and response previews as these metadata entries. */
    private static final String TRACE_INPUTS = "mlflow.traceInputs";
    private static final String TRACE_OUTPUTS = "mlflow.traceOutputs";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TraceStore traces;
    private final TraceRoutes v3;

    public LegacyTraceRoutes(TraceStore traces, TraceRoutes v3) {
        this.traces = traces;
        this.v3 = v3;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", T, 2, this::start).requires(traceStart()),
                new Endpoint("GET", T, 2, this::search).requires(inReadableExperiments()),
                new Endpoint("PATCH", T + "/{request_id}", 2, this::end).requires(onTrace(UPDATE, "request_id")),
                new Endpoint("GET", T + "/{request_id}/info", 2, this::getInfo).requires(onTrace(READ, "request_id")));
    }

    JsonNode start(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        long start = m.int64("timestamp_ms").orElseGet(System::currentTimeMillis);
        Map<String, String> metadata = keyValues(m, "request_metadata");
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        TraceInfo info = v3.startTrace(new TraceInfo("tr-" + HexFormat.of().formatHex(id), experimentId,
                Optional.empty(), start, OptionalLong.empty(), TraceState.IN_PROGRESS,
                Optional.ofNullable(metadata.get(TRACE_INPUTS)), Optional.ofNullable(metadata.get(TRACE_OUTPUTS)),
                metadata, keyValues(m, "tags")));
        return wrap(info);
    }

    /** Ends the trace: status, end time (execution time = end − start), metadata and tags merged in. */
    JsonNode end(ApiRequest r) {
        Message m = r.message();
        TraceInfo existing = v3.info(r.pathParam("request_id"));
        long end = m.int64("timestamp_ms").orElseThrow(() -> Message.missing("timestamp_ms"));
        if (end < existing.requestTimeMs()) {
            throw OspreyException.invalid("timestamp_ms " + end + " is before the trace's start "
                    + existing.requestTimeMs() + ".");
        }
        TraceState state = m.string("status").map(LegacyTraceRoutes::state)
                .orElseThrow(() -> Message.missing("status"));
        Map<String, String> metadata = keyValues(m, "request_metadata");
        TraceInfo info = v3.startTrace(new TraceInfo(existing.traceId(), existing.experimentId(),
                existing.clientRequestId(), existing.requestTimeMs(), OptionalLong.of(end - existing.requestTimeMs()),
                state, Optional.ofNullable(metadata.get(TRACE_INPUTS)),
                Optional.ofNullable(metadata.get(TRACE_OUTPUTS)), metadata, keyValues(m, "tags")));
        return wrap(info);
    }

    JsonNode getInfo(ApiRequest r) {
        return wrap(v3.info(r.pathParam("request_id")));
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        List<String> experiments = m.strings("experiment_ids");
        if (experiments.isEmpty()) {
            throw Message.missing("experiment_ids");
        }
        Page<TraceInfo> page = v3.searchPage(m, experiments);
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("traces");
        page.items().forEach(t -> array.add(json(t)));
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    private static TraceState state(String status) {
        return switch (status) {
            case "OK" -> TraceState.OK;
            case "ERROR" -> TraceState.ERROR;
            case "IN_PROGRESS" -> TraceState.IN_PROGRESS;
            case "TRACE_STATUS_UNSPECIFIED" -> TraceState.STATE_UNSPECIFIED;
            default -> throw OspreyException.invalid("Invalid trace status '" + status + "'. Valid values are OK, "
                    + "ERROR, IN_PROGRESS and TRACE_STATUS_UNSPECIFIED.");
        };
    }

    private static ObjectNode wrap(TraceInfo info) {
        return Json.object("trace_info", json(info));
    }

    /** TraceInfo v2: request id, millisecond times, status, and key/value lists (spec/tracing.md §1.2). */
    static ObjectNode json(TraceInfo t) {
        ObjectNode node = Json.object();
        node.put("request_id", t.traceId());
        node.put("experiment_id", t.experimentId());
        node.put("timestamp_ms", t.requestTimeMs());
        t.executionDurationMs().ifPresent(ms -> node.put("execution_time_ms", ms));
        node.put("status", t.state() == TraceState.STATE_UNSPECIFIED ? "TRACE_STATUS_UNSPECIFIED" : t.state().name());
        keyValues(node.putArray("request_metadata"), t.metadata());
        keyValues(node.putArray("tags"), t.tags());
        return node;
    }

    private static void keyValues(ArrayNode array, Map<String, String> map) {
        new TreeMap<>(map).forEach((k, v) -> array.addObject().put("key", k).put("value", v));
    }

    private static Map<String, String> keyValues(Message m, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Message kv : m.messages(field)) {
            out.put(kv.requiredString("key"), kv.string("value").orElse(""));
        }
        return out;
    }
}
