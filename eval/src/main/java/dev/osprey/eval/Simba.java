package dev.osprey.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * SIMBA-style alignment (MLflow's {@code SIMBAAlignmentOptimizer}, which runs DSPy's stochastic introspective
 * mini-batch ascent): a search over the judge's prompt that keeps what the judge's own mistakes teach. Each step
 * takes a minibatch of the labelled examples, finds the best candidate prompt on it and the cases that candidate
 * still gets wrong, and grows two new candidates from one of those cases — one showing the case as a demonstration
 * (up to {@code maxDemos}), one adding a rule the reflection model writes from the case. The pool keeps the
 * {@code numCandidates} best; at the end the candidate agreeing most with people on the whole training set wins
 * (the smaller prompt on a tie). The result is a plain judge (MLflow's form: demonstrations before the instructions),
 * so it serializes as a {@code make_judge} judge.
 */
public final class Simba {
    private static final String DEMO_HEADER = "Here are some examples of good assessments:";

    private Simba() {}

    /** MLflow's SIMBA options where they apply; {@code batchSize} 0 means MLflow's default (10, at most the set). */
    public record Options(int batchSize, int maxSteps, int maxDemos, int numCandidates, long seed) {
        public static final Options DEFAULTS = new Options(0, 8, 4, 6, 42);

        public Options {
            if (batchSize < 0 || maxSteps < 1 || maxDemos < 0 || numCandidates < 1) {
                throw new IllegalArgumentException("SIMBA needs batch_size >= 0, max_steps >= 1, max_demos >= 0 and "
                        + "num_candidates >= 1.");
            }
        }
    }

    /** The winning judge, what it learned, and the calls spent: judge calls and reflection calls. */
    public record Result(LlmJudge judge, List<LabelledExample> demos, List<String> rules, double trainAccuracy,
            int judgeCalls, int reflectionCalls) {}

    /** A prompt in the search: the base instructions with demonstrations and rules. */
    private record Candidate(List<LabelledExample> demos, List<String> rules) {
        int size() {
            return demos.size() + rules.size();
        }
    }

    /**
     * Searches from {@code judge}'s instructions.
     *
     * @param afterCall called after each model call (progress)
     * @param stopped checked between calls: the search ends early with the best candidate so far
     */
    public static Result align(LlmJudge judge, List<LabelledExample> train, Options options, JudgeModel reflection,
            Runnable afterCall, BooleanSupplier stopped) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("No labelled examples to align judge '" + judge.name() + "' with.");
        }
        Search search = new Search(judge, train, reflection, afterCall, stopped);
        Random random = new Random(options.seed());
        int batchSize = options.batchSize() == 0 ? Math.min(10, train.size()) : Math.min(options.batchSize(),
                train.size());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        int cursor = 0;
        List<Candidate> pool = new ArrayList<>(List.of(new Candidate(List.of(), List.of())));
        for (int step = 0; step < options.maxSteps() && !stopped.getAsBoolean(); step++) {
            List<Integer> batch = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                batch.add(order.get(cursor++ % order.size()));
            }
            pool.sort(Comparator.comparingDouble((Candidate c) -> -search.accuracy(c, batch))
                    .thenComparingInt(Candidate::size));
            Candidate best = pool.getFirst();
            List<Integer> wrong = batch.stream().filter(i -> !search.agrees(best, i)).toList();
            if (wrong.isEmpty() || stopped.getAsBoolean()) {
                continue;
            }
            LabelledExample failure = train.get(wrong.get(random.nextInt(wrong.size())));
            if (best.demos().size() < options.maxDemos() && !best.demos().contains(failure)) {
                List<LabelledExample> demos = new ArrayList<>(best.demos());
                demos.add(failure);
                pool.add(new Candidate(List.copyOf(demos), best.rules()));
            }
            search.rule(best, failure).ifPresent(rule -> {
                List<String> rules = new ArrayList<>(best.rules());
                rules.add(rule);
                pool.add(new Candidate(best.demos(), List.copyOf(rules)));
            });
            pool.sort(Comparator.comparingDouble((Candidate c) -> -search.accuracy(c, batch))
                    .thenComparingInt(Candidate::size));
            while (pool.size() > options.numCandidates()) {
                pool.removeLast();
            }
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            all.add(i);
        }
        Candidate winner = stopped.getAsBoolean() ? pool.getFirst() : pool.stream()
                .min(Comparator.comparingDouble((Candidate c) -> -search.accuracy(c, all))
                        .thenComparingInt(Candidate::size)).orElseThrow();
        double trainAccuracy = stopped.getAsBoolean() ? Double.NaN : search.accuracy(winner, all);
        return new Result(search.judge(winner), winner.demos(), winner.rules(), trainAccuracy, search.judgeCalls,
                search.reflectionCalls);
    }

    /** Verdicts are cached per candidate and example, so a prompt is never asked twice about the same case. */
    private static final class Search {
        private final LlmJudge base;
        private final List<LabelledExample> train;
        private final JudgeModel reflection;
        private final Runnable afterCall;
        private final BooleanSupplier stopped;
        private final Map<Candidate, Map<Integer, Feedback>> verdicts = new HashMap<>();
        private final Map<Candidate, LlmJudge> judges = new LinkedHashMap<>();
        int judgeCalls;
        int reflectionCalls;

        Search(LlmJudge base, List<LabelledExample> train, JudgeModel reflection, Runnable afterCall,
                BooleanSupplier stopped) {
            this.base = base;
            this.train = train;
            this.reflection = reflection;
            this.afterCall = afterCall;
            this.stopped = stopped;
        }

        LlmJudge judge(Candidate c) {
            return judges.computeIfAbsent(c, k -> base.withInstructions(instructions(base, k.demos(), k.rules())));
        }

        Feedback verdict(Candidate c, int i) {
            Map<Integer, Feedback> cached = verdicts.computeIfAbsent(c, k -> new HashMap<>());
            Feedback f = cached.get(i);
            if (f == null) {
                f = judge(c).score(train.get(i).item());
                judgeCalls++;
                afterCall.run();
                cached.put(i, f);
            }
            return f;
        }

        boolean agrees(Candidate c, int i) {
            return Labels.of(verdict(c, i)).equals(train.get(i).label());
        }

        double accuracy(Candidate c, List<Integer> examples) {
            int agreed = 0;
            int asked = 0;
            for (int i : examples) {
                if (stopped.getAsBoolean() && !verdicts.getOrDefault(c, Map.of()).containsKey(i)) {
                    continue;
                }
                asked++;
                agreed += agrees(c, i) ? 1 : 0;
            }
            return asked == 0 ? 0 : (double) agreed / asked;
        }

        /** A rule from one case the candidate got wrong, written by the reflection model; empty if it gives none. */
        Optional<String> rule(Candidate c, LabelledExample failure) {
            int index = train.indexOf(failure);
            Feedback wrong = verdict(c, index);
            StringBuilder prompt = new StringBuilder("An automated judge works from these instructions:\n"
                    + "<instructions>\n").append(instructions(base, List.of(), c.rules())).append("\n</instructions>\n\n"
                    + "On the case below it disagreed with the person whose judgement it must match.\n");
            base.rendered(failure.item(), LlmJudge.EXAMPLE_FIELDS).forEach((field, text) -> prompt.append(field)
                    .append(": ").append(text).append('\n'));
            prompt.append("The judge said: ").append(Labels.of(wrong)).append(" (")
                    .append(wrong.rationale().or(wrong::error).orElse("no rationale")).append(")\n")
                    .append("The person said: ").append(failure.label()).append(" (")
                    .append(failure.rationale().isBlank() ? "no rationale" : failure.rationale()).append(")\n\n")
                    .append("Write one general rule, one sentence, that would make the judge decide such cases as "
                            + "the person does. Answer with {\"rule\": \"...\"}.");
            reflectionCalls++;
            String reply;
            try {
                reply = reflection.complete("You improve the instructions of an automated judge. Reply with a single "
                        + "JSON object and nothing else.", prompt.toString());
            } catch (JudgeModel.JudgeModelException e) {
                return Optional.empty();
            } finally {
                afterCall.run();
            }
            return LlmJudge.parseObject(reply).map(n -> n.path("rule").asText("").trim()).filter(r -> !r.isEmpty())
                    .filter(r -> !c.rules().contains(r));
        }
    }

    /**
     * A candidate's prompt as MLflow writes an optimized judge: the demonstrations first, then the instructions with
     * the learned rules, and the input fields named if the instructions lost them.
     */
    static String instructions(LlmJudge base, List<LabelledExample> demos, List<String> rules) {
        StringBuilder out = new StringBuilder();
        if (!demos.isEmpty()) {
            out.append(DEMO_HEADER).append("\n\n");
            for (int i = 0; i < demos.size(); i++) {
                LabelledExample d = demos.get(i);
                out.append("Example ").append(i + 1).append(":\n");
                base.rendered(d.item(), LlmJudge.EXAMPLE_FIELDS).forEach((field, text) -> out.append(field)
                        .append(": ").append(literal(text)).append('\n'));
                out.append("result: ").append(d.label()).append('\n');
                if (!d.rationale().isBlank()) {
                    out.append("rationale: ").append(literal(d.rationale())).append('\n');
                }
                out.append('\n');
            }
        }
        out.append(base.instructions());
        if (!rules.isEmpty()) {
            out.append("\n\nRules learned from human feedback:\n");
            rules.forEach(r -> out.append("- ").append(literal(r)).append('\n'));
        }
        return out.toString().stripTrailing();
    }

    /** Text shown as is: a "{{" in an example must not become a template variable of the new prompt. */
    private static String literal(String text) {
        return text.replace("{{", "{ {").replace("}}", "} }");
    }
}
