package dev.osprey.server.traces;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.EntityGrammar;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.TraceQuery;
import dev.osprey.store.TraceStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The trace REST API (spec/tracing.md §2): v3 routes, and the v2 routes current Python clients still call. */
public final class TraceRoutes {
    static final int SEARCH_DEFAULT = 100;
    static final int SEARCH_MAX = 500;
    static final int SPAN_PAGE = 1000;
    static final int MAX_LINKED_TRACES = 100;
    static final String LINKED_PROMPTS = "mlflow.linkedPrompts";
    private static final String T = "/mlflow/traces";
    private final TraceStore traces;
    private final TraceIngest ingest;

    public TraceRoutes(TraceStore traces, TraceIngest ingest) {
        this.traces = traces;
        this.ingest = ingest;
    }

    /** A client's trace info, merged by MLflow's rules; the stored info after it. */
    TraceInfo startTrace(TraceInfo info) {
        return ingest.startTrace(info);
    }

    private static Endpoint v3(String method, String path, dev.osprey.server.api.ApiHandler h) {
        return new Endpoint(method, path, 3, h);
    }

    private static Endpoint v2(String method, String path, dev.osprey.server.api.ApiHandler h) {
        return new Endpoint(method, path, 2, h);
    }

    public List<Endpoint> endpoints() {
        return List.of(
                v3("POST", T, this::start).requires(traceStart()),
                v3("GET", T + "/batchGet", this::batchGet).requires(onTraces(READ, "trace_ids")),
                v3("POST", T + "/batchGetInfos", this::batchGetInfos).requires(onTraces(READ, "trace_ids")),
                v3("POST", T + "/search", this::search).requires(traceSearch()),
                v3("POST", T + "/metrics", this::metrics).requires(inReadableExperiments()),
                v3("POST", T + "/calculate-filter-correlation", r -> new TraceCorrelation(traces).calculate(
                        r.message())).requires(inReadableExperiments()),
                v3("GET", T + "/sessions", this::sessions).requires(onExperiment(READ)),
                v3("POST", T + "/delete-traces", this::delete).requires(onExperiment(DELETE)),
                v3("GET", T + "/{trace_id}", this::getInfo).requires(onTrace(READ, "trace_id")),
                v3("PATCH", T + "/{trace_id}/tags", this::setTag).requires(onTrace(UPDATE, "trace_id")),
                v3("DELETE", T + "/{trace_id}/tags", this::deleteTag).requires(onTrace(UPDATE, "trace_id")),
                v2("PATCH", T + "/{trace_id}/tags", this::setTag).requires(onTrace(UPDATE, "trace_id")),
                v2("DELETE", T + "/{trace_id}/tags", this::deleteTag).requires(onTrace(UPDATE, "trace_id")),
                v2("POST", T + "/delete-traces", this::delete).requires(onExperiment(DELETE)),
                v2("POST", T + "/link-to-run", this::linkToRun).requires(onRun(UPDATE)),
                v2("POST", T + "/link-prompts", this::linkPrompts).requires(onTrace(UPDATE, "trace_id")));
    }

    /** Trace infos as JSON with their assessments, loaded in one query. */
    private List<ObjectNode> infosJson(List<TraceInfo> infos) {
        var assessments = traces.assessments(infos.stream().map(TraceInfo::traceId).toList());
        return infos.stream().map(t -> TraceCodec.info(t, assessments.getOrDefault(t.traceId(), List.of())))
                .toList();
    }

    ObjectNode infoJson(TraceInfo info) {
        return infosJson(List.of(info)).get(0);
    }

    TraceInfo info(String traceId) {
        return traces.getTraceInfo(traceId).orElseThrow(() -> OspreyException.notFound("Trace with ID '" + traceId
                + "' not found."));
    }

    private static ObjectNode wrap(ObjectNode trace) {
        return Json.object("trace", trace);
    }

    JsonNode start(ApiRequest r) {
        Message trace = r.message().message("trace").flatMap(t -> t.message("trace_info"))
                .orElseThrow(() -> Message.missing("trace.trace_info"));
        ObjectNode body = Json.object();
        body.set("trace_info", infoJson(startTrace(TraceCodec.readInfo(trace))));
        return wrap(body);
    }

    JsonNode getInfo(ApiRequest r) {
        ObjectNode body = Json.object();
        body.set("trace_info", infoJson(info(r.pathParam("trace_id"))));
        return wrap(body);
    }

    /** Complete when spans are stored and, if the client said how many, all of them are. */
    static boolean complete(TraceInfo info, int stored) {
        if (stored == 0) {
            return false;
        }
        String stats = info.metadata().get("mlflow.trace.sizeStats");
        if (stats == null) {
            return true;
        }
        try {
            return stored >= Json.read(stats).path("num_spans").asInt(0);
        } catch (IOException e) {
            return true;
        }
    }

    private ObjectNode trace(TraceInfo info, int stored) {
        ObjectNode body = Json.object();
        body.set("trace_info", infoJson(info));
        ArrayNode spans = body.putArray("spans");
        for (int offset = 0; offset < stored; offset += SPAN_PAGE) {
            List<SpanRecord> page = traces.getSpans(info.traceId(), offset, SPAN_PAGE);
            spans.addAll(TraceCodec.spans(page));
            if (page.size() < SPAN_PAGE) {
                break;
            }
        }
        return body;
    }

    /** The trace ids a batch call names; MLflow refuses a batch without any. */
    private static List<String> traceIds(ApiRequest r) {
        List<String> ids = r.message().strings("trace_ids");
        if (ids.isEmpty()) {
            throw Message.missing("trace_ids");
        }
        return ids;
    }

    JsonNode batchGet(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("traces");
        for (TraceInfo info : traces.getTraceInfos(traceIds(r))) {
            int stored = traces.countSpans(info.traceId());
            if (complete(info, stored)) {
                array.add(trace(info, stored));
            }
        }
        return out;
    }

    JsonNode batchGetInfos(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("trace_infos");
        infosJson(traces.getTraceInfos(traceIds(r))).forEach(array::add);
        return out;
    }

    /** QueryTraceMetrics: aggregates over the experiments' traces, spans or assessments ({@link TraceMetrics}). */
    JsonNode metrics(ApiRequest r) {
        return new TraceMetrics(traces).run(TraceMetrics.parse(r.message()));
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        List<String> experiments = new ArrayList<>();
        for (Message location : m.messages("locations")) {
            location.message("mlflow_experiment").flatMap(e -> e.string("experiment_id"))
                    .filter(s -> !s.isEmpty()).ifPresent(experiments::add);
        }
        experiments.addAll(m.strings("experiment_ids"));
        if (experiments.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'locations'.");
        }
        Page<TraceInfo> page = searchPage(m, experiments);
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("traces");
        infosJson(page.items()).forEach(array::add);
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    /** One page of SearchTraces, the same for the v3 and the legacy v2 route. */
    Page<TraceInfo> searchPage(Message m, List<String> experiments) {
        int max = Validation.maxResults(m.int64("max_results").orElse(0), SEARCH_DEFAULT, SEARCH_MAX);
        return traces.searchTraces(new TraceQuery(experiments,
                EntityGrammar.TRACES.parseFilter(m.string("filter").orElse("")),
                EntityGrammar.TRACES.parseOrderBy(m.strings("order_by")), max, m.string("page_token")));
    }

    /** Sessions of an experiment: trace count, first and last activity, duration, tokens and cost. */
    JsonNode sessions(ApiRequest r) {
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), SEARCH_DEFAULT, SEARCH_MAX);
        var page = traces.sessions(m.requiredString("experiment_id"), max, m.string("page_token"));
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("sessions");
        for (var s : page.items()) {
            array.addObject().put("session_id", s.sessionId()).put("trace_count", s.traceCount())
                    .put("first_request_time", java.time.Instant.ofEpochMilli(s.firstRequestMs()).toString())
                    .put("last_activity_time", java.time.Instant.ofEpochMilli(s.lastEndMs()).toString())
                    .put("total_duration_ms", s.totalDurationMs()).put("input_tokens", s.inputTokens())
                    .put("output_tokens", s.outputTokens()).put("total_tokens", s.totalTokens())
                    .put("total_cost", s.totalCost());
        }
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    JsonNode delete(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        boolean byIds = m.count("request_ids") > 0 || m.count("trace_ids") > 0;
        boolean byTime = m.int64("max_timestamp_millis").isPresent();
        if (byIds == byTime) {
            throw OspreyException.invalid("Exactly one of 'request_ids' and 'max_timestamp_millis' must be given.");
        }
        int deleted;
        if (byIds) {
            List<String> ids = new ArrayList<>(m.strings("request_ids"));
            ids.addAll(m.strings("trace_ids"));
            deleted = traces.deleteTraces(experimentId, ids);
        } else {
            long maxTraces = m.int64("max_traces").orElse(Integer.MAX_VALUE);
            if (maxTraces <= 0) {
                throw OspreyException.invalid("max_traces must be positive, got " + maxTraces + ".");
            }
            deleted = traces.deleteTracesBefore(experimentId, m.int64("max_timestamp_millis").getAsLong(),
                    (int) Math.min(maxTraces, Integer.MAX_VALUE));
        }
        return Json.object().put("traces_deleted", deleted);
    }

    JsonNode setTag(ApiRequest r) {
        Message m = r.message();
        String key = m.requiredString("key");
        Validation.key("tag", key);
        if (TraceRules.serverOwned(key)) {
            throw OspreyException.invalid("Tag '" + key + "' is set by the server (where the trace's files are); it "
                    + "cannot be changed.");
        }
        String value = m.string("value").orElse("");
        traces.setTag(r.pathParam("trace_id"), key, value.length() > 8000 ? value.substring(0, 8000) : value);
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        traces.deleteTag(r.pathParam("trace_id"), r.message().requiredString("key"));
        return Json.object();
    }

    /** Merges prompt versions into the trace's {@code mlflow.linkedPrompts} tag (a JSON list, no duplicates). */
    JsonNode linkPrompts(ApiRequest r) {
        Message m = r.message();
        String id = m.requiredString("trace_id");
        List<Message> versions = m.messages("prompt_versions");
        if (versions.isEmpty()) {
            throw Message.missing("prompt_versions");
        }
        List<String[]> links = new ArrayList<>();
        String existing = info(id).tags().get(LINKED_PROMPTS);
        if (existing != null) {
            try {
                for (JsonNode node : Json.read(existing)) {
                    links.add(new String[] {node.path("name").asText(), node.path("version").asText()});
                }
            } catch (IOException e) {
                throw OspreyException.invalid("The trace's " + LINKED_PROMPTS + " tag is not a JSON list.");
            }
        }
        for (Message v : versions) {
            String[] link = {v.requiredString("name"), v.string("version").orElse("")};
            if (links.stream().noneMatch(l -> l[0].equals(link[0]) && l[1].equals(link[1]))) {
                links.add(link);
            }
        }
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < links.size(); i++) {
            json.append(i == 0 ? "" : ", ").append("{\"name\": ")
                    .append(Json.writeString(com.fasterxml.jackson.databind.node.TextNode.valueOf(links.get(i)[0])))
                    .append(", \"version\": ")
                    .append(Json.writeString(com.fasterxml.jackson.databind.node.TextNode.valueOf(links.get(i)[1])))
                    .append('}');
        }
        traces.setTag(id, LINKED_PROMPTS, json.append(']').toString());
        return Json.object();
    }

    JsonNode linkToRun(ApiRequest r) {
        Message m = r.message();
        List<String> ids = m.strings("trace_ids");
        if (ids.size() > MAX_LINKED_TRACES) {
            throw OspreyException.invalid("Cannot link more than " + MAX_LINKED_TRACES + " traces to a run in a "
                    + "single request. Provided " + ids.size() + " traces.");
        }
        traces.linkToRun(ids, m.requiredString("run_id"));
        return Json.object();
    }
}
