package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * {@code evaluate()} in memory: optionally runs the predict function on each row's inputs, then every scorer on
 * every row, with at most {@code concurrency} scorer calls at once (judges are usually rate-limited upstream), and
 * aggregates per scorer. A failing prediction or scorer becomes an error on that row, never a failed evaluation.
 * Logging the run and assessments to a server builds on this (roadmap).
 */
public final class Evaluation {
    private Evaluation() {}

    /** One row's outcome: the item as scored (with predicted outputs) and one feedback per scorer, in order. */
    public record RowResult(EvalItem item, Optional<String> predictionError, List<Feedback> feedbacks) {
        public RowResult {
            feedbacks = List.copyOf(feedbacks);
        }
    }

    /**
     * Per scorer: how many rows passed, failed and errored, and the mean of numeric verdicts (yes = 1, no = 0).
     */
    public record Aggregate(String scorer, int passed, int failed, int errors, double mean) {
        public double passRate() {
            int judged = passed + failed;
            return judged == 0 ? 0 : (double) passed / judged;
        }
    }

    public record Result(List<RowResult> rows, Map<String, Aggregate> aggregates) {
        public Result {
            rows = List.copyOf(rows);
            aggregates = Map.copyOf(aggregates);
        }
    }

    public static Result run(List<EvalItem> rows, Optional<Function<JsonNode, JsonNode>> predict,
            List<Scorer> scorers, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        Semaphore slots = new Semaphore(concurrency);
        List<RowResult> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RowResult>> futures = new ArrayList<>();
            for (EvalItem row : rows) {
                futures.add(pool.submit(() -> evaluateRow(row, predict, scorers, slots)));
            }
            for (Future<RowResult> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("An evaluation row failed unexpectedly", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Evaluation interrupted", e);
                }
            }
        }
        return new Result(results, aggregate(results, scorers));
    }

    private static RowResult evaluateRow(EvalItem row, Optional<Function<JsonNode, JsonNode>> predict,
            List<Scorer> scorers, Semaphore slots) throws InterruptedException {
        EvalItem item = row;
        Optional<String> predictionError = Optional.empty();
        if (predict.isPresent()) {
            try {
                JsonNode outputs = predict.get().apply(row.inputs());
                item = new EvalItem(row.inputs(), outputs == null ? Json.object() : outputs, row.expectations(),
                        row.trace(), row.conversation());
            } catch (RuntimeException e) {
                predictionError = Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        List<Feedback> feedbacks = new ArrayList<>();
        for (Scorer scorer : scorers) {
            if (predictionError.isPresent()) {
                feedbacks.add(Feedback.error(scorer.name(), Feedback.CODE, "Not scored: the prediction failed ("
                        + predictionError.get() + ")."));
                continue;
            }
            slots.acquire();
            try {
                feedbacks.add(scorer.safely(item));
            } finally {
                slots.release();
            }
        }
        return new RowResult(item, predictionError, feedbacks);
    }

    private static Map<String, Aggregate> aggregate(List<RowResult> rows, List<Scorer> scorers) {
        Map<String, Aggregate> out = new LinkedHashMap<>();
        for (int i = 0; i < scorers.size(); i++) {
            int passed = 0;
            int failed = 0;
            int errors = 0;
            double sum = 0;
            int numeric = 0;
            for (RowResult row : rows) {
                Feedback f = row.feedbacks().get(i);
                if (f.error().isPresent()) {
                    errors++;
                    continue;
                }
                if (f.passed()) {
                    passed++;
                } else {
                    failed++;
                }
                Optional<Double> number = f.value().flatMap(v -> switch (v) {
                    case FeedbackValue.Bool b -> Optional.of(b.value() ? 1.0 : 0.0);
                    case FeedbackValue.Number n -> Optional.of(n.value());
                    case FeedbackValue.Text t -> t.value().equalsIgnoreCase("yes") ? Optional.of(1.0)
                            : t.value().equalsIgnoreCase("no") ? Optional.of(0.0) : Optional.empty();
                });
                if (number.isPresent()) {
                    sum += number.get();
                    numeric++;
                }
            }
            String name = scorers.get(i).name();
            out.put(name, new Aggregate(name, passed, failed, errors, numeric == 0 ? 0 : sum / numeric));
        }
        return out;
    }
}
