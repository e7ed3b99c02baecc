package dev.osprey.server.eval;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Access.onJob;
import static dev.osprey.server.auth.Permission.Need.READ;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Tag;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.TestCaseDistiller;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.PageTokens;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.jobs.JobRoutes;
import dev.osprey.server.jobs.MlflowJobs;
import dev.osprey.server.jobs.MlflowJobs.MlflowJob;
import dev.osprey.store.NewRun;
import dev.osprey.store.SessionSummary;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Conversation simulation as Osprey's REST API: start a {@code simulate_conversations} job (its MLflow run made
 * first), read it, list an experiment's, cancel one, page through its conversations as they stream in; and distill
 * sessions into test-case proposals for a person to review and save to a dataset. Jobs are MLflow jobs
 * ({@link MlflowJobs}): MLflow's job API shows them too.
 */
public final class SimulationRoutes {
    private static final String BASE = "/osprey/simulations";
    private static final int SEARCH_MAX = 1000;
    private static final int DISTILL_MAX = 200;
    private static final int DISTILL_CONCURRENCY = 8;
    private final MlflowJobs jobs;
    private final SimulationJob function;
    private final SimulationRecords records;
    private final StorageComponent storage;
    private final Clock clock;

    public SimulationRoutes(MlflowJobs jobs, SimulationJob function, SimulationRecords records,
            StorageComponent storage, Clock clock) {
        this.jobs = jobs;
        this.function = function;
        this.records = records;
        this.storage = storage;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE, 3, this::start).requires(onExperiment(UPDATE)),
                new Endpoint("GET", BASE, 3, this::list).requires(onExperiment(READ)),
                new Endpoint("POST", BASE + "/distill", 3, this::distill).requires(onExperiment(UPDATE)),
                new Endpoint("GET", BASE + "/{job_id}", 3, r -> Json.object("job", json(find(r))))
                        .requires(onJob(READ)),
                new Endpoint("GET", BASE + "/{job_id}/conversations", 3, this::conversations).requires(onJob(READ)),
                new Endpoint("POST", BASE + "/{job_id}/cancel", 3, r -> Json.object("job",
                        json(jobs.cancel(find(r).job().jobId())))).requires(onJob(UPDATE)));
    }

    private MlflowJob find(ApiRequest r) {
        String id = r.pathParam("job_id");
        return jobs.get(id).filter(j -> j.name().equals(SimulationJob.NAME))
                .orElseThrow(() -> OspreyException.notFound("Simulation job " + id + " not found"));
    }

    private static ObjectNode json(MlflowJob job) {
        ObjectNode out = JobRoutes.job(job);
        Optional.of(job.params().path("run_id").asText("")).filter(s -> !s.isEmpty())
                .ifPresent(run -> out.put("run_id", run));
        return out;
    }

    /** The request's fields are the job's params (checked before the run is made); {@code timeout} bounds it. */
    private JsonNode start(ApiRequest r) {
        ObjectNode params = r.message().json();
        JsonNode timeout = params.remove("timeout");
        params.remove("run_id");
        String experimentId = function.experimentOf(params);
        long now = clock.millis();
        String runId = UUID.randomUUID().toString().replace("-", "");
        String runName = Optional.ofNullable(params.path("run_name").textValue()).filter(s -> !s.isBlank())
                .orElse("simulation-" + now);
        storage.tracking().createRun(new NewRun(runId, experimentId, AccessPolicy.callerName().orElse(""), runName,
                now, List.of(new Tag("mlflow.runSourceType", "EVALUATION"), new Tag("osprey.simulation", "true"))));
        params.put("run_id", runId);
        MlflowJob job = jobs.submitChecked(SimulationJob.NAME, experimentId, params, timeout == null
                || timeout.isNull() ? OptionalDouble.empty() : OptionalDouble.of(timeout.asDouble()));
        return Json.object("job", json(job));
    }

    private JsonNode list(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        int max = (int) Math.min(SEARCH_MAX, m.int64("max_results").orElse(100));
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("jobs");
        jobs.listIn(experimentId, SimulationJob.NAME, max).forEach(j -> array.add(json(j)));
        return out;
    }

    /** The job's conversations so far (finished or not), by case, a page at a time. */
    private JsonNode conversations(ApiRequest r) {
        MlflowJob job = find(r);
        Message m = r.message();
        int max = (int) Math.max(1, Math.min(200, m.int64("max_results").orElse(50)));
        int offset = PageTokens.offsetOf(m.string("page_token"));
        List<SimulationRecords.Stored> all = records.read(job.job().experimentId(), job.job().jobId());
        List<SimulationRecords.Stored> page = all.subList(Math.min(offset, all.size()),
                Math.min(all.size(), offset + max));
        ObjectNode out = Json.object();
        out.set("conversations", records.conversations(page));
        if (offset + max < all.size()) {
            out.put("next_page_token", PageTokens.offset(offset + max));
        }
        return out;
    }

    /**
     * Test-case proposals from sessions (given, or the experiment's most recent): one model call per session,
     * duplicates of a goal dropped. Nothing is stored; the caller reviews the proposals and saves them to a dataset.
     */
    private JsonNode distill(ApiRequest r) {
        ObjectNode body = r.message().json();
        String experimentId = function.existingExperiment(body);
        int max = SimulationJob.bounded(body, "max_sessions", 20, DISTILL_MAX);
        List<String> sessionIds = new ArrayList<>();
        body.path("session_ids").forEach(s -> sessionIds.add(s.asText()));
        if (sessionIds.isEmpty()) {
            storage.traces().sessions(experimentId, max, Optional.empty()).items().stream()
                    .map(SessionSummary::sessionId).forEach(sessionIds::add);
        }
        if (sessionIds.isEmpty()) {
            throw OspreyException.invalid("Experiment " + experimentId + " has no sessions to distill.");
        }
        if (sessionIds.size() > DISTILL_MAX) {
            throw OspreyException.invalid("At most " + DISTILL_MAX + " sessions per call.");
        }
        String workspace = storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
        JudgeModel model = function.userModel(body.has("model") ? Json.object().put("user_model",
                body.path("model").asText()) : Json.object(), workspace);
        TestCaseDistiller distiller = new TestCaseDistiller(model);
        SessionItems sessions = new SessionItems(storage.traces());
        record Proposal(String sessionId, Optional<ObjectNode> testCase, Optional<String> error) {}
        List<Proposal> results = new ArrayList<>();
        Semaphore slots = new Semaphore(DISTILL_CONCURRENCY);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Proposal>> futures = new ArrayList<>();
            for (String id : sessionIds) {
                futures.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        Optional<SessionItems.StoredSession> s = sessions.read(experimentId, id);
                        if (s.isEmpty()) {
                            return new Proposal(id, Optional.empty(), Optional.of("No traces in this session."));
                        }
                        List<EvalItem.Turn> turns = s.get().item().conversation();
                        return new Proposal(id, distiller.distill(turns), Optional.empty());
                    } catch (JudgeModel.JudgeModelException e) {
                        return new Proposal(id, Optional.empty(), Optional.of(e.getMessage()));
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<Proposal> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while distilling", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Distillation failed", e.getCause());
        }
        List<ObjectNode> distinct = TestCaseDistiller.distinct(results.stream().flatMap(p -> p.testCase().stream())
                .toList());
        ObjectNode out = Json.object();
        ArrayNode proposals = out.putArray("proposals");
        ArrayNode failed = out.putArray("failed");
        for (Proposal p : results) {
            if (p.testCase().isPresent() && distinct.stream().anyMatch(d -> d == p.testCase().get())) {
                proposals.addObject().put("session_id", p.sessionId()).set("test_case", p.testCase().get());
            } else if (p.error().isPresent() || p.testCase().isEmpty()) {
                failed.addObject().put("session_id", p.sessionId()).put("error", p.error()
                        .orElse("The model found no goal in this session."));
            }
        }
        return out;
    }
}
