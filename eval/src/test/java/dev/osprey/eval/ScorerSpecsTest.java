package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.eval.ScorerSpecs.UnsupportedScorerException;
import dev.osprey.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MLflow's serialized scorers (and Osprey's code scorers) back into scorers that run against a scripted model. */
class ScorerSpecsTest {
    private static final List<String> BUILTINS = List.of("Correctness", "RelevanceToQuery", "RetrievalGroundedness",
            "RetrievalRelevance", "RetrievalSufficiency", "Safety", "ExpectationsGuidelines", "ToolCallCorrectness",
            "ToolCallEfficiency", "Completeness", "Fluency", "Equivalence", "ConversationCompleteness",
            "UserFrustration", "KnowledgeRetention", "ConversationalSafety");
    private ScriptedLlm llm;
    private final List<Optional<String>> resolved = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        llm = new ScriptedLlm();
    }

    @AfterEach
    void stop() {
        llm.close();
    }

    private Scorer parse(String name, String json) {
        return ScorerSpecs.parse(name, json, uri -> {
            resolved.add(uri);
            return llm.model();
        });
    }

    private static EvalItem item() throws Exception {
        return new EvalItem(Json.read("{\"q\": \"capital of France\"}"), Json.read("\"Paris\""),
                Json.read("{\"expected_response\": \"Paris\"}"), Optional.empty());
    }

    @Test
    void everyBuiltinClass_parsesWithItsModel_andReportsUnderTheRegisteredName() throws Exception {
        for (String kind : BUILTINS) {
            Scorer s = parse("my_" + kind, "{\"builtin_scorer_class\": \"" + kind + "\", "
                    + "\"builtin_scorer_pydantic_data\": {\"model\": \"gateway:/judge\"}}");
            assertThat(s.name()).isEqualTo("my_" + kind);
            assertThat(s.sessionLevel()).as(kind).isEqualTo(kind.startsWith("Conversation")
                    || kind.equals("UserFrustration") || kind.equals("KnowledgeRetention"));
        }
        assertThat(resolved).allMatch(r -> r.equals(Optional.of("gateway:/judge")));
        llm.then("{\"result\": \"yes\", \"rationale\": \"right\"}");
        Feedback f = parse("correct", "{\"builtin_scorer_class\": \"Correctness\"}").score(item());
        assertThat(f.name()).isEqualTo("correct");
        assertThat(f.passed()).isTrue();
        assertThat(resolved.getLast()).as("no model: the default").isEmpty();
    }

    @Test
    void guidelinesAndInstructionJudges_carryTheirText() throws Exception {
        llm.then("{\"result\": \"no\", \"rationale\": \"rude\"}");
        Feedback g = parse("polite", "{\"builtin_scorer_class\": \"Guidelines\", \"builtin_scorer_pydantic_data\": "
                + "{\"guidelines\": [\"Be polite\"]}}").score(item());
        assertThat(g.passed()).isFalse();
        assertThat(llm.requests().getLast().toString()).contains("Be polite");

        llm.then("{\"result\": \"4\", \"rationale\": \"good\"}");
        Feedback custom = parse("quality", "{\"instructions_judge_pydantic_data\": {\"instructions\": \"Rate "
                + "{{ outputs }}\", \"model\": \"openai:/gpt\", \"feedback_value_type\": \"int\"}}").score(item());
        assertThat(custom.value()).contains(new FeedbackValue.Number(4));
        assertThat(resolved.getLast()).contains("openai:/gpt");
    }

    @Test
    void codeScorers_runWithoutAModel() throws Exception {
        assertThat(parse("exact", ScorerSpecs.codeScorer("exact_match", Json.object())).score(item()).passed())
                .isTrue();
        assertThat(parse("digits", ScorerSpecs.codeScorer("regex", Json.object().put("pattern", "\\d+")))
                .score(item()).passed()).isFalse();
        assertThat(resolved).isEmpty();
    }

    @Test
    void unrunnableScorers_areRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("py", "{\"call_source\": \"return 1\"}"))
                .isInstanceOf(UnsupportedScorerException.class).hasMessageContaining("Python");
        assertThatThrownBy(() -> parse("x", "{\"builtin_scorer_class\": \"Nope\"}"))
                .isInstanceOf(UnsupportedScorerException.class).hasMessageContaining("Nope");
        assertThatThrownBy(() -> parse("x", "{\"instructions_judge_pydantic_data\": {\"instructions\": \"{{ bad }}\"}}"))
                .isInstanceOf(UnsupportedScorerException.class).hasMessageContaining("bad");
        assertThatThrownBy(() -> parse("x", "not json")).isInstanceOf(UnsupportedScorerException.class);
        assertThatThrownBy(() -> parse("x", "{}")).isInstanceOf(UnsupportedScorerException.class);
        assertThatThrownBy(() -> parse("x", "{\"osprey_code_scorer\": \"regex\", \"config\": {}}"))
                .isInstanceOf(UnsupportedScorerException.class).hasMessageContaining("pattern");
        assertThatThrownBy(() -> parse("x", "{\"builtin_scorer_class\": \"Guidelines\"}"))
                .isInstanceOf(UnsupportedScorerException.class);
    }
}
