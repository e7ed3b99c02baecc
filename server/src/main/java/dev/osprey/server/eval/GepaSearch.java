package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * GEPA's reflective evolution of one prompt template (Agrawal et al., 2025, the search MLflow's GEPA optimizer runs):
 * a pool of candidates, each scored on every dataset row; the parent of the next candidate is drawn from the Pareto
 * front (the candidates best on at least one row, in proportion to how many rows they lead); the parent runs on a
 * small minibatch and the reflection model rewrites it from that feedback; a child that beats its parent on the
 * minibatch is scored on every row and joins the pool. Minibatches the parent already aces teach nothing and are
 * skipped. The budget is row evaluations ({@code max_metric_calls}), and the search ends early once a candidate
 * scores 1 on every row; the answer is the candidate with the best mean.
 */
final class GepaSearch {
    /** Rows per reflection minibatch (GEPA's default). */
    static final int MINIBATCH = 3;

    /** Runs a template on some rows; each row's score (1 is best) and what the reflection model is shown. */
    interface Evaluator {
        List<Scored> run(String template, List<Integer> rows);
    }

    /** A rewrite of the template from the minibatch's results, when the reflection model gives a usable one. */
    interface Reflector {
        Optional<String> propose(String template, List<ObjectNode> rows);
    }

    record Scored(double score, ObjectNode row) {}

    /**
     * One template of the pool, kept for people to see how the search went.
     *
     * @param parent the index of the candidate it was rewritten from; -1 for the seed
     * @param metricCalls the row evaluations spent when it joined the pool
     */
    record Candidate(String template, double meanScore, int parent, long metricCalls) {}

    /** The best template, the full runs of the seed and of the best, and every candidate the pool kept. */
    record Outcome(String best, List<Scored> seedRun, List<Scored> bestRun, List<Candidate> candidates,
            long metricCalls) {
        static double mean(List<Scored> run) {
            return run.stream().mapToDouble(Scored::score).average().orElse(0);
        }
    }

    private GepaSearch() {}

    static Outcome search(String seed, int rowCount, Evaluator evaluator, Reflector reflector, long maxMetricCalls,
            Random random, BooleanSupplier stopped) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < rowCount; i++) {
            all.add(i);
        }
        List<String> pool = new ArrayList<>(List.of(seed));
        List<List<Scored>> runs = new ArrayList<>(List.of(evaluator.run(seed, all)));
        List<List<Double>> scores = new ArrayList<>(List.of(scores(runs.getFirst())));
        long calls = rowCount;
        List<Candidate> kept = new ArrayList<>(List.of(new Candidate(seed, Outcome.mean(runs.getFirst()), -1, calls)));
        List<Integer> order = new ArrayList<>(all);
        Collections.shuffle(order, random);
        int cursor = 0;
        int batchSize = Math.min(MINIBATCH, rowCount);
        while (!stopped.getAsBoolean() && calls + 2L * batchSize <= maxMetricCalls && !solved(scores)) {
            int parent = paretoParent(scores, random);
            List<Integer> batch = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                batch.add(order.get(cursor++ % order.size()));
            }
            List<Scored> parentRun = evaluator.run(pool.get(parent), batch);
            calls += batchSize;
            if (parentRun.stream().allMatch(s -> s.score() >= 1.0)) {
                continue;
            }
            Optional<String> child = reflector.propose(pool.get(parent), parentRun.stream().map(Scored::row)
                    .toList()).filter(c -> !pool.contains(c));
            if (child.isEmpty()) {
                continue;
            }
            List<Scored> childRun = evaluator.run(child.get(), batch);
            calls += batchSize;
            if (sum(childRun) <= sum(parentRun) || calls + rowCount > maxMetricCalls) {
                continue;
            }
            pool.add(child.get());
            runs.add(evaluator.run(child.get(), all));
            scores.add(scores(runs.getLast()));
            calls += rowCount;
            kept.add(new Candidate(child.get(), Outcome.mean(runs.getLast()), parent, calls));
        }
        int best = 0;
        for (int i = 1; i < pool.size(); i++) {
            if (Outcome.mean(runs.get(i)) > Outcome.mean(runs.get(best))) {
                best = i;
            }
        }
        return new Outcome(pool.get(best), runs.getFirst(), runs.get(best), kept, calls);
    }

    /** Some candidate scores 1 on every row: there is nothing left to learn, so the budget is not spent. */
    private static boolean solved(List<List<Double>> scores) {
        return scores.stream().anyMatch(s -> s.stream().allMatch(v -> v >= 1.0));
    }

    private static List<Double> scores(List<Scored> run) {
        return run.stream().map(Scored::score).toList();
    }

    private static double sum(List<Scored> run) {
        return run.stream().mapToDouble(Scored::score).sum();
    }

    /** A candidate from the Pareto front, drawn in proportion to the number of rows it leads. */
    static int paretoParent(List<List<Double>> scores, Random random) {
        int rows = scores.getFirst().size();
        int[] leads = new int[scores.size()];
        int total = 0;
        for (int r = 0; r < rows; r++) {
            double top = Double.NEGATIVE_INFINITY;
            for (List<Double> s : scores) {
                top = Math.max(top, s.get(r));
            }
            for (int c = 0; c < scores.size(); c++) {
                if (scores.get(c).get(r) == top) {
                    leads[c]++;
                    total++;
                }
            }
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
