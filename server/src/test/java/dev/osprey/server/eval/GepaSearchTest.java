package dev.osprey.server.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GEPA's search with a scripted evaluator and reflection model: no models, no server. */
class GepaSearchTest {
    /** Row r is solved by templates holding the hint "h<r>"; the reflection model adds one missing hint a time. */
    private static GepaSearch.Evaluator evaluator(List<String> seen) {
        return (template, rows) -> {
            seen.add(template);
            return rows.stream().map(r -> new GepaSearch.Scored(template.contains("h" + r) ? 1.0 : 0.0,
                    Json.object().put("row", r))).toList();
        };
    }

    private static final GepaSearch.Reflector ADD_A_HINT = (template, rows) -> rows.stream()
            .map(r -> r.path("row").asInt()).filter(r -> !template.contains("h" + r)).findFirst()
            .map(r -> template + " h" + r);

    @Test
    void theSearchClimbsToTheTemplateSolvingEveryRow_withinItsBudget() {
        List<String> seen = new ArrayList<>();
        GepaSearch.Outcome out = GepaSearch.search("seed", 4, evaluator(seen), ADD_A_HINT, 200, new Random(7),
                () -> false);
        assertThat(GepaSearch.Outcome.mean(out.seedRun())).isZero();
        assertThat(GepaSearch.Outcome.mean(out.bestRun())).isEqualTo(1.0);
        assertThat(out.best()).contains("h0", "h1", "h2", "h3");
        assertThat(out.candidates()).hasSizeGreaterThan(2);
        assertThat(out.candidates().getFirst().parent()).as("the seed").isEqualTo(-1);
        assertThat(out.candidates().getLast().meanScore()).isEqualTo(1.0);
        assertThat(out.candidates().getLast().parent()).isBetween(0, out.candidates().size() - 2);
        assertThat(out.metricCalls()).isLessThanOrEqualTo(200);
    }

    @Test
    void aBudgetThatOnlyScoresTheSeed_keepsTheSeed() {
        GepaSearch.Outcome out = GepaSearch.search("seed", 4, evaluator(new ArrayList<>()), ADD_A_HINT, 9,
                new Random(1), () -> false);
        assertThat(out.best()).isEqualTo("seed");
        assertThat(out.candidates()).hasSize(1);
        assertThat(out.metricCalls()).isLessThanOrEqualTo(9);
    }

    @Test
    void aRewriteThatDoesNoBetter_neverJoinsThePool() {
        GepaSearch.Outcome out = GepaSearch.search("seed", 3, evaluator(new ArrayList<>()),
                (template, rows) -> Optional.of(template + " still wrong"), 60, new Random(3), () -> false);
        assertThat(out.best()).isEqualTo("seed");
        assertThat(out.candidates()).hasSize(1);
    }

    @Test
    void paretoParents_areOnlyCandidatesLeadingSomeRow() {
        List<List<Double>> scores = List.of(List.of(0.0, 0.0, 0.0), List.of(1.0, 0.0, 0.0), List.of(0.0, 1.0, 1.0));
        int[] picked = new int[3];
        Random random = new Random(11);
        for (int i = 0; i < 3000; i++) {
            picked[GepaSearch.paretoParent(scores, random)]++;
        }
        assertThat(picked[0]).as("dominated everywhere").isZero();
        assertThat(picked[2]).as("leads two rows, drawn about twice as often").isBetween(picked[1] * 3 / 2,
                picked[1] * 5 / 2);
    }
}
