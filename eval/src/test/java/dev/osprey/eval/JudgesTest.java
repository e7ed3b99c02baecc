package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in judge against a scripted OpenAI-wire model: a good reply, a borderline one (fenced, odd case) and a
 * malformed one (asked again, then an error on the feedback, never a thrown exception).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JudgesTest {
    private ScriptedLlm llm;

    @BeforeAll
    void start() throws IOException {
        llm = new ScriptedLlm();
    }

    @AfterAll
    void stop() {
        llm.close();
    }

    Stream<String> judgeNames() throws IOException {
        try (ScriptedLlm dummy = new ScriptedLlm()) {
            return Judges.all(dummy.model()).stream().map(LlmJudge::name).toList().stream();
        }
    }

    private LlmJudge judge(String name) {
        return Judges.all(llm.model()).stream().filter(j -> j.name().equals(name)).findFirst().orElseThrow();
    }

    /** An item with everything any judge reads. */
    static EvalItem full() {
        ObjectNode expectations = Json.object().put("expected_response", "Paris is the capital of France.");
        expectations.putArray("guidelines").add("Be brief.");
        return new EvalItem(Json.object().put("question", "What is the capital of France?"),
                Json.MAPPER.getNodeFactory().textNode("Paris."), expectations,
                Optional.of(new EvalItem.TraceFacts(850, 420, List.of("search"),
                        List.of("Paris is the capital and largest city of France."))),
                List.of(new EvalItem.Turn("user", "My name is Ana. What's the capital of France?"),
                        new EvalItem.Turn("assistant", "Paris, Ana.")));
    }

    private static boolean categorical(LlmJudge judge) {
        return judge.name().equals("user_frustration");
    }

    @ParameterizedTest
    @MethodSource("judgeNames")
    void goodReply_givesTheVerdictAndRationale(String name) {
        LlmJudge judge = judge(name);
        llm.then(categorical(judge) ? "{\"rationale\": \"calm throughout\", \"result\": \"none\"}"
                : "{\"rationale\": \"states the capital\", \"result\": \"yes\"}");
        Feedback f = judge.score(full());
        assertThat(f.error()).isEmpty();
        assertThat(f.source()).isEqualTo(Feedback.LLM_JUDGE);
        assertThat(f.value()).contains(FeedbackValue.of(categorical(judge) ? "none" : "yes"));
        assertThat(f.rationale()).isPresent();
        String prompt = llm.requests().get(0).at("/messages/1/content").asText();
        assertThat(prompt).doesNotContain("{{");
        if (judge.variables().contains("conversation")) {
            assertThat(prompt).contains("user: My name is Ana.");
        }
        if (judge.variables().contains("trace")) {
            assertThat(prompt).contains("\"tool_calls\":[\"search\"]");
        }
        assertThat(llm.requests().get(0).path("temperature").asInt()).isZero();
    }

    @ParameterizedTest
    @MethodSource("judgeNames")
    void borderlineReply_inAFenceWithOddCase_isRead(String name) {
        LlmJudge judge = judge(name);
        llm.then(categorical(judge) ? "Here you go:\n```json\n{\"result\": \"Resolved\", \"rationale\": \"x\"}\n```"
                : "```json\n{\"result\": \"No\", \"rationale\": \"partly off\"}\n```");
        Feedback f = judge.score(full());
        assertThat(f.value()).contains(FeedbackValue.of(categorical(judge) ? "resolved" : "no"));
        assertThat(f.passed()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("judgeNames")
    void malformedReply_isRetriedThenReportedAsAnError(String name) {
        LlmJudge judge = judge(name);
        llm.then("I think it is fine.", "{\"result\": \"maybe\"}", "still not json");
        Feedback f = judge.score(full());
        assertThat(f.value()).isEmpty();
        assertThat(f.error()).hasValueSatisfying(e -> assertThat(e).contains("after 3 attempts"));
        assertThat(llm.requests()).hasSize(3);
        assertThat(llm.requests().get(1).at("/messages/1/content").asText()).contains("could not be read");
    }

    @Test
    void malformedThenGood_isAcceptedOnTheRetry() {
        llm.then("no json here", "{\"result\": true, \"rationale\": \"ok\"}");
        assertThat(Judges.correctness(llm.model()).score(full()).value()).contains(FeedbackValue.of(true));
        assertThat(llm.requests()).hasSize(2);
    }

    @Test
    void modelFailures_retryWhenTransient_andOtherwiseBecomeErrors() {
        llm.then(503, "{\"result\": \"yes\", \"rationale\": \"ok\"}");
        assertThat(Judges.safety(llm.model()).score(full()).passed()).isTrue();
        llm.then(401);
        Feedback refused = Judges.safety(llm.model()).score(full());
        assertThat(refused.error()).hasValueSatisfying(e -> assertThat(e).contains("HTTP 401"));
        assertThat(llm.requests()).hasSize(1);
    }

    @Test
    void missingMaterial_isAnErrorWithoutCallingTheModel() {
        llm.then("{\"result\": \"yes\"}");
        EvalItem bare = new EvalItem(Json.object().put("q", "x"), Json.MAPPER.getNodeFactory().textNode("y"),
                Json.object(), Optional.empty());
        assertThat(Judges.correctness(llm.model()).score(bare).error()).contains(
                "Judge 'correctness' needs expectations.");
        assertThat(Judges.toolCallEfficiency(llm.model()).score(bare).error()).hasValueSatisfying(
                e -> assertThat(e).contains("a trace"));
        assertThat(Judges.knowledgeRetention(llm.model()).score(bare).error()).hasValueSatisfying(
                e -> assertThat(e).contains("a conversation"));
        assertThat(llm.requests()).isEmpty();
    }

    @Test
    void makeJudge_validatesTheTemplateWhenMade() {
        assertThatThrownBy(() -> LlmJudge.make("tone", "Is {{ output }} polite?", JudgeValueType.yesNo(),
                llm.model())).hasMessageContaining("Unknown template variable {{ output }}")
                .hasMessageContaining("outputs");
        assertThatThrownBy(() -> LlmJudge.make("tone", "Is it polite?", JudgeValueType.yesNo(), llm.model()))
                .hasMessageContaining("use no template variable");
        LlmJudge scale = LlmJudge.make("politeness", "Rate the politeness of {{ outputs }} for {{ inputs }}.",
                new JudgeValueType.Scale(1, 5), llm.model());
        llm.then("{\"result\": 4, \"rationale\": \"courteous\"}");
        assertThat(scale.score(full()).value()).contains(FeedbackValue.of(4.0));
        llm.then("{\"result\": 9}", "{\"result\": \"3.5\"}");
        assertThat(scale.score(full()).value()).contains(FeedbackValue.of(3.5));
        assertThat(llm.requests().get(0).at("/messages/0/content").asText()).contains("a number from 1 to 5");
    }

    @Test
    void all_listsSeventeenJudgesWithMlflowsNames() {
        assertThat(Judges.all(llm.model())).extracting(LlmJudge::name).containsExactly("correctness",
                "relevance_to_query", "retrieval_groundedness", "retrieval_relevance", "retrieval_sufficiency",
                "safety", "guidelines", "expectations_guidelines", "tool_call_correctness", "tool_call_efficiency",
                "completeness", "fluency", "equivalence", "conversation_completeness", "user_frustration",
                "knowledge_retention", "conversational_safety");
    }
}
