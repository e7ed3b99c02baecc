package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pieces of judge alignment that do not need a server: agreement, MemAlign's memories and forms, SIMBA's prompt. */
class AlignmentTest {
    private ScriptedLlm llm;

    @BeforeEach
    void start() throws Exception {
        llm = new ScriptedLlm();
    }

    @AfterEach
    void stop() {
        llm.close();
    }

    private LlmJudge judge() {
        return LlmJudge.make("style", "Is {{ outputs }} acceptable for {{ inputs }}?", JudgeValueType.yesNo(),
                llm.model());
    }

    private static LabelledExample example(String id, String answer, String label) throws Exception {
        return new LabelledExample(id, new EvalItem(Json.read("{\"q\": \"" + id + "\"}"), Json.read("\"" + answer
                + "\""), Json.object(), Optional.empty()), label, "because " + label);
    }

    @Test
    void agreement_discountsChance_asCohensKappaDoes() {
        // 80 % "yes" people; a judge that always says yes agrees 80 % of the time and knows nothing.
        List<String> people = List.of("yes", "yes", "yes", "yes", "no");
        Agreement always = Agreement.of(people, List.of("yes", "yes", "yes", "yes", "yes"));
        assertThat(always.accuracy()).isEqualTo(0.8);
        assertThat(always.kappa()).isCloseTo(0.0, within(1e-9));
        // Textbook case: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4.
        List<String> a = new java.util.ArrayList<>();
        List<String> b = new java.util.ArrayList<>();
        add(a, b, "yes", "yes", 20);
        add(a, b, "yes", "no", 5);
        add(a, b, "no", "yes", 10);
        add(a, b, "no", "no", 15);
        Agreement textbook = Agreement.of(a, b);
        assertThat(textbook.accuracy()).isCloseTo(0.7, within(1e-9));
        assertThat(textbook.kappa()).isCloseTo(0.4, within(1e-9));
        Agreement errors = Agreement.of(List.of("yes", "no"), List.of("error", "no"));
        assertThat(errors.errors()).isEqualTo(1);
        assertThat(errors.agreed()).isEqualTo(1);
        assertThatThrownBy(() -> Agreement.of(List.of("yes"), List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private static void add(List<String> a, List<String> b, String x, String y, int n) {
        for (int i = 0; i < n; i++) {
            a.add(x);
            b.add(y);
        }
    }

    @Test
    void labels_foldTheYesNoFamily_andKeepOtherValues() throws Exception {
        assertThat(Labels.of(FeedbackValue.of(true))).isEqualTo("yes");
        assertThat(Labels.of(Json.read("false"))).contains("no");
        assertThat(Labels.of(Json.read("\" PASS \""))).contains("yes");
        assertThat(Labels.of(Json.read("4.0"))).contains("4");
        assertThat(Labels.of(Json.read("\"Partially\""))).contains("partially");
        assertThat(Labels.of(Json.read("{\"a\": 1}"))).isEmpty();
        assertThat(Labels.of(Feedback.error("x", Feedback.LLM_JUDGE, "down"))).isEqualTo("error");
    }

    @Test
    void memAlign_distillsGuidelinesNamingTheirSources_dropsRepeats_andKeepsEveryExample() throws Exception {
        List<LabelledExample> examples = List.of(example("tr-1", "ok [a]", "yes"), example("tr-2", "ok", "no"),
                example("tr-3", "fine", "no"));
        llm.then("{\"guidelines\": [{\"guideline_text\": \"Cite sources.\", \"source_trace_ids\": [1, \"2\", 9]}, "
                + "{\"guideline_text\": \"Cite sources.\", \"source_trace_ids\": [2]}, "
                + "{\"guideline_text\": \"Unsourced.\", \"source_trace_ids\": [42]}, "
                + "{\"guideline_text\": \"By id.\", \"source_trace_ids\": [\"tr-3\"]}]}");
        Embedder embedder = fixedEmbedder();
        var settings = new MemoryAugmentedJudge.Settings("openai:/judge-model", 2, "test:/embed", 3);
        MemAlign.Result result = MemAlign.align(judge(), Json.read("{\"name\": \"style\"}"), examples, settings,
                llm.model(), embedder);
        assertThat(result.reflectionCalls()).isEqualTo(1);
        assertThat(result.learned()).containsExactly(new Guideline("Cite sources.", List.of("tr-2", "tr-3")),
                new Guideline("By id.", List.of("tr-3")));
        assertThat(result.judge().episodicTraceIds()).containsExactly("tr-1", "tr-2", "tr-3");
        String reflection = llm.requests().getFirst().path("messages").path(1).path("content").asText();
        assertThat(reflection).contains("{\"id\":1,").contains("\"result\":\"no\"").contains("Is {{ outputs }}");

        // Again with one new example: the known guideline is shown as known, and not added twice.
        llm.then("{\"guidelines\": [{\"guideline_text\": \"Cite sources.\", \"source_trace_ids\": [0]}]}");
        MemAlign.Result again = MemAlign.align(result.judge(), Json.object(), List.of(example("tr-4", "x", "no")),
                settings, llm.model(), embedder);
        assertThat(again.learned()).isEmpty();
        assertThat(again.judge().guidelines()).hasSize(2);
        assertThat(again.judge().episodicTraceIds()).containsExactly("tr-1", "tr-2", "tr-3", "tr-4");
        assertThat(llm.requests().getFirst().path("messages").path(1).path("content").asText())
                .contains("Guidelines already known").contains("- Cite sources.");
        // Removing a source trace keeps a guideline with another source left; removing all of them drops it.
        assertThat(again.judge().without(java.util.Set.of("tr-3")).guidelines()).extracting(Guideline::text)
                .containsExactly("Cite sources.");
        assertThat(again.judge().without(java.util.Set.of("tr-2", "tr-3")).guidelines()).isEmpty();
    }

    private static Embedder fixedEmbedder() {
        return new Embedder() {
            @Override
            public String name() {
                return "test:/embed";
            }

            @Override
            public List<float[]> embed(List<String> texts) {
                return texts.stream().map(t -> new float[] {t.contains("[") ? 1f : 0f, t.length() % 7, 1f}).toList();
            }
        };
    }

    @Test
    void anAlignedJudge_showsTheNearestExamplesAndGuidelines_andRoundTripsMlflowsForm() throws Exception {
        var settings = new MemoryAugmentedJudge.Settings("openai:/judge-model", 1, "test:/embed", 3);
        ObjectNode base = SerializedScorers.instructionsJudge(judge(), "3.11.0");
        MemoryAugmentedJudge aligned = new MemoryAugmentedJudge(judge(), base, settings,
                List.of(new Guideline("Cite sources.", List.of("tr-2"))), List.of("tr-1", "tr-2"),
                List.of(example("tr-1", "ok [a]", "yes"), example("tr-2", "ok", "no")), fixedEmbedder());
        llm.then("{\"result\": \"no\", \"rationale\": \"unsourced\"}");
        Feedback f = aligned.score(new EvalItem(Json.read("{\"q\": \"new\"}"), Json.read("\"fine\""), Json.object(),
                Optional.empty()));
        assertThat(f.value()).contains(FeedbackValue.of("no"));
        String prompt = llm.requests().getFirst().path("messages").path(1).path("content").asText();
        assertThat(prompt).contains("- Cite sources.").contains("Example 1:").doesNotContain("Example 2:");
        assertThat(aligned.instructions()).contains("Distilled Guidelines (1)");

        JsonNode form = aligned.serialized("3.11.0");
        assertThat(form.path("instructions_judge_pydantic_data").isNull()).isTrue();
        JsonNode data = form.path("memory_augmented_judge_data");
        assertThat(data.path("base_judge")).isEqualTo(base);
        assertThat(data.path("retrieval_k").asInt()).isEqualTo(1);
        Scorer back = ScorerSpecs.parse("style", form.toString(), new ScorerSpecs.JudgeModels() {
            @Override
            public JudgeModel resolve(Optional<String> uri) {
                return llm.model();
            }

            @Override
            public Embedder embedder(String uri, int dimension) {
                return fixedEmbedder();
            }

            @Override
            public List<LabelledExample> feedback(List<String> traceIds, LlmJudge judge) {
                return List.of();
            }
        });
        assertThat(back).isInstanceOf(MemoryAugmentedJudge.class);
        assertThat(((MemoryAugmentedJudge) back).guidelines()).isEqualTo(aligned.guidelines());
        assertThat(((MemoryAugmentedJudge) back).serialized("3.11.0")).isEqualTo(form);
    }

    @Test
    void valueTypes_readMlflowsJsonSchemaForm() throws Exception {
        assertThat(ScorerSpecs.valueType(Json.read("{\"feedback_value_type\": {\"type\": \"boolean\"}}")))
                .isInstanceOf(JudgeValueType.YesNo.class);
        assertThat(ScorerSpecs.valueType(Json.read("{\"feedback_value_type\": {\"enum\": [\"yes\", \"no\"], "
                + "\"type\": \"string\"}}"))).isInstanceOf(JudgeValueType.YesNo.class);
        assertThat(ScorerSpecs.valueType(Json.read("{\"feedback_value_type\": {\"enum\": [\"good\", \"bad\", "
                + "\"ugly\"]}}"))).isEqualTo(new JudgeValueType.Categories(List.of("good", "bad", "ugly")));
        assertThat(ScorerSpecs.valueType(Json.read("{\"feedback_value_type\": {\"type\": \"integer\"}}")))
                .isInstanceOf(JudgeValueType.Scale.class);
        assertThat(ScorerSpecs.valueType(Json.read("{\"feedback_value_type\": \"float\"}")))
                .isInstanceOf(JudgeValueType.Scale.class);
    }

    @Test
    void simbaPrompts_putDemonstrationsFirst_andNeverMakeNewTemplateVariables() throws Exception {
        String text = Simba.instructions(judge(), List.of(example("tr-1", "use {{ inputs }} [a]", "yes")),
                List.of("Cite sources."));
        assertThat(text).startsWith("Here are some examples of good assessments:\n\nExample 1:\n");
        assertThat(text).contains("result: yes").contains("- Cite sources.").contains("{ { inputs } }");
        assertThat(LlmJudge.variables(text)).containsExactly("outputs", "inputs");
    }
}
