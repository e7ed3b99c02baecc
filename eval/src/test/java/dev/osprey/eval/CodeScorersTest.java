package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every deterministic scorer on a passing item, a failing item and an item it cannot judge. */
class CodeScorersTest {
    private static final JsonNode NONE = Json.object();

    private static EvalItem item(String output, JsonNode expectations) {
        return new EvalItem(Json.object().put("question", "q"), Json.MAPPER.getNodeFactory().textNode(output),
                expectations, Optional.empty());
    }

    private static EvalItem traced(long ms, long tokens, List<String> tools, JsonNode expectations) {
        return new EvalItem(Json.object(), Json.object().put("response", "ok"), expectations,
                Optional.of(new EvalItem.TraceFacts(ms, tokens, tools)));
    }

    private static ObjectNode expect(String field, String value) {
        return Json.object().put(field, value);
    }

    @Test
    void exactMatch() {
        Scorer s = CodeScorers.exactMatch();
        assertThat(s.score(item(" Paris\n", expect("expected_response", "Paris"))).passed()).isTrue();
        assertThat(s.score(item("paris", expect("expected_response", "Paris"))).passed()).isFalse();
        Feedback missing = s.score(item("Paris", NONE));
        assertThat(missing.error()).hasValueSatisfying(e -> assertThat(e).contains("expected_response"));
        assertThat(missing.value()).isEmpty();
    }

    @Test
    void contains() {
        Scorer s = CodeScorers.contains();
        assertThat(s.score(item("The capital is PARIS.", expect("expected_substring", "paris"))).passed()).isTrue();
        assertThat(s.score(item("Lyon", expect("expected_response", "Paris"))).passed()).isFalse();
        assertThat(s.score(item("x", NONE)).error()).isPresent();
    }

    @Test
    void outputTextComesFromStringsResponsesAndChatCompletions() {
        EvalItem chat = new EvalItem(Json.object(), Json.object().set("choices", Json.MAPPER.createArrayNode()
                .add(Json.object().set("message", Json.object().put("content", "Paris")))),
                expect("expected_response", "Paris"), Optional.empty());
        assertThat(CodeScorers.exactMatch().score(chat).passed()).isTrue();
    }

    @Test
    void regex() {
        Scorer s = CodeScorers.regex("has_date", "\\d{4}-\\d{2}-\\d{2}");
        assertThat(s.score(item("due 2026-11-27", NONE)).passed()).isTrue();
        assertThat(s.score(item("due tomorrow", NONE)).passed()).isFalse();
        assertThat(s.name()).isEqualTo("has_date");
    }

    @Test
    void jsonValid() {
        Scorer s = CodeScorers.jsonValid();
        assertThat(s.score(item("{\"a\": [1, 2]}", NONE)).passed()).isTrue();
        Feedback bad = s.score(item("{\"a\": ", NONE));
        assertThat(bad.passed()).isFalse();
        assertThat(bad.rationale()).hasValueSatisfying(r -> assertThat(r).startsWith("The output is not JSON"));
    }

    @Test
    void jsonSchema() throws IOException {
        JsonNode schema = Json.read("""
                {"type": "object", "required": ["city", "temp"], "additionalProperties": false,
                 "properties": {"city": {"type": "string", "minLength": 2},
                                "temp": {"type": "number", "minimum": -90, "maximum": 60},
                                "tags": {"type": "array", "items": {"enum": ["sun", "rain"]}, "maxItems": 2}}}""");
        Scorer s = CodeScorers.jsonSchema(schema);
        assertThat(s.score(item("{\"city\": \"Paris\", \"temp\": 18.5, \"tags\": [\"sun\"]}", NONE)).passed())
                .isTrue();
        Feedback bad = s.score(item("{\"city\": \"P\", \"temp\": 99, \"tags\": [\"snow\"], \"x\": 1}", NONE));
        assertThat(bad.passed()).isFalse();
        assertThat(bad.rationale().orElseThrow()).contains("/city: shorter than 2", "/temp: above the maximum 60",
                "/tags/0: not one of", "unexpected property 'x'");
        assertThat(s.score(item("{\"city\": \"Paris\"}", NONE)).rationale().orElseThrow())
                .contains("missing required property 'temp'");
        assertThat(s.score(item("[1]", NONE)).rationale().orElseThrow()).contains("expected \"object\"");
        assertThat(s.score(item("not json", NONE)).passed()).isFalse();
    }

    @Test
    void latencyAndTokens_readTheTrace() {
        assertThat(CodeScorers.latency(500).score(traced(420, 0, List.of(), NONE)).passed()).isTrue();
        assertThat(CodeScorers.latency(500).score(traced(501, 0, List.of(), NONE)).passed()).isFalse();
        assertThat(CodeScorers.tokenCount(1000).score(traced(1, 1200, List.of(), NONE)).passed()).isFalse();
        assertThat(CodeScorers.latency(500).score(item("x", NONE)).error()).hasValueSatisfying(
                e -> assertThat(e).contains("a trace"));
    }

    @Test
    void toolCallSequence() {
        JsonNode expected = Json.object().set("expected_tool_calls", Json.MAPPER.createArrayNode().add("search")
                .add(Json.object().put("name", "fetch")));
        Scorer s = CodeScorers.toolCallSequence();
        assertThat(s.score(traced(1, 1, List.of("search", "fetch"), expected)).passed()).isTrue();
        Feedback wrong = s.score(traced(1, 1, List.of("fetch", "search"), expected));
        assertThat(wrong.passed()).isFalse();
        assertThat(wrong.rationale().orElseThrow()).contains("Expected [search, fetch]");
        assertThat(s.score(traced(1, 1, List.of(), NONE)).error()).isPresent();
    }

    @Test
    void lambdas_areScorers_andThrowingOnesReportAnError() {
        Scorer length = Scorer.of("length", i -> FeedbackValue.of(i.outputText().length()));
        Feedback f = length.score(item("four", NONE));
        assertThat(f.value()).contains(new FeedbackValue.Number(4));
        assertThat(f.source()).isEqualTo(Feedback.CODE);
        Scorer broken = Scorer.of("broken", i -> {
            throw new IllegalStateException("no model");
        });
        Feedback error = broken.safely(item("x", NONE));
        assertThat(error.error()).contains("IllegalStateException: no model");
        assertThat(error.passed()).isFalse();
    }
}
