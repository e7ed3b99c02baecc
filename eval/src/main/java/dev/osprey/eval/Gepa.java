package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * GEPA's reflective evolution (Agrawal et al., 2025; the search MLflow's GEPA optimizer runs) over a system of one or
 * more prompt templates, by name. The pool starts with the seed, scored on every row. Each step draws a parent from
 * the Pareto front (the candidates best on at least one row, in proportion to how many rows they lead), picks its next
 * prompt in turn, runs the parent on a minibatch and has the reflection model rewrite that one prompt from the
 * results; a child that beats its parent on the minibatch is scored on every row and joins the pool. Minibatches the
 * parent already aces teach nothing and are skipped.
 *
 * <p>With several prompts, GEPA's merge runs after each accepted child: two candidates of the front that descend from a
 * common ancestor are combined prompt by prompt — each prompt from the candidate that changed it since the ancestor
 * (from the better one when both did) — and the merge joins the pool when it does at least as well as both on a
 * minibatch. With a single prompt a merge could only give back one of its parents, so it never runs.
 *
 * <p>The budget is row evaluations ({@code maxMetricCalls}); the search ends early once a candidate scores 1 on every
 * row. The answer is the candidate with the best mean.
 */
public final class Gepa {
    /** Rows per reflection minibatch (GEPA's default). */
    public static final int MINIBATCH = 3;

    /** Runs a system of templates on some rows: each row's score (1 is best) and what the reflection model sees. */
    @FunctionalInterface
    public interface Evaluator {
        List<Scored> run(Map<String, String> templates, List<Integer> rows);
    }

    /** A rewrite of one prompt from a minibatch's results, when the reflection model gives a usable one. */
    @FunctionalInterface
    public interface Reflector {
        Optional<String> propose(String prompt, String template, List<ObjectNode> rows);
    }

    public record Scored(double score, ObjectNode row) {}

    /**
     * One system of templates the pool kept.
     *
     * @param parents the indexes of the candidates it came from: none for the seed, one for a rewrite, two for a merge
     * @param changed the prompt a rewrite changed (empty for the seed and merges)
     * @param metricCalls the row evaluations spent when it joined the pool
     */
    public record Candidate(Map<String, String> templates, double meanScore, List<Integer> parents,
            Optional<String> changed, long metricCalls) {
        public Candidate {
            templates = Map.copyOf(templates);
            parents = List.copyOf(parents);
        }
    }

    /** The best system, the full runs of the seed and of the best, and every candidate the pool kept, in order. */
    public record Outcome(Map<String, String> best, List<Scored> seedRun, List<Scored> bestRun,
            List<Candidate> candidates, long metricCalls) {
        public static double mean(List<Scored> run) {
            return run.stream().mapToDouble(Scored::score).average().orElse(0);
        }
    }

    private final Evaluator evaluator;
    private final Reflector reflector;
    private final int rowCount;
    private final long maxMetricCalls;
    private final Random random;
    private final List<String> prompts;
    private final List<Map<String, String>> pool = new ArrayList<>();
    private final List<List<Scored>> runs = new ArrayList<>();
    private final List<List<Integer>> parents = new ArrayList<>();
    private final List<Candidate> kept = new ArrayList<>();
    private final List<Integer> all = new ArrayList<>();
    private final List<Integer> order;
    private int cursor;
    private long calls;

    private Gepa(Map<String, String> seed, int rowCount, Evaluator evaluator, Reflector reflector,
            long maxMetricCalls, Random random) {
        this.evaluator = evaluator;
        this.reflector = reflector;
        this.rowCount = rowCount;
        this.maxMetricCalls = maxMetricCalls;
        this.random = random;
        this.prompts = List.copyOf(seed.keySet());
        for (int i = 0; i < rowCount; i++) {
            all.add(i);
        }
        order = new ArrayList<>(all);
        Collections.shuffle(order, random);
    }

    /**
     * Searches from {@code seed} (prompt name to template, in the order prompts take turns).
     *
     * @param stopped checked between steps: the search ends with the best candidate so far
     */
    public static Outcome search(Map<String, String> seed, int rowCount, Evaluator evaluator, Reflector reflector,
            long maxMetricCalls, Random random, BooleanSupplier stopped) {
        if (seed.isEmpty() || rowCount == 0) {
            throw new IllegalArgumentException("GEPA needs at least one prompt and one row.");
        }
        return new Gepa(new LinkedHashMap<>(seed), rowCount, evaluator, reflector, maxMetricCalls, random)
                .run(new LinkedHashMap<>(seed), stopped);
    }

    private Outcome run(Map<String, String> seed, BooleanSupplier stopped) {
        add(seed, evaluator.run(seed, all), List.of(), Optional.empty());
        int batchSize = Math.min(MINIBATCH, rowCount);
        int turn = 0;
        int mergesDue = 0;
        while (!stopped.getAsBoolean() && calls + 2L * batchSize <= maxMetricCalls && !solved()) {
            if (mergesDue > 0 && prompts.size() > 1) {
                mergesDue--;
                merge(batchSize);
                continue;
            }
            int parent = paretoParent(scores(), random);
            String prompt = prompts.get(turn++ % prompts.size());
            List<Integer> batch = minibatch(batchSize);
            List<Scored> parentRun = evaluator.run(pool.get(parent), batch);
            calls += batchSize;
            if (parentRun.stream().allMatch(s -> s.score() >= 1.0)) {
                continue;
            }
            Optional<Map<String, String>> child = reflector.propose(prompt, pool.get(parent).get(prompt),
                    parentRun.stream().map(Scored::row).toList()).map(t -> with(pool.get(parent), prompt, t))
                    .filter(c -> !pool.contains(c));
            if (child.isEmpty()) {
                continue;
            }
            List<Scored> childRun = evaluator.run(child.get(), batch);
            calls += batchSize;
            if (sum(childRun) <= sum(parentRun) || calls + rowCount > maxMetricCalls) {
                continue;
            }
            add(child.get(), evaluator.run(child.get(), all), List.of(parent), Optional.of(prompt));
            mergesDue = Math.min(mergesDue + 1, 5);
        }
        int best = 0;
        for (int i = 1; i < pool.size(); i++) {
            if (Outcome.mean(runs.get(i)) > Outcome.mean(runs.get(best))) {
                best = i;
            }
        }
        return new Outcome(pool.get(best), runs.getFirst(), runs.get(best), kept, calls);
    }

    private void add(Map<String, String> templates, List<Scored> run, List<Integer> from, Optional<String> changed) {
        pool.add(templates);
        runs.add(run);
        parents.add(from);
        calls += run.size();
        kept.add(new Candidate(templates, Outcome.mean(run), from, changed, calls));
    }

    /**
     * The next rows of an epoch; each epoch is shuffled anew (as GEPA's batch sampler does), so the prompts' turns
     * and the batches cannot fall into step — with a fixed order, a prompt could meet only rows it cannot fix.
     */
    private List<Integer> minibatch(int size) {
        List<Integer> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (cursor == order.size()) {
                Collections.shuffle(order, random);
                cursor = 0;
            }
            batch.add(order.get(cursor++));
        }
        return batch;
    }

    private static Map<String, String> with(Map<String, String> templates, String prompt, String template) {
        Map<String, String> out = new LinkedHashMap<>(templates);
        out.put(prompt, template);
        return out;
    }

    /** GEPA's system-aware merge of two front candidates with a common ancestor, kept when it matches both. */
    private void merge(int batchSize) {
        List<Integer> front = front(scores());
        for (int a = 0; a < front.size(); a++) {
            for (int b = a + 1; b < front.size(); b++) {
                int i = front.get(a);
                int j = front.get(b);
                Optional<Integer> ancestor = commonAncestor(i, j);
                if (ancestor.isEmpty() || ancestor.get() == i || ancestor.get() == j) {
                    continue;
                }
                Map<String, String> merged = new LinkedHashMap<>();
                Map<String, String> base = pool.get(ancestor.get());
                for (String p : prompts) {
                    boolean iChanged = !pool.get(i).get(p).equals(base.get(p));
                    boolean jChanged = !pool.get(j).get(p).equals(base.get(p));
                    int from = iChanged && jChanged ? (Outcome.mean(runs.get(i)) >= Outcome.mean(runs.get(j)) ? i : j)
                            : iChanged ? i : jChanged ? j : ancestor.get();
                    merged.put(p, pool.get(from).get(p));
                }
                if (pool.contains(merged) || calls + 3L * batchSize + rowCount > maxMetricCalls) {
                    continue;
                }
                List<Integer> batch = minibatch(batchSize);
                double mergedScore = sum(evaluator.run(merged, batch));
                double iScore = sum(evaluator.run(pool.get(i), batch));
                double jScore = sum(evaluator.run(pool.get(j), batch));
                calls += 3L * batchSize;
                if (mergedScore >= Math.max(iScore, jScore)) {
                    add(merged, evaluator.run(merged, all), List.of(i, j), Optional.empty());
                }
                return;
            }
        }
    }

    /** The nearest candidate both descend from (through any parent), if any. */
    private Optional<Integer> commonAncestor(int i, int j) {
        List<Integer> ofI = ancestors(i);
        List<Integer> ofJ = ancestors(j);
        return ofI.stream().filter(ofJ::contains).max(Integer::compare);
    }

    private List<Integer> ancestors(int c) {
        List<Integer> out = new ArrayList<>(List.of(c));
        for (int k = 0; k < out.size(); k++) {
            for (int p : parents.get(out.get(k))) {
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private boolean solved() {
        return runs.stream().anyMatch(r -> r.stream().allMatch(s -> s.score() >= 1.0));
    }

    private List<List<Double>> scores() {
        return runs.stream().map(r -> r.stream().map(Scored::score).toList()).toList();
    }

    private static double sum(List<Scored> run) {
        return run.stream().mapToDouble(Scored::score).sum();
    }

    /** The candidates leading at least one row. */
    static List<Integer> front(List<List<Double>> scores) {
        int[] leads = leads(scores);
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < leads.length; c++) {
            if (leads[c] > 0) {
                out.add(c);
            }
        }
        return out;
    }

    private static int[] leads(List<List<Double>> scores) {
        int rows = scores.getFirst().size();
        int[] leads = new int[scores.size()];
        for (int r = 0; r < rows; r++) {
            double top = Double.NEGATIVE_INFINITY;
            for (List<Double> s : scores) {
                top = Math.max(top, s.get(r));
            }
            for (int c = 0; c < scores.size(); c++) {
                if (scores.get(c).get(r) == top) {
                    leads[c]++;
                }
            }
        }
        return leads;
    }

    /** A candidate from the Pareto front, drawn in proportion to the number of rows it leads. */
    static int paretoParent(List<List<Double>> scores, Random random) {
        int[] leads = leads(scores);
        int total = 0;
        for (int l : leads) {
            total += l;
        }
        int pick = random.nextInt(Math.max(total, 1));
        for (int c = 0; c < leads.length; c++) {
            pick -= leads[c];
            if (pick < 0) {
                return c;
            }
        }
        return 0;
    }
}
