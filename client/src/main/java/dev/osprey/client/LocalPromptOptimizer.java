package dev.osprey.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.client.prompts.NewPrompt;
import dev.osprey.client.prompts.PromptType;
import dev.osprey.client.prompts.PromptVersion;
import dev.osprey.client.prompts.Prompts;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Gepa;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.MetaPrompts;
import dev.osprey.eval.OptimizationRows;
import dev.osprey.eval.PromptTemplates;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * MLflow's {@code optimize_prompts} in the SDK, for programs the server cannot run: the predict function is any Java
 * code that uses the prompts it is handed (one or several, by name) on a row's inputs. The optimizers are the
 * server's — GEPA over all the prompts at once (each takes its turn being rewritten, and lines that improved
 * different prompts are merged), or MetaPrompt (one rewrite of each prompt from the baseline's results) — with the
 * scorers and the reflection model run here. Prompts that improved are registered as their next versions, with
 * lineage tags ({@code osprey.optimization.source}, {@code .optimizer}, {@code .initialScore}, {@code .finalScore});
 * a rewrite that loses a template variable is never used. Obtained from
 * {@link PromptOptimizationClient#local()}.
 */
public final class LocalPromptOptimizer {
    private final Prompts prompts;

    LocalPromptOptimizer(Prompts prompts) {
        this.prompts = prompts;
    }

    /** The prompts as the predict function sees them: the current templates by name. */
    public record PromptSet(Map<String, String> templates) {
        public PromptSet {
            templates = Map.copyOf(templates);
        }

        /** The template of {@code name} with {@code {{variables}}} filled from {@code inputs}. */
        public String format(String name, JsonNode inputs) {
            String template = templates.get(name);
            if (template == null) {
                throw new IllegalArgumentException("No prompt named '" + name + "' is being optimized; known: "
                        + templates.keySet() + ".");
            }
            return PromptTemplates.format(template, inputs);
        }
    }

    /**
     * What to optimize.
     *
     * @param promptUris text prompts ({@code prompts:/name/version}, {@code @alias}); the optimized versions keep the
     *     names
     * @param rows inputs and expectations (outputs are what predict makes)
     * @param predict the program: the prompts and a row's inputs in, its output out
     * @param maxMetricCalls GEPA's budget of row evaluations
     */
    public record Request(List<String> promptUris, List<EvalItem> rows, BiFunction<PromptSet, JsonNode, JsonNode> predict,
            List<Scorer> scorers, PromptOptimizationClient.Optimizer optimizer, JudgeModel reflection,
            long maxMetricCalls, Optional<String> guidelines, long seed) {
        public Request {
            promptUris = List.copyOf(promptUris);
            rows = List.copyOf(rows);
            Objects.requireNonNull(predict, "predict");
            scorers = List.copyOf(scorers);
            Objects.requireNonNull(optimizer, "optimizer");
            Objects.requireNonNull(reflection, "reflection");
            Objects.requireNonNull(guidelines, "guidelines");
            if (promptUris.isEmpty() || rows.isEmpty() || scorers.isEmpty()) {
                throw new IllegalArgumentException("Optimization needs at least one prompt, one row and one scorer.");
            }
        }

        /** 100 row evaluations for GEPA, no guidelines, seed 42. */
        public static Request of(List<String> promptUris, List<EvalItem> rows,
                BiFunction<PromptSet, JsonNode, JsonNode> predict, List<Scorer> scorers,
                PromptOptimizationClient.Optimizer optimizer, JudgeModel reflection) {
            return new Request(promptUris, rows, predict, scorers, optimizer, reflection, 100, Optional.empty(), 42);
        }

        public Request withBudget(long rowEvaluations) {
            return new Request(promptUris, rows, predict, scorers, optimizer, reflection, rowEvaluations, guidelines,
                    seed);
        }
    }

    /**
     * The outcome.
     *
     * @param optimized the new version of each prompt that changed ({@code prompts:/name/version}), by name
     * @param best the best templates found, by name (the sources where nothing better was found)
     * @param candidates every system of templates the search kept, the seed first
     */
    public record Result(double initialScore, double finalScore, Map<String, String> optimized,
            Map<String, String> best, List<Gepa.Candidate> candidates, long metricCalls) {}

    public Result optimize(Request r) {
        Map<String, PromptVersion> sources = new LinkedHashMap<>();
        for (String uri : r.promptUris()) {
            PromptVersion v = prompts.load(uri);
            if (v.type() != PromptType.TEXT) {
                throw new IllegalArgumentException("Only text prompts can be optimized; " + uri + " is "
                        + v.type().wireName() + ".");
            }
            sources.put(v.name(), v);
        }
        Map<String, String> seed = new LinkedHashMap<>();
        sources.forEach((name, v) -> seed.put(name, v.template()));
        long[] calls = {0};
        Gepa.Evaluator evaluator = (templates, rowIndexes) -> {
            calls[0] += rowIndexes.size();
            return rowIndexes.stream().map(i -> scored(r, templates, r.rows().get(i))).toList();
        };
        Gepa.Reflector reflector = (name, template, results) -> rewrite(r, name, template, results);
        Map<String, String> best;
        List<Gepa.Scored> before;
        List<Gepa.Scored> after;
        List<Gepa.Candidate> candidates;
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < r.rows().size(); i++) {
            all.add(i);
        }
        if (r.optimizer() == PromptOptimizationClient.Optimizer.GEPA) {
            Gepa.Outcome outcome = Gepa.search(seed, r.rows().size(), evaluator, reflector, r.maxMetricCalls(),
                    new Random(r.seed()), () -> Thread.currentThread().isInterrupted());
            best = outcome.best();
            before = outcome.seedRun();
            after = outcome.bestRun();
            candidates = outcome.candidates();
        } else {
            before = evaluator.run(seed, all);
            Map<String, String> rewritten = new LinkedHashMap<>(seed);
            for (String name : seed.keySet()) {
                rewrite(r, name, seed.get(name), before.stream().map(Gepa.Scored::row).toList())
                        .ifPresent(t -> rewritten.put(name, t));
            }
            List<Gepa.Scored> tried = rewritten.equals(seed) ? before : evaluator.run(rewritten, all);
            boolean better = Gepa.Outcome.mean(tried) > Gepa.Outcome.mean(before);
            best = better ? rewritten : seed;
            after = better ? tried : before;
            candidates = List.of(new Gepa.Candidate(seed, Gepa.Outcome.mean(before), List.of(), Optional.empty(),
                    all.size()), new Gepa.Candidate(rewritten, Gepa.Outcome.mean(tried), List.of(0), Optional.empty(),
                    calls[0]));
        }
        double initial = Gepa.Outcome.mean(before);
        double fin = Gepa.Outcome.mean(after);
        Map<String, String> optimized = new LinkedHashMap<>();
        if (fin > initial) {
            for (var e : best.entrySet()) {
                PromptVersion source = sources.get(e.getKey());
                if (!e.getValue().equals(source.template())) {
                    optimized.put(e.getKey(), register(r, source, e.getValue(), initial, fin).uri());
                }
            }
        }
        return new Result(initial, fin, optimized, best, candidates, calls[0]);
    }

    private PromptVersion register(Request r, PromptVersion source, String template, double initial, double fin) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("osprey.optimization.source", source.uri());
        tags.put("osprey.optimization.optimizer", r.optimizer().name().toLowerCase(Locale.ROOT));
        tags.put("osprey.optimization.initialScore", Double.toString(initial));
        tags.put("osprey.optimization.finalScore", Double.toString(fin));
        return prompts.register(new NewPrompt(source.name(), PromptType.TEXT, template, List.of(),
                Optional.of("Optimized from " + source.uri() + " by " + r.optimizer().name()), tags,
                source.responseFormat(), source.modelConfig()));
    }

    /** One row run through the program and scored: the mean of the scorers' scores (0 when none could score). */
    private static Gepa.Scored scored(Request r, Map<String, String> templates, EvalItem row) {
        JsonNode output;
        try {
            output = r.predict().apply(new PromptSet(templates), row.inputs());
        } catch (RuntimeException e) {
            output = Json.object().textNode("predict failed: " + e.getMessage());
        }
        ObjectNode result = OptimizationRows.judged(new EvalItem(row.inputs(), output, row.expectations(),
                Optional.empty()), r.scorers());
        return new Gepa.Scored(result.path("score").asDouble(0), result);
    }

    private static Optional<String> rewrite(Request r, String name, String template, List<ObjectNode> results) {
        try {
            return MetaPrompts.rewrite(r.reflection(), name, template, results, r.guidelines());
        } catch (JudgeModel.JudgeModelException e) {
            return Optional.empty();
        }
    }
}
