package dev.osprey.server.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.Metric;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunStatus;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.RunUpdate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Run endpoints: decode, one service call, encode. */
final class RunHandlers {
    private final RunService runs;
    private final Clock clock;

    RunHandlers(RunService runs, Clock clock) {
        this.runs = runs;
        this.clock = clock;
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        Run run = runs.create(m.string("experiment_id"), m.string("user_id"), m.string("run_name"),
                m.int64("start_time").orElse(clock.millis()), Requests.tags(m, "tags"));
        return run(run);
    }

    JsonNode get(ApiRequest r) {
        return run(runs.get(Requests.runId(r.message())));
    }

    private static JsonNode run(Run run) {
        return Json.object("run", TrackingCodec.run(run));
    }

    JsonNode update(ApiRequest r) {
        Message m = r.message();
        RunUpdate update = new RunUpdate(m.enumValue("status", RunStatus.class, TrackingCodec::statusByNumber),
                m.int64("end_time"), m.string("run_name").filter(s -> !s.isEmpty()));
        return Json.object("run_info", TrackingCodec.runInfo(runs.update(Requests.runId(m), update)));
    }

    JsonNode delete(ApiRequest r) {
        runs.delete(Requests.runId(r.message()), clock.millis());
        return Json.object();
    }

    JsonNode restore(ApiRequest r) {
        runs.restore(Requests.runId(r.message()));
        return Json.object();
    }

    JsonNode logMetric(ApiRequest r) {
        Message m = r.message();
        runs.logMetric(Requests.runId(m), Requests.metric(m));
        return Json.object();
    }

    JsonNode logParam(ApiRequest r) {
        Message m = r.message();
        runs.logParam(Requests.runId(m), Requests.param(m));
        return Json.object();
    }

    JsonNode setTag(ApiRequest r) {
        Message m = r.message();
        runs.setTag(Requests.runId(m), Requests.tag(m));
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        Message m = r.message();
        runs.deleteTag(Requests.runId(m), m.requiredString("key"));
        return Json.object();
    }

    JsonNode logBatch(ApiRequest r) {
        Message m = r.message();
        String runId = Requests.runId(m);
        RunService.admitBatch(r.bodySize(), m.count("metrics"), m.count("params"), m.count("tags"));
        List<Metric> metrics = new ArrayList<>();
        for (Message x : m.messages("metrics")) {
            metrics.add(Requests.metric(x));
        }
        List<Param> params = new ArrayList<>();
        for (Message x : m.messages("params")) {
            params.add(Requests.param(x));
        }
        runs.logBatch(runId, new MetricBatch(metrics, params, Requests.tags(m, "tags")));
        return Json.object();
    }

    JsonNode logInputs(ApiRequest r) {
        Message m = r.message();
        runs.logInputs(Requests.runId(m), m.messages("datasets").stream().map(Requests::datasetInput).toList(),
                m.messages("models").stream().map(Requests::modelInput).toList());
        return Json.object();
    }

    JsonNode logOutputs(ApiRequest r) {
        Message m = r.message();
        if (m.count("models") == 0) {
            throw Message.missing("models");
        }
        runs.logOutputs(Requests.runId(m), m.messages("models").stream().map(Requests::modelOutput).toList());
        return Json.object();
    }

    JsonNode logModel(ApiRequest r) {
        Message m = r.message();
        runs.logModel(Requests.runId(m), m.requiredString("model_json"));
        return Json.object();
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        Page<Run> page = runs.search(m.strings("experiment_ids"), m.string("filter"), m.strings("order_by"),
                Requests.viewType(m, "run_view_type"), m.int64("max_results").orElse(0), m.string("page_token"));
        return TrackingCodec.page("runs", page, TrackingCodec::run);
    }
}
