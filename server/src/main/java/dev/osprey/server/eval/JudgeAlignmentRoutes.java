package dev.osprey.server.eval;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Access.onJob;
import static dev.osprey.server.auth.Access.onScorer;
import static dev.osprey.server.auth.Permission.Need.READ;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.jobs.JobRoutes;
import dev.osprey.server.jobs.MlflowJobs;
import dev.osprey.server.jobs.MlflowJobs.MlflowJob;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Judge alignment as Osprey's REST API, beside MLflow's scorer routes: start an {@code align_judge} job for a
 * registered judge (MLflow's {@code judge.align(traces, optimizer)}, run by the server), read it, list an
 * experiment's, cancel one. Jobs are MLflow jobs ({@link MlflowJobs}): MLflow's job API shows them too.
 */
public final class JudgeAlignmentRoutes {
    private static final String BASE = "/osprey/scorers/align";
    private static final int SEARCH_MAX = 1000;
    private final MlflowJobs jobs;
    private final JudgeAlignmentJob function;

    public JudgeAlignmentRoutes(MlflowJobs jobs, JudgeAlignmentJob function) {
        this.jobs = jobs;
        this.function = function;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE, 3, this::start).requires(onScorer(UPDATE)),
                new Endpoint("GET", BASE + "/{job_id}", 3, r -> Json.object("job", JobRoutes.job(find(r))))
                        .requires(onJob(READ)),
                new Endpoint("GET", BASE, 3, this::list).requires(onExperiment(READ)),
                new Endpoint("POST", BASE + "/{job_id}/cancel", 3, r -> Json.object("job",
                        JobRoutes.job(jobs.cancel(find(r).job().jobId())))).requires(onJob(UPDATE)));
    }

    private MlflowJob find(ApiRequest r) {
        String id = r.pathParam("job_id");
        return jobs.get(id).filter(j -> j.name().equals(JudgeAlignmentJob.NAME))
                .orElseThrow(() -> OspreyException.notFound("Judge alignment job " + id + " not found"));
    }

    /** The request's fields are the job's params; {@code timeout} (seconds) bounds the job. */
    private JsonNode start(ApiRequest r) {
        ObjectNode params = r.message().json();
        JsonNode timeout = params.remove("timeout");
        String experimentId = function.experimentOf(params);
        MlflowJob job = jobs.submitChecked(JudgeAlignmentJob.NAME, experimentId, params, timeout == null
                || timeout.isNull() ? OptionalDouble.empty() : OptionalDouble.of(timeout.asDouble()));
        return Json.object("job", JobRoutes.job(job));
    }

    private JsonNode list(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        int max = (int) Math.min(SEARCH_MAX, m.int64("max_results").orElse(100));
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("jobs");
        jobs.listIn(experimentId, JudgeAlignmentJob.NAME, max).forEach(j -> array.add(JobRoutes.job(j)));
        return out;
    }
}
