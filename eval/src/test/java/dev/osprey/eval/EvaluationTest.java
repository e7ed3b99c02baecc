package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** evaluate() in memory: predictions, scoring with bounded concurrency, per-row errors, aggregates. */
class EvaluationTest {

    private static List<EvalItem> rows(int n) {
        List<EvalItem> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new EvalItem(Json.object().put("n", i), Json.object(),
                    Json.object().put("expected_response", Integer.toString(i * 2)), Optional.empty()));
        }
        return rows;
    }

    @Test
    void predictsScoresAndAggregates_withinTheConcurrencyLimit() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        Scorer slow = Scorer.of("slow_even", item -> {
            int now = running.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
            return FeedbackValue.of(item.inputs().path("n").asInt() % 2 == 0);
        });
        // Doubles, except for 7, which it gets wrong, and 13, where it fails.
        Evaluation.Result result = Evaluation.run(rows(40), Optional.of((JsonNode inputs) -> {
            int n = inputs.path("n").asInt();
            if (n == 13) {
                throw new IllegalStateException("model down");
            }
            return Json.MAPPER.getNodeFactory().textNode(Integer.toString(n == 7 ? 0 : n * 2));
        }), List.of(CodeScorers.exactMatch(), slow), 4);

        assertThat(result.rows()).hasSize(40);
        assertThat(peak.get()).isBetween(1, 4);
        Evaluation.Aggregate exact = result.aggregates().get("exact_match");
        assertThat(exact.passed()).isEqualTo(38);
        assertThat(exact.failed()).isEqualTo(1);
        assertThat(exact.errors()).isEqualTo(1);
        assertThat(exact.passRate()).isEqualTo(38.0 / 39);
        Evaluation.Aggregate even = result.aggregates().get("slow_even");
        assertThat(even.passed() + even.failed()).isEqualTo(39);
        assertThat(even.mean()).isEqualTo((double) even.passed() / 39);
        Evaluation.RowResult failedRow = result.rows().get(13);
        assertThat(failedRow.predictionError()).hasValueSatisfying(e -> assertThat(e).contains("model down"));
        assertThat(failedRow.feedbacks()).allSatisfy(f -> assertThat(f.error()).isPresent());
        assertThat(result.rows().get(3).item().outputText()).isEqualTo("6");
    }

    @Test
    void withoutPredict_scoresTheGivenOutputs() {
        EvalItem given = new EvalItem(Json.object(), Json.MAPPER.getNodeFactory().textNode("{\"ok\": true}"),
                Json.object(), Optional.empty());
        Evaluation.Result result = Evaluation.run(List.of(given), Optional.empty(), List.of(CodeScorers.jsonValid()),
                1);
        assertThat(result.aggregates().get("json_valid").passed()).isEqualTo(1);
    }
}
