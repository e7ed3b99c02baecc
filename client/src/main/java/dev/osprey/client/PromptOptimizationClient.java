package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Prompt optimization as server jobs (MLflow's prompt-optimization RPCs): the server runs the prompt on a dataset
 * through its gateway, scores it with the experiment's scorers, improves it with GEPA or MetaPrompt and registers the
 * result as the prompt's next version. Obtained from {@link OspreyClient#promptOptimization()}.
 */
public final class PromptOptimizationClient {
    private static final String P = "/api/3.0/mlflow/prompt-optimization/jobs";
    private final Transport transport;
    private final dev.osprey.client.prompts.Prompts prompts;

    PromptOptimizationClient(Transport transport, dev.osprey.client.prompts.Prompts prompts) {
        this.transport = transport;
        this.prompts = prompts;
    }

    /** MLflow's two optimizers. */
    public enum Optimizer {
        GEPA, METAPROMPT
    }

    /**
     * What to optimize and how.
     *
     * @param promptUri {@code prompts:/name/version} or {@code prompts:/name@alias}; its model config names the model
     * @param datasetId the evaluation dataset the prompt is run on (GEPA needs one; MetaPrompt works without)
     * @param scorers registered scorer names or built-in judge class names
     * @param reflectionModel the model that rewrites the prompt, e.g. {@code gateway:/my-endpoint}
     * @param maxMetricCalls GEPA's budget of row evaluations (the server's default, 100, when empty)
     */
    public record Request(String experimentId, String promptUri, Optimizer optimizer, Optional<String> datasetId,
            List<String> scorers, String reflectionModel, OptionalLong maxMetricCalls, Optional<String> guidelines,
            Map<String, String> tags) {
        public Request {
            Objects.requireNonNull(experimentId, "experimentId");
            Objects.requireNonNull(promptUri, "promptUri");
            Objects.requireNonNull(optimizer, "optimizer");
            Objects.requireNonNull(datasetId, "datasetId");
            scorers = List.copyOf(scorers);
            Objects.requireNonNull(reflectionModel, "reflectionModel");
            Objects.requireNonNull(maxMetricCalls, "maxMetricCalls");
            Objects.requireNonNull(guidelines, "guidelines");
            tags = Map.copyOf(tags);
        }
    }

    /**
     * A job as the server reports it.
     *
     * @param status MLflow's JobStatus name: JOB_STATUS_PENDING, _IN_PROGRESS, _COMPLETED, _FAILED or _CANCELED
     * @param initialScores the source prompt's scores, {@code aggregate} and per scorer
     * @param finalScores the optimized prompt's scores
     */
    public record Job(String jobId, String runId, String status, String sourcePromptUri,
            Optional<String> optimizedPromptUri, Map<String, Double> initialScores, Map<String, Double> finalScores,
            Optional<String> error, Optional<Double> progress) {
        public boolean finished() {
            return !status.equals("JOB_STATUS_PENDING") && !status.equals("JOB_STATUS_IN_PROGRESS");
        }
    }

    /**
     * Optimization run in this JVM, for a predict function that is Java code (and for several prompts at once); the
     * optimized prompts are registered on the server.
     */
    public LocalPromptOptimizer local() {
        return new LocalPromptOptimizer(prompts);
    }

    public Job start(Request r) {
        ObjectNode body = Json.object().put("experiment_id", r.experimentId()).put("source_prompt_uri", r.promptUri());
        ObjectNode config = body.putObject("config").put("optimizer_type", "OPTIMIZER_TYPE_" + r.optimizer().name());
        r.datasetId().ifPresent(d -> config.put("dataset_id", d));
        r.scorers().forEach(config.putArray("scorers")::add);
        ObjectNode optimizerConfig = Json.object().put("reflection_model", r.reflectionModel());
        r.maxMetricCalls().ifPresent(n -> optimizerConfig.put("max_metric_calls", n));
        r.guidelines().ifPresent(g -> optimizerConfig.put("guidelines", g));
        config.put("optimizer_config_json", Json.writeString(optimizerConfig));
        var tags = body.putArray("tags");
        r.tags().forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        return job(transport.post(P, body).message("job").orElseThrow());
    }

    public Job get(String jobId) {
        return job(transport.get(P + "/" + jobId, Map.of()).message("job").orElseThrow());
    }

    /** The experiment's optimization jobs, newest first. */
    public List<Job> search(String experimentId) {
        List<Job> out = new ArrayList<>();
        for (Message m : transport.post(P + "/search", Json.object().put("experiment_id", experimentId))
                .messages("jobs")) {
            out.add(job(m));
        }
        return out;
    }

    /** Stops the job (its run is marked killed); a finished job stays as it ended. */
    public Job cancel(String jobId) {
        return job(transport.post(P + "/" + jobId + "/cancel", Json.object()).message("job").orElseThrow());
    }

    /** Forgets the job and deletes its run; the prompt versions it registered stay. */
    public void delete(String jobId) {
        transport.send("DELETE", P + "/" + jobId, Json.object());
    }

    /** Polls until the job finishes, telling {@code progress} each state seen. */
    public Job await(String jobId, Duration poll, Consumer<Job> progress) {
        return Polling.until(() -> get(jobId), Job::finished, poll, progress);
    }

    private static Job job(Message m) {
        JsonNode j = m.json();
        String progress = j.at("/state/metadata/progress").asText("");
        return new Job(j.path("job_id").asText(), j.path("run_id").asText(), j.at("/state/status").asText(),
                j.path("source_prompt_uri").asText(), text(j, "optimized_prompt_uri"),
                scores(j.path("initial_eval_scores")), scores(j.path("final_eval_scores")),
                Optional.ofNullable(j.at("/state/error_message").textValue()),
                progress.isEmpty() ? Optional.empty() : Optional.of(Double.parseDouble(progress)));
    }

    private static Optional<String> text(JsonNode j, String field) {
        return j.path(field).isTextual() && !j.path(field).asText().isEmpty() ? Optional.of(j.path(field).asText())
                : Optional.empty();
    }

    private static Map<String, Double> scores(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    /** {@code gepa} or {@code metaprompt}, any case. */
    public static Optimizer optimizer(String name) {
        return Optimizer.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
