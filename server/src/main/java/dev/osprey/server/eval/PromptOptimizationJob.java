package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.FeedbackValue;
import dev.osprey.eval.Gepa;
import dev.osprey.eval.OptimizationRows;
import dev.osprey.eval.MetaPrompts;
import dev.osprey.eval.PromptTemplates;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import dev.osprey.server.jobs.JobFunction;
import dev.osprey.server.registry.RegistryService;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * MLflow's {@code optimize_prompts} job, run in the server, with MLflow's two optimizers. The prompt runs on the
 * dataset's inputs through the gateway endpoint serving its model config and the scorers judge each answer.
 * MetaPrompt scores the source template (the baseline), has the reflection model rewrite it once from those results
 * (or, with no dataset, from prompt-engineering practice alone) and scores the rewrite. GEPA ({@link Gepa})
 * evolves the template within {@code max_metric_calls} row evaluations. A rewrite that loses a template variable is
 * not used (MetaPrompt keeps the source template, as MLflow does). The result is registered as the prompt's next
 * version with its lineage, and the job's run gets MLflow's {@code initial_eval_score} / {@code final_eval_score}
 * metrics (aggregate and per scorer) and {@code total_metric_calls}.
 */
public final class PromptOptimizationJob implements JobFunction {
    static final String NAME = "optimize_prompts";
    private static final String CALLER = "osprey-optimizer";
    private final StorageComponent storage;
    private final RegistryService registry;
    private final ScorerSpecs.JudgeModels models;
    private final Gateway gateway;
    private final Clock clock;

    public PromptOptimizationJob(StorageComponent storage, RegistryService registry, ScorerSpecs.JudgeModels models,
            Gateway gateway, Clock clock) {
        this.storage = storage;
        this.registry = registry;
        this.models = models;
        this.gateway = gateway;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }


    @Override
    public String experimentOf(ObjectNode params) {
        return plan(params).experimentId();
    }

    private OptimizationPlan plan(JsonNode params) {
        return OptimizationPlan.resolve(params, storage, registry, models, gateway);
    }

    /** One run of a template over the records: per scorer the mean score, and the rows the reflection model sees. */
    private record Evaluation(Optional<Double> aggregate, Map<String, Double> perScorer, List<ObjectNode> rows) {
        /** The scores of rows {@link #evaluate} made: the mean of rows with a score, and each scorer's mean. */
        static Evaluation of(List<ObjectNode> rows) {
            Map<String, List<Double>> byScorer = new LinkedHashMap<>();
            List<Double> recordScores = new ArrayList<>();
            for (ObjectNode row : rows) {
                if (row.path("score").isNumber()) {
                    recordScores.add(row.path("score").asDouble());
                }
                row.path("feedback").properties().forEach(e -> {
                    if (e.getValue().path("score").isNumber()) {
                        byScorer.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                .add(e.getValue().path("score").asDouble());
                    }
                });
            }
            Map<String, Double> perScorer = new LinkedHashMap<>();
            byScorer.forEach((k, v) -> perScorer.put(k, mean(v)));
            return new Evaluation(recordScores.isEmpty() ? Optional.empty() : Optional.of(mean(recordScores)),
                    perScorer, rows);
        }

        private static double mean(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }
    }

    @Override
    public JsonNode run(ObjectNode params, Progress progress) {
        OptimizationPlan plan = plan(params);
        String runId = params.path("run_id").asText("");
        try {
            return optimize(plan, runId, progress);
        } catch (RuntimeException e) {
            if (!runId.isEmpty() && !progress.stopped()) {
                storage.tracking().updateRun(runId, new RunUpdate(Optional.of(RunStatus.FAILED),
                        OptionalLong.of(clock.millis()), Optional.empty()));
            }
            throw e;
        }
    }

    private JsonNode optimize(OptimizationPlan plan, String runId, Progress progress) {
        long[] calls = {0};
        Evaluation baseline;
        Evaluation after;
        String improved;
        List<Gepa.Candidate> candidates;
        if (plan.optimizer().equals("gepa")) {
            Runnable counted = () -> progress.report(Math.min(++calls[0], plan.maxMetricCalls()),
                    plan.maxMetricCalls());
            String name = plan.promptName();
            Gepa.Outcome outcome = Gepa.search(Map.of(name, plan.template()), plan.records().size(),
                    (templates, rows) -> scored(plan, templates.get(name), rows, progress, counted),
                    (prompt, template, rows) -> proposal(plan, template, rows), plan.maxMetricCalls(),
                    new java.util.Random(plan.promptUri().hashCode()), progress::stopped);
            improved = outcome.best().get(name);
            baseline = Evaluation.of(outcome.seedRun().stream().map(Gepa.Scored::row).toList());
            after = Evaluation.of(outcome.bestRun().stream().map(Gepa.Scored::row).toList());
            calls[0] = outcome.metricCalls();
            candidates = outcome.candidates();
        } else {
            long total = 2L * plan.records().size() + 1;
            long[] done = {0};
            Runnable counted = () -> {
                calls[0]++;
                progress.report(++done[0], total);
            };
            baseline = evaluate(plan, plan.template(), plan.records(), progress, counted);
            if (progress.stopped()) {
                return Json.object();
            }
            improved = rewrite(plan, baseline);
            progress.report(++done[0], total);
            after = evaluate(plan, improved, plan.records(), progress, counted);
            Map<String, String> source = Map.of(plan.promptName(), plan.template());
            candidates = List.of(new Gepa.Candidate(source, baseline.aggregate().orElse(0.0), List.of(),
                    Optional.empty(), plan.records().size()), new Gepa.Candidate(Map.of(plan.promptName(), improved),
                    after.aggregate().orElse(0.0), List.of(0), Optional.of(plan.promptName()), calls[0]));
        }
        if (progress.stopped()) {
            return Json.object();
        }
        ModelVersion registered = register(plan, improved, runId, baseline, after);
        String optimizedUri = "prompts:/" + registered.name() + "/" + registered.version();
        if (!runId.isEmpty()) {
            long now = clock.millis();
            List<Metric> metrics = new ArrayList<>();
            baseline.aggregate().ifPresent(v -> metrics.add(metric("initial_eval_score", v, runId, now)));
            after.aggregate().ifPresent(v -> metrics.add(metric("final_eval_score", v, runId, now)));
            baseline.perScorer().forEach((k, v) -> metrics.add(metric("initial_eval_score." + k, v, runId, now)));
            after.perScorer().forEach((k, v) -> metrics.add(metric("final_eval_score." + k, v, runId, now)));
            metrics.add(metric("total_metric_calls", calls[0], runId, now));
            storage.tracking().logBatch(runId, new MetricBatch(metrics, List.of(), List.of(
                    new Tag("mlflow.linkedPrompts", linkedPrompts(plan, registered)))));
            storage.tracking().updateRun(runId, new RunUpdate(Optional.of(RunStatus.FINISHED), OptionalLong.of(now),
                    Optional.empty()));
        }
        ObjectNode result = Json.object().put("run_id", runId).put("source_prompt_uri", plan.promptUri())
                .put("optimized_prompt_uri", optimizedUri).put("optimizer_name", plan.optimizer().equals("gepa")
                        ? "GepaPromptOptimizer" : "MetaPromptOptimizer");
        put(result, "initial_eval_score", baseline.aggregate());
        put(result, "final_eval_score", after.aggregate());
        result.put("dataset_id", plan.records().isEmpty() ? "" : plan.records().getFirst().datasetId());
        ArrayNode names = result.putArray("scorer_names");
        plan.scorers().forEach(s -> names.add(s.name()));
        // Every template the search kept, for people to follow it (Osprey's addition to MLflow's result).
        ArrayNode kept = result.putArray("candidates");
        for (Gepa.Candidate c : candidates) {
            String template = c.templates().get(plan.promptName());
            kept.addObject().put("template", template).put("score", c.meanScore())
                    .put("parent", c.parents().isEmpty() ? -1 : c.parents().getFirst())
                    .put("metric_calls", c.metricCalls()).put("chosen", template.equals(improved));
        }
        return result;
    }

    private static void put(ObjectNode node, String field, Optional<Double> value) {
        if (value.isPresent()) {
            node.put(field, value.get());
        } else {
            node.putNull(field);
        }
    }

    private static Metric metric(String key, double value, String runId, long now) {
        return new Metric(key, value, now, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(runId));
    }

    private static String linkedPrompts(OptimizationPlan plan, ModelVersion registered) {
        ArrayNode linked = Json.object().arrayNode();
        linked.addObject().put("name", plan.source().name()).put("version", plan.source().version());
        linked.addObject().put("name", registered.name()).put("version", registered.version());
        return Json.writeString(linked);
    }

    /** GEPA's view of a run: each requested row's score (0 when no scorer could score it) and its feedback. */
    private List<Gepa.Scored> scored(OptimizationPlan plan, String template, List<Integer> rows, Progress progress,
            Runnable onRow) {
        List<DatasetRecord> records = rows.stream().map(plan.records()::get).toList();
        return evaluate(plan, template, records, progress, onRow).rows().stream()
                .map(r -> new Gepa.Scored(r.path("score").asDouble(0), r)).toList();
    }

    private Optional<String> proposal(OptimizationPlan plan, String template, List<ObjectNode> rows) {
        try {
            return MetaPrompts.rewrite(plan.reflection(), plan.promptName(), template, rows, plan.guidelines());
        } catch (RuntimeException e) {
            return Optional.empty(); // one failed reflection costs a step of the search, not the job
        }
    }

    private Evaluation evaluate(OptimizationPlan plan, String template, List<DatasetRecord> records, Progress progress,
            Runnable onRow) {
        List<ObjectNode> rows = new ArrayList<>();
        for (DatasetRecord r : records) {
            if (progress.stopped()) {
                break;
            }
            JsonNode inputs = DatasetRecords.parse(r.inputsJson());
            JsonNode expectations = DatasetRecords.parse(r.expectationsJson());
            String output = predict(plan, PromptTemplates.format(template, inputs));
            ObjectNode row = OptimizationRows.judged(new EvalItem(inputs, Json.object().textNode(output), expectations,
                    Optional.empty()), plan.scorers());
            rows.add(row);
            onRow.run();
        }
        return Evaluation.of(rows);
    }

    private String predict(OptimizationPlan plan, String prompt) {
        ObjectNode request = Json.object();
        request.putArray("messages").addObject().put("role", "user").put("content", prompt);
        try {
            Gateway.Reply reply = gateway.invoke(new Invocation(plan.endpoint(), Operation.CHAT, request, CALLER,
                    false, Optional.empty(), plan.workspace()));
            return Json.read(reply.body()).path("choices").path(0).path("message").path("content").asText("");
        } catch (GatewayException e) {
            return "Failed to invoke the prompt's model: " + e.getMessage();
        } catch (IOException e) {
            return "The prompt's model answered with invalid JSON.";
        }
    }

    /** The reflection model's rewrite of the template; the source template when it loses a variable. */
    private String rewrite(OptimizationPlan plan, Evaluation baseline) {
        try {
            return MetaPrompts.rewrite(plan.reflection(), plan.promptName(), plan.template(), baseline.rows(),
                    plan.guidelines()).orElse(plan.template());
        } catch (RuntimeException e) {
            throw new OspreyException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, "The reflection model "
                    + plan.reflection().name() + " failed: " + e.getMessage());
        }
    }

    private ModelVersion register(OptimizationPlan plan, String template, String runId, Evaluation baseline, Evaluation after) {
        List<Tag> tags = new ArrayList<>(List.of(new Tag("mlflow.prompt.is_prompt", "true"),
                new Tag("mlflow.prompt.text", template), new Tag("_mlflow_prompt_type", "text"),
                new Tag("osprey.optimization.source", plan.promptUri()),
                new Tag("osprey.optimization.optimizer", plan.optimizer())));
        plan.modelConfig().ifPresent(c -> tags.add(new Tag("_mlflow_prompt_model_config", c)));
        if (!runId.isEmpty()) {
            tags.add(new Tag("osprey.optimization.runId", runId));
        }
        if (!plan.records().isEmpty()) {
            tags.add(new Tag("osprey.optimization.datasetId", plan.records().getFirst().datasetId()));
        }
        baseline.aggregate().ifPresent(v -> tags.add(new Tag("osprey.optimization.initialScore", Double.toString(v))));
        after.aggregate().ifPresent(v -> tags.add(new Tag("osprey.optimization.finalScore", Double.toString(v))));
        return registry.in(Optional.of(plan.workspace())).createVersion(plan.promptName(), "dummy-source", runId,
                tags, "", Optional.of("Optimized from " + plan.promptUri() + " by " + (plan.optimizer().equals("gepa")
                        ? "GEPA" : "MetaPrompt")), Optional.empty());
    }
}
