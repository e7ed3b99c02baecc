package dev.osprey.server.eval;

import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.JobStore.Job;
import dev.osprey.store.PageTokens;
import dev.osprey.store.StorageComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Osprey's evaluation jobs over REST ({@code /api/3.0/osprey/evaluations}): MLflow has no server-side evaluate, so
 * these routes live outside MLflow's namespace. Submit, follow progress, cancel, and page the result table.
 */
public final class EvaluationRoutes {
    private static final String BASE = "/osprey/evaluations";
    private static final String ONE = BASE + "/{job_id}";
    private final EvaluationJobs jobs;
    private final StorageComponent storage;
    private final TraceItems items;

    public EvaluationRoutes(EvaluationJobs jobs, StorageComponent storage) {
        this.jobs = jobs;
        this.storage = storage;
        this.items = new TraceItems(storage.traces());
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE, 3, this::submit).requires(evaluationSubmit()),
                new Endpoint("GET", BASE, 3, this::list).requires(onExperiment(READ)),
                new Endpoint("GET", ONE, 3, this::get).requires(onJob(READ)),
                new Endpoint("POST", ONE + "/cancel", 3, this::cancel).requires(onJob(UPDATE)),
                new Endpoint("GET", ONE + "/results", 3, this::results).requires(onJob(READ)));
    }

    static ObjectNode json(Job job) {
        ObjectNode out = Json.object().put("job_id", job.jobId()).put("experiment_id", job.experimentId());
        job.runId().ifPresent(r -> out.put("run_id", r));
        out.put("status", job.status());
        out.putObject("progress").put("completed", job.completed()).put("total", job.total()).put("unit", "rows");
        job.resultJson().ifPresent(r -> out.set("result", DatasetRecords.parse(r)));
        job.error().ifPresent(e -> out.put("error_message", e));
        out.put("creation_time", job.createdTime()).put("last_update_time", job.updatedTime());
        return out;
    }

    private Job job(ApiRequest r) {
        String id = r.pathParam("job_id");
        return jobs.get(id).orElseThrow(() -> EvaluationJobs.missing(id));
    }

    JsonNode submit(ApiRequest r) {
        return Json.object("job", json(jobs.submit(r.message().json())));
    }

    JsonNode get(ApiRequest r) {
        return Json.object("job", json(job(r)));
    }

    JsonNode list(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        int max = Validation.maxResults(m.int64("max_results").orElse(0), 100, 1000);
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("jobs");
        jobs.list(experimentId, max).forEach(j -> array.add(json(j)));
        return out;
    }

    JsonNode cancel(ApiRequest r) {
        return Json.object("job", json(jobs.cancel(job(r).jobId())));
    }

    /** The result table: one row per evaluated trace with its inputs, outputs and this run's feedback. */
    JsonNode results(ApiRequest r) {
        Job job = job(r);
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), 100, 1000);
        int offset = PageTokens.offsetOf(m.string("page_token"));
        List<String> traceIds = rowTraceIds(job, offset, max + 1);
        boolean more = traceIds.size() > max;
        List<String> page = traceIds.subList(0, Math.min(max, traceIds.size()));
        Map<String, List<Assessment>> assessments = storage.traces().assessments(page);
        String runId = job.runId().orElseThrow();
        java.util.Set<String> made = new java.util.HashSet<>();
        storage.traces().getTraceInfos(page).forEach(t -> made.add(t.traceId()));
        ObjectNode out = Json.object();
        ArrayNode rows = out.putArray("rows");
        for (String traceId : page) {
            ObjectNode row = rows.addObject().put("trace_id", traceId);
            if (!made.contains(traceId)) {
                continue; // not reached yet
            }
            TraceItems.StoredTrace trace = items.read(traceId);
            row.set("inputs", trace.inputs());
            if (!trace.outputs().isMissingNode()) {
                row.set("outputs", trace.outputs());
            }
            ObjectNode feedback = row.putObject("assessments");
            for (JsonNode body : FeedbackAssessments.tagged(assessments.getOrDefault(traceId, List.of()),
                    FeedbackAssessments.SOURCE_RUN_ID, runId)) {
                ObjectNode f = feedback.putObject(body.path("assessment_name").asText());
                if (body.path("feedback").has("value")) {
                    f.set("value", body.path("feedback").path("value"));
                }
                if (body.has("rationale")) {
                    f.set("rationale", body.get("rationale"));
                }
                if (body.path("feedback").has("error")) {
                    f.set("error", body.path("feedback").path("error").path("error_message"));
                }
            }
        }
        if (more) {
            out.put("next_page_token", PageTokens.offset(offset + max));
        }
        return out;
    }

    private List<String> rowTraceIds(Job job, int offset, int limit) {
        JsonNode params = DatasetRecords.parse(job.paramsJson());
        if (params.path("dataset_id").isTextual()) {
            String datasetId = params.path("dataset_id").asText();
            if (storage.datasets().get(datasetId).isEmpty()) {
                throw OspreyException.notFound("Could not find evaluation dataset with ID " + datasetId);
            }
            List<String> out = new ArrayList<>();
            for (DatasetRecord rec : storage.datasets().records(datasetId, limit, Optional.of(PageTokens.offset(offset)))
                    .items()) {
                out.add(EvaluationJobs.rowTraceId(job.jobId(), rec.recordId()));
            }
            return out;
        }
        List<String> all = new ArrayList<>();
        params.path("trace_ids").forEach(t -> all.add(t.asText()));
        return all.subList(Math.min(offset, all.size()), Math.min(all.size(), offset + limit));
    }
}
