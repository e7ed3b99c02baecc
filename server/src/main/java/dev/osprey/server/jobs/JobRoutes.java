package dev.osprey.server.jobs;

import static dev.osprey.server.auth.Access.listsJobsOfReadableExperiments;
import static dev.osprey.server.auth.Access.onJob;
import static dev.osprey.server.auth.Access.onJobExperiment;
import static dev.osprey.server.auth.Permission.Need.READ;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.jobs.MlflowJobs.MlflowJob;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * MLflow's job API: the FastAPI router under {@code /ajax-api/3.0/jobs} (submit, get, cancel, search, answering
 * MLflow's pydantic {@code Job}) and the Flask pair under {@code /mlflow/jobs} that the UI polls. MLflow asks only
 * for a login here; Osprey checks the job's experiment (READ to see a job, UPDATE to submit or cancel one) and keeps
 * jobs inside their experiment's workspace.
 */
public final class JobRoutes {
    private static final int SEARCH_MAX = 1000;
    private final MlflowJobs jobs;
    private final WorkspaceStore workspaces;

    public JobRoutes(MlflowJobs jobs, WorkspaceStore workspaces) {
        this.jobs = jobs;
        this.workspaces = workspaces;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", "/jobs/", 3, this::submit).requires(onJobExperiment(UPDATE)),
                new Endpoint("GET", "/jobs/{job_id}", 3, r -> job(find(r))).requires(onJob(READ)),
                new Endpoint("PATCH", "/jobs/cancel/{job_id}", 3, r -> job(jobs.cancel(find(r).job().jobId())))
                        .requires(onJob(UPDATE)),
                new Endpoint("POST", "/jobs/search", 3, this::search).requires(listsJobsOfReadableExperiments()),
                new Endpoint("GET", "/mlflow/jobs/{job_id}", 3, r -> state(find(r), true)).requires(onJob(READ)),
                new Endpoint("PATCH", "/mlflow/jobs/cancel/{job_id}", 3,
                        r -> state(jobs.cancel(find(r).job().jobId()), false)).requires(onJob(UPDATE)));
    }

    /** The job, if it is one of this API's and in the caller's workspace (else not found, as for any other id). */
    private MlflowJob find(ApiRequest r) {
        String id = r.pathParam("job_id");
        return jobs.get(id).filter(j -> inWorkspace(r, List.of(j)).size() == 1)
                .orElseThrow(() -> OspreyException.notFound("Job with ID " + id + " not found"));
    }

    private List<MlflowJob> inWorkspace(ApiRequest r, List<MlflowJob> list) {
        return workspaces.keepIn(r.workspaceName().orElse(WorkspaceStore.DEFAULT), WorkspaceStore.Kind.EXPERIMENT,
                list, j -> j.job().experimentId());
    }

    private JsonNode submit(ApiRequest r) {
        JsonNode body = r.message().json();
        String name = body.path("job_name").asText("");
        if (name.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'job_name'.");
        }
        if (!(body.path("params") instanceof ObjectNode params)) {
            throw OspreyException.invalid("'params' must be an object of the job function's parameters.");
        }
        JsonNode timeout = body.path("timeout");
        if (!timeout.isMissingNode() && !timeout.isNull() && !timeout.isNumber()) {
            throw OspreyException.invalid("'timeout' must be a number of seconds.");
        }
        return job(jobs.submit(name, params, timeout.isNumber() ? OptionalDouble.of(timeout.asDouble())
                : OptionalDouble.empty()));
    }

    private JsonNode search(ApiRequest r) {
        JsonNode body = r.message().json();
        Optional<String> name = body.path("job_name").isTextual() ? Optional.of(body.path("job_name").asText())
                : Optional.empty();
        Set<String> statuses = new HashSet<>();
        body.path("statuses").forEach(s -> statuses.add(s.asText()));
        JsonNode params = body.path("params");
        List<MlflowJob> found = new ArrayList<>();
        for (MlflowJob j : inWorkspace(r, jobs.list(name, SEARCH_MAX))) {
            if ((statuses.isEmpty() || statuses.contains(MlflowJobs.status(j.job()))) && contains(j.params(), params)) {
                found.add(j);
            }
        }
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("jobs");
        found.forEach(j -> array.add(job(j)));
        return out;
    }

    /** MLflow's params filter: every given key present with an equal value. */
    private static boolean contains(ObjectNode params, JsonNode wanted) {
        if (!wanted.isObject()) {
            return true;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().equals(params.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** MLflow's pydantic {@code Job}. */
    public static ObjectNode job(MlflowJob j) {
        ObjectNode out = Json.object().put("job_id", j.job().jobId()).put("creation_time", j.job().createdTime())
                .put("job_name", j.name());
        out.set("params", j.params());
        if (j.timeoutSeconds().isPresent()) {
            out.put("timeout", j.timeoutSeconds().getAsDouble());
        } else {
            out.putNull("timeout");
        }
        out.put("status", MlflowJobs.status(j.job()));
        out.set("result", result(j));
        out.put("retry_count", 0).put("last_update_time", j.job().updatedTime());
        out.set("status_details", details(j));
        return out;
    }

    /** The Flask handlers' answer: status and result, and for GET the progress details. */
    private static ObjectNode state(MlflowJob j, boolean withDetails) {
        ObjectNode out = Json.object().put("status", MlflowJobs.status(j.job()));
        out.set("result", result(j));
        if (withDetails) {
            out.set("status_details", details(j));
        }
        return out;
    }

    /** As MLflow's {@code parsed_result}: the function's value when it succeeded, the error text when it failed. */
    private static JsonNode result(MlflowJob j) {
        if (j.job().status().equals("COMPLETED")) {
            return j.job().resultJson().map(MlflowJobs::parse).orElse(Json.object().nullNode());
        }
        return j.job().error().<JsonNode>map(com.fasterxml.jackson.databind.node.TextNode::valueOf)
                .orElse(Json.object().nullNode());
    }

    private static JsonNode details(MlflowJob j) {
        if (j.job().total() == 0) {
            return Json.object().nullNode();
        }
        return Json.object().put("completed", j.job().completed()).put("total", j.job().total());
    }
}
