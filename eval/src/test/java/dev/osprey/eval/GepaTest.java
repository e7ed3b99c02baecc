package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GEPA's search with a scripted evaluator and reflection model: no models, no server. */
class GepaTest {
    /** Row r is solved by a prompt holding the hint "h<r>"; the reflection model adds one missing hint a time. */
    private static Gepa.Evaluator evaluator(List<Map<String, String>> seen) {
        return (templates, rows) -> {
            seen.add(templates);
            return rows.stream().map(r -> new Gepa.Scored(templates.get("p").contains("h" + r) ? 1.0 : 0.0,
                    Json.object().put("row", r))).toList();
        };
    }

    private static final Gepa.Reflector ADD_A_HINT = (prompt, template, rows) -> rows.stream()
            .map(r -> r.path("row").asInt()).filter(r -> !template.contains("h" + r)).findFirst()
            .map(r -> template + " h" + r);

    @Test
    void theSearchClimbsToTheTemplateSolvingEveryRow_withinItsBudget() {
        List<Map<String, String>> seen = new ArrayList<>();
        Gepa.Outcome out = Gepa.search(Map.of("p", "seed"), 4, evaluator(seen), ADD_A_HINT, 200, new Random(7),
                () -> false);
        assertThat(Gepa.Outcome.mean(out.seedRun())).isZero();
        assertThat(Gepa.Outcome.mean(out.bestRun())).isEqualTo(1.0);
        assertThat(out.best().get("p")).contains("h0", "h1", "h2", "h3");
        assertThat(out.candidates()).hasSizeGreaterThan(2);
        assertThat(out.candidates().getFirst().parents()).as("the seed").isEmpty();
        assertThat(out.candidates().getLast().meanScore()).isEqualTo(1.0);
        assertThat(out.candidates().getLast().parents()).hasSize(1);
        assertThat(out.candidates().getLast().changed()).contains("p");
        assertThat(out.metricCalls()).isLessThanOrEqualTo(200);
        assertThat(out.candidates()).as("one prompt: no merges").allMatch(c -> c.parents().size() < 2);
    }

    @Test
    void aBudgetThatOnlyScoresTheSeed_keepsTheSeed() {
        Gepa.Outcome out = Gepa.search(Map.of("p", "seed"), 4, evaluator(new ArrayList<>()), ADD_A_HINT, 9,
                new Random(1), () -> false);
        assertThat(out.best()).containsEntry("p", "seed");
        assertThat(out.candidates()).hasSize(1);
        assertThat(out.metricCalls()).isLessThanOrEqualTo(9);
    }

    @Test
    void aRewriteThatDoesNoBetter_neverJoinsThePool() {
        Gepa.Outcome out = Gepa.search(Map.of("p", "seed"), 3, evaluator(new ArrayList<>()),
                (prompt, template, rows) -> Optional.of(template + " still wrong"), 60, new Random(3), () -> false);
        assertThat(out.best()).containsEntry("p", "seed");
        assertThat(out.candidates()).hasSize(1);
    }

    /**
     * Two prompts, each fixing half of the rows: "plan" must say "steps" for even rows, "answer" must say "cite" for
     * odd rows; the reflection model improves only the prompt it is asked about. When the search fixes the two
     * prompts on two different lines of descent (which parent it draws is random), a merge combines them: each
     * prompt from the line that changed it.
     */
    @Test
    void withSeveralPrompts_eachTakesItsTurn_andAMergeCombinesWhatTwoLinesLearned() {
        Gepa.Evaluator system = (templates, rows) -> rows.stream().map(r -> {
            boolean ok = r % 2 == 0 ? templates.get("plan").contains("steps") : templates.get("answer").contains("cite");
            return new Gepa.Scored(ok ? 1.0 : 0.0, Json.object().put("row", r));
        }).toList();
        Gepa.Reflector fixOne = (prompt, template, rows) -> Optional.of(template + (prompt.equals("plan") ? " steps"
                : " cite"));
        Map<String, String> seed = new LinkedHashMap<>();
        seed.put("plan", "Plan.");
        seed.put("answer", "Answer.");
        int merged = 0;
        for (int run = 0; run < 20; run++) {
            Gepa.Outcome out = Gepa.search(seed, 6, system, fixOne, 400, new Random(run), () -> false);
            assertThat(Gepa.Outcome.mean(out.bestRun())).isEqualTo(1.0);
            assertThat(out.best()).containsEntry("plan", "Plan. steps").containsEntry("answer", "Answer. cite");
            assertThat(out.candidates()).extracting(c -> c.changed().orElse("")).contains("plan");
            for (Gepa.Candidate c : out.candidates()) {
                if (c.parents().size() == 2) {
                    merged++;
                    Map<String, String> a = out.candidates().get(c.parents().get(0)).templates();
                    Map<String, String> b = out.candidates().get(c.parents().get(1)).templates();
                    assertThat(c.templates().get("plan")).isIn(a.get("plan"), b.get("plan"));
                    assertThat(c.templates().get("answer")).isIn(a.get("answer"), b.get("answer"));
                    assertThat(c.templates()).isNotEqualTo(a).isNotEqualTo(b);
                }
            }
        }
        assertThat(merged).as("some runs fix the prompts on two lines, and merge them").isPositive();
    }

    @Test
    void paretoParents_areOnlyCandidatesLeadingSomeRow() {
        List<List<Double>> scores = List.of(List.of(0.0, 0.0, 0.0), List.of(1.0, 0.0, 0.0), List.of(0.0, 1.0, 1.0));
        int[] picked = new int[3];
        Random random = new Random(11);
        for (int i = 0; i < 3000; i++) {
            picked[Gepa.paretoParent(scores, random)]++;
        }
        assertThat(picked[0]).as("dominated everywhere").isZero();
        assertThat(picked[2]).as("leads two rows, drawn about twice as often").isBetween(picked[1] * 3 / 2,
                picked[1] * 5 / 2);
        assertThat(Gepa.front(scores)).containsExactly(1, 2);
    }
}
