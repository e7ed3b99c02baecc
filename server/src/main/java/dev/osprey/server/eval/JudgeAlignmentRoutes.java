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
import dev.osprey.eval.MemoryAugmentedJudge;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.store.ScorerStore.ScorerVersion;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

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
    private final StorageComponent storage;
    private final ScorerSpecs.JudgeModels models;
    private final Clock clock;

    public JudgeAlignmentRoutes(MlflowJobs jobs, JudgeAlignmentJob function, StorageComponent storage,
            ScorerSpecs.JudgeModels models, Clock clock) {
        this.jobs = jobs;
        this.function = function;
        this.storage = storage;
        this.models = models;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE, 3, this::start).requires(onScorer(UPDATE)),
                new Endpoint("POST", "/osprey/scorers/unalign", 3, this::unalign).requires(onScorer(UPDATE)),
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

    /**
     * MLflow's {@code unalign}: a MemAlign judge without the feedback of some traces — their examples leave episodic
     * memory, and a guideline goes when every trace it came from is removed (guidelines people wrote stay). No model
     * is called. The result is registered as the scorer's next version when {@code register} is set and something
     * was removed.
     */
    private JsonNode unalign(ApiRequest r) {
        ObjectNode body = r.message().json();
        String experimentId = body.path("experiment_id").asText("");
        String name = body.path("name").asText("");
        if (name.isBlank() || !body.path("trace_ids").isArray() || body.path("trace_ids").isEmpty()) {
            throw OspreyException.invalid("Give the aligned judge's 'name' and the 'trace_ids' whose feedback to "
                    + "remove.");
        }
        Optional<Integer> version = body.hasNonNull("version") ? Optional.of(body.path("version").asInt())
                : Optional.empty();
        ScorerVersion registered = AlignmentPlan.registered(storage, experimentId, name, version);
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        Scorer judge = AlignmentPlan.judge(registered, models.in(workspace));
        if (!(judge instanceof MemoryAugmentedJudge aligned)) {
            throw OspreyException.invalid("Scorer '" + name + "' is not a MemAlign judge: only aligned judges have "
                    + "feedback to remove.");
        }
        Set<String> remove = new LinkedHashSet<>();
        body.path("trace_ids").forEach(t -> remove.add(t.asText()));
        MemoryAugmentedJudge kept = aligned.without(remove);
        int removedExamples = aligned.episodicTraceIds().size() - kept.episodicTraceIds().size();
        int removedGuidelines = aligned.guidelines().size() - kept.guidelines().size();
        ObjectNode serialized = kept.serialized(dev.osprey.server.OspreyServer.MLFLOW_COMPATIBLE_VERSION);
        ObjectNode out = Json.object().put("removed_examples", removedExamples)
                .put("removed_guidelines", removedGuidelines);
        out.set("aligned_scorer", serialized);
        if (body.path("register").asBoolean(false) && (removedExamples > 0 || removedGuidelines > 0)) {
            out.put("registered_version", storage.scorers().register(experimentId, name,
                    Json.writeString(serialized), clock.millis()).version());
        }
        return out;
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
