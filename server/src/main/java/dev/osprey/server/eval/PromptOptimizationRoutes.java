package dev.osprey.server.eval;

import static dev.osprey.server.auth.Access.onExperiment;
import static dev.osprey.server.auth.Access.onJob;
import static dev.osprey.server.auth.Permission.Need.DELETE;
import static dev.osprey.server.auth.Permission.Need.READ;
import static dev.osprey.server.auth.Permission.Need.UPDATE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Metric;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Param;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.jobs.MlflowJobs;
import dev.osprey.server.jobs.MlflowJobs.MlflowJob;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * MLflow's prompt-optimization job RPCs (create, get, search, cancel, delete) over {@link MlflowJobs}'
 * {@code optimize_prompts} jobs. As in MLflow, creating one makes the run first (its config logged as params), so
 * the run id is known at once; scores come from the run's metrics.
 */
public final class PromptOptimizationRoutes {
    private static final String BASE = "/mlflow/prompt-optimization/jobs";
    private static final int SEARCH_MAX = 1000;
    private final MlflowJobs jobs;
    private final PromptOptimizationJob function;
    private final StorageComponent storage;
    private final Clock clock;

    public PromptOptimizationRoutes(MlflowJobs jobs, PromptOptimizationJob function, StorageComponent storage,
            Clock clock) {
        this.jobs = jobs;
        this.function = function;
        this.storage = storage;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE, 3, this::create).requires(onExperiment(UPDATE)),
                new Endpoint("GET", BASE + "/{job_id}", 3, r -> Json.object("job", json(find(r))))
                        .requires(onJob(READ)),
                new Endpoint("POST", BASE + "/search", 3, this::search).requires(onExperiment(READ)),
                new Endpoint("GET", BASE + "/search", 3, this::search).requires(onExperiment(READ)),
                new Endpoint("POST", BASE + "/{job_id}/cancel", 3, this::cancel).requires(onJob(UPDATE)),
                new Endpoint("DELETE", BASE + "/{job_id}", 3, this::delete).requires(onJob(DELETE)));
    }

    private MlflowJob find(ApiRequest r) {
        String id = r.pathParam("job_id");
        return jobs.get(id).filter(j -> j.name().equals(PromptOptimizationJob.NAME))
                .orElseThrow(() -> OspreyException.notFound("Job with ID " + id + " not found"));
    }

    /** OPTIMIZER_TYPE_GEPA / _METAPROMPT by name or number, as MLflow's job names them. */
    private static String optimizerType(JsonNode value) {
        String name = value.isInt() ? switch (value.asInt()) {
            case 1 -> "OPTIMIZER_TYPE_GEPA";
            case 2 -> "OPTIMIZER_TYPE_METAPROMPT";
            default -> "";
        } : value.asText("");
        return switch (name) {
            case "OPTIMIZER_TYPE_GEPA" -> "gepa";
            case "OPTIMIZER_TYPE_METAPROMPT" -> "metaprompt";
            default -> throw OspreyException.invalid("optimizer_type is required. Supported types: "
                    + "['OPTIMIZER_TYPE_GEPA', 'OPTIMIZER_TYPE_METAPROMPT']");
        };
    }

    private JsonNode create(ApiRequest r) {
        ObjectNode body = r.message().json();
        String experimentId = body.path("experiment_id").asText("").strip();
        if (experimentId.isEmpty()) {
            throw OspreyException.invalid("experiment_id is required for optimization job");
        }
        String promptUri = body.path("source_prompt_uri").asText("");
        if (promptUri.isEmpty()) {
            throw OspreyException.invalid("source_prompt_uri is required for optimization job");
        }
        JsonNode config = body.path("config");
        if (!config.isObject()) {
            throw OspreyException.invalid("Missing value for required parameter 'config'.");
        }
        ObjectNode params = Json.object().put("experiment_id", experimentId).put("prompt_uri", promptUri)
                .put("dataset_id", config.path("dataset_id").asText("")).put("optimizer_type",
                        optimizerType(config.path("optimizer_type")));
        String configJson = config.path("optimizer_config_json").asText("");
        if (configJson.isBlank()) {
            params.putNull("optimizer_config");
        } else {
            try {
                params.set("optimizer_config", Json.read(configJson));
            } catch (IOException e) {
                throw OspreyException.invalid("Invalid JSON in optimizer_config_json: " + e.getMessage());
            }
        }
        ArrayNode scorers = params.putArray("scorer_names");
        config.path("scorers").forEach(s -> scorers.add(s.asText()));
        params.set("tags", body.path("tags").isArray() ? body.get("tags") : Json.object().arrayNode());
        function.experimentOf(params); // every check before the run is made

        long now = clock.millis();
        String runId = UUID.randomUUID().toString().replace("-", "");
        String prompt = promptUri.replaceFirst("^prompts:/", "").replace('/', '_').replace('@', '_');
        storage.tracking().createRun(new NewRun(runId, experimentId, AccessPolicy.callerName().orElse(""),
                "optimize_prompt_" + params.path("optimizer_type").asText() + "_" + prompt + "_" + now, now,
                List.of()));
        List<Param> logged = new java.util.ArrayList<>(List.of(new Param("source_prompt_uri", promptUri),
                new Param("optimizer_type", params.path("optimizer_type").asText()),
                new Param("dataset_id", params.path("dataset_id").asText()),
                new Param("scorer_names", Json.writeString(scorers))));
        if (!configJson.isBlank()) {
            logged.add(new Param("optimizer_config_json", configJson));
        }
        storage.tracking().logBatch(runId, new MetricBatch(List.of(), logged, List.of()));
        params.put("run_id", runId);
        return Json.object("job", json(jobs.submitChecked(PromptOptimizationJob.NAME, experimentId, params,
                OptionalDouble.empty())));
    }

    private JsonNode search(ApiRequest r) {
        Message m = r.message();
        String experimentId = m.requiredString("experiment_id");
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("jobs");
        jobs.listIn(experimentId, PromptOptimizationJob.NAME, SEARCH_MAX).forEach(j -> array.add(json(j)));
        return out;
    }

    private JsonNode cancel(ApiRequest r) {
        MlflowJob job = jobs.cancel(find(r).job().jobId());
        runId(job).ifPresent(run -> storage.tracking().updateRun(run, new RunUpdate(Optional.of(RunStatus.KILLED),
                OptionalLong.of(clock.millis()), Optional.empty())));
        ObjectNode json = json(job);
        ((ObjectNode) json.get("state")).put("status", "JOB_STATUS_CANCELED");
        return Json.object("job", json);
    }

    private JsonNode delete(ApiRequest r) {
        MlflowJob job = find(r);
        jobs.delete(job.job().jobId());
        runId(job).filter(run -> storage.tracking().getRun(run).isPresent())
                .ifPresent(run -> storage.tracking().deleteRun(run, clock.millis()));
        return Json.object();
    }

    private static Optional<String> runId(MlflowJob job) {
        return Optional.of(job.params().path("run_id").asText("")).filter(s -> !s.isEmpty());
    }

    /** MLflow's PromptOptimizationJob message, with the run's scores. */
    private ObjectNode json(MlflowJob j) {
        ObjectNode out = Json.object().put("job_id", j.job().jobId());
        runId(j).ifPresent(run -> out.put("run_id", run));
        ObjectNode state = out.putObject("state").put("status", switch (MlflowJobs.status(j.job())) {
            case "PENDING" -> "JOB_STATUS_PENDING";
            case "RUNNING" -> "JOB_STATUS_IN_PROGRESS";
            case "SUCCEEDED" -> "JOB_STATUS_COMPLETED";
            case "CANCELED" -> "JOB_STATUS_CANCELED";
            default -> "JOB_STATUS_FAILED";
        });
        j.job().error().ifPresent(e -> state.put("error_message", e));
        if (j.job().total() > 0) {
            state.putObject("metadata").put("progress", String.format(Locale.ROOT, "%.2f",
                    (double) j.job().completed() / j.job().total()));
        }
        out.put("experiment_id", j.job().experimentId()).put("source_prompt_uri", j.params().path("prompt_uri")
                .asText());
        j.job().resultJson().map(MlflowJobs::parse).map(res -> res.path("optimized_prompt_uri").asText(""))
                .filter(s -> !s.isEmpty()).ifPresent(u -> out.put("optimized_prompt_uri", u));
        ObjectNode config = out.putObject("config").put("optimizer_type", "OPTIMIZER_TYPE_"
                + j.params().path("optimizer_type").asText("").toUpperCase(Locale.ROOT));
        if (!j.params().path("dataset_id").asText("").isEmpty()) {
            config.put("dataset_id", j.params().path("dataset_id").asText());
        }
        ArrayNode scorers = config.putArray("scorers");
        j.params().path("scorer_names").forEach(scorers::add);
        if (j.params().path("optimizer_config").isObject()) {
            config.put("optimizer_config_json", Json.writeString(j.params().path("optimizer_config")));
        }
        out.put("creation_timestamp_ms", j.job().createdTime());
        if (j.job().finished()) {
            out.put("completion_timestamp_ms", j.job().updatedTime());
        }
        ArrayNode tags = out.putArray("tags");
        j.params().path("tags").forEach(t -> tags.addObject().put("key", t.path("key").asText())
                .put("value", t.path("value").asText()));
        ObjectNode initial = out.putObject("initial_eval_scores");
        ObjectNode fin = out.putObject("final_eval_scores");
        runId(j).flatMap(storage.tracking()::getRun).ifPresent(run -> {
            for (Metric metric : run.metrics()) {
                String[] parts = metric.key().split("\\.", 2);
                ObjectNode into = switch (parts[0]) {
                    case "initial_eval_score" -> initial;
                    case "final_eval_score" -> fin;
                    default -> null;
                };
                if (into != null) {
                    into.put(parts.length == 1 ? "aggregate" : parts[1], metric.value());
                }
            }
        });
        return out;
    }
}
