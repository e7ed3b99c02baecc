package dev.osprey.server.traces.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each instrumentation family's translation, on spans with the attribute sets those libraries emit (keys and value
 * shapes as in MLflow's translators and the libraries' own semantic-convention packages).
 */
class SpanTranslationTest {
    private final SpanTranslation translation = SpanTranslation.mlflow();

    private static KeyValue kv(String key, Object value) {
        return KeyValue.newBuilder().setKey(key).setValue(any(value)).build();
    }

    private static AnyValue any(Object value) {
        AnyValue.Builder v = AnyValue.newBuilder();
        if (value instanceof Long l) {
            v.setIntValue(l);
        } else if (value instanceof Integer i) {
            v.setIntValue(i);
        } else if (value instanceof Double d) {
            v.setDoubleValue(d);
        } else if (value instanceof Boolean b) {
            v.setBoolValue(b);
        } else if (value instanceof java.util.List<?> list) {
            ArrayValue.Builder array = ArrayValue.newBuilder();
            list.forEach(item -> array.addValues(any(item)));
            v.setArrayValue(array);
        } else {
            v.setStringValue(String.valueOf(value));
        }
        return v.build();
    }

    private static Span.Builder span(Object... keyValues) {
        Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16]))
                .setSpanId(ByteString.copyFrom(new byte[8])).setName("span");
        for (int i = 0; i < keyValues.length; i += 2) {
            span.addAttributes(kv((String) keyValues[i], keyValues[i + 1]));
        }
        return span;
    }

    private static Span.Event event(String name, Object... keyValues) {
        Span.Event.Builder e = Span.Event.newBuilder().setName(name);
        for (int i = 0; i < keyValues.length; i += 2) {
            e.addAttributes(kv((String) keyValues[i], keyValues[i + 1]));
        }
        return e.build();
    }

    /** The translated span's attributes as stored: raw strings by key. */
    private Map<String, String> translate(Span.Builder span) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : translation.translate(span.build()).getAttributesList()) {
            out.put(kv.getKey(), kv.getValue().getValueCase() == AnyValue.ValueCase.STRING_VALUE
                    ? kv.getValue().getStringValue() : kv.getValue().toString());
        }
        return out;
    }

    private static JsonNode json(String text) throws IOException {
        return Json.read(text);
    }

    @Test
    void genAiSemanticConventions_chatSpan() throws IOException {
        Map<String, String> a = translate(span(
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.response.model", "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens", 21L,
                "gen_ai.usage.output_tokens", 9L,
                "gen_ai.usage.cache_read.input_tokens", 4L,
                "gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]",
                "gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":"
                        + "\"hello\"}],\"finish_reason\":\"stop\"}]",
                "gen_ai.tool.definitions", "[{\"type\":\"function\",\"name\":\"weather\"}]"));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"CHAT_MODEL\"");
        assertThat(json(a.get("mlflow.spanInputs")).get(0).path("parts").get(0).path("content").asText())
                .isEqualTo("hi");
        assertThat(json(a.get("mlflow.spanOutputs")).get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(json(a.get("mlflow.chat.tokenUsage"))).isEqualTo(json(
                "{\"input_tokens\":21,\"output_tokens\":9,\"total_tokens\":30,\"cache_read_input_tokens\":4}"));
        assertThat(a.get("mlflow.llm.model")).isEqualTo("\"gpt-4o-2024-08-06\""); // the response model wins
        assertThat(a.get("mlflow.llm.provider")).isEqualTo("\"openai\"");
        assertThat(json(a.get("mlflow.chat.tools")).get(0).path("name").asText()).isEqualTo("weather");
        assertThat(a.get("gen_ai.usage.input_tokens")).as("the span's own attributes stay as received")
                .contains("21");
    }

    @Test
    void genAiSemanticConventions_operationNamesAndToolCalls() throws IOException {
        Map<String, String> expected = Map.of("chat", "CHAT_MODEL", "text_completion", "LLM", "generate_content", "LLM",
                "embeddings", "EMBEDDING", "execute_tool", "TOOL", "invoke_agent", "AGENT", "create_agent", "AGENT",
                "response", "LLM");
        expected.forEach((op, type) -> assertThat(translate(span("gen_ai.operation.name", op)).get("mlflow.spanType"))
                .as(op).isEqualTo("\"" + type + "\""));
        Map<String, String> tool = translate(span("gen_ai.operation.name", "execute_tool",
                "gen_ai.tool.name", "weather", "gen_ai.tool.call.arguments", "{\"city\":\"Oslo\"}",
                "gen_ai.tool.call.result", "sunny"));
        assertThat(json(tool.get("mlflow.spanInputs")).path("city").asText()).isEqualTo("Oslo");
        assertThat(tool.get("mlflow.spanOutputs")).as("plain text is JSON-encoded, as MLflow stores it")
                .isEqualTo("\"sunny\"");
    }

    @Test
    void genAiMessageEvents_andTheOlderIndexedPromptForm() throws IOException {
        Map<String, String> events = translate(span("gen_ai.operation.name", "chat", "lk.agent_name", "a")
                .addEvents(event("gen_ai.system.message", "content", "be brief"))
                .addEvents(event("gen_ai.user.message", "content", "hi"))
                .addEvents(event("gen_ai.choice", "content", "hello")));
        assertThat(json(events.get("mlflow.spanInputs"))).isEqualTo(json(
                "[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}]"));
        assertThat(json(events.get("mlflow.spanOutputs"))).isEqualTo(json(
                "[{\"role\":\"assistant\",\"content\":\"hello\"}]"));
        Map<String, String> indexed = translate(span("gen_ai.system", "openai",
                "gen_ai.prompt.0.role", "user", "gen_ai.prompt.0.content", "What is MLflow?",
                "gen_ai.completion.0.role", "assistant", "gen_ai.completion.0.content", "A platform.",
                "gen_ai.usage.prompt_tokens", 5L, "gen_ai.usage.completion_tokens", 3L, "llm.usage.total_tokens", 8L));
        assertThat(indexed.get("mlflow.spanInputs")).isEqualTo("\"What is MLflow?\"");
        assertThat(indexed.get("mlflow.spanOutputs")).isEqualTo("\"A platform.\"");
        assertThat(json(indexed.get("mlflow.chat.tokenUsage"))).isEqualTo(json(
                "{\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8}"));
        assertThat(indexed.get("mlflow.llm.provider")).isEqualTo("\"openai\"");
    }

    @Test
    void openInference() throws IOException {
        Map<String, String> a = translate(span("openinference.span.kind", "LLM",
                "input.value", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"gpt-4o-mini\"}",
                "input.mime_type", "application/json", "output.value", "hello",
                "llm.model_name", "gpt-4o-mini", "llm.provider", "openai",
                "llm.token_count.prompt", 12L, "llm.token_count.completion", 4L, "llm.token_count.total", 16L));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"LLM\"");
        assertThat(json(a.get("mlflow.spanInputs")).path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.get("mlflow.spanOutputs")).isEqualTo("\"hello\"");
        assertThat(json(a.get("mlflow.chat.tokenUsage"))).isEqualTo(json(
                "{\"input_tokens\":12,\"output_tokens\":4,\"total_tokens\":16}"));
        assertThat(a.get("mlflow.llm.model")).isEqualTo("\"gpt-4o-mini\"");
        assertThat(a.get("mlflow.llm.provider")).isEqualTo("\"openai\"");
        for (String kind : new String[] {"CHAIN", "RETRIEVER", "RERANKER", "TOOL", "AGENT", "EMBEDDING", "GUARDRAIL",
                "EVALUATOR"}) {
            assertThat(translate(span("openinference.span.kind", kind)).get("mlflow.spanType")).isEqualTo("\"" + kind
                    + "\"");
        }
    }

    @Test
    void traceloop() throws IOException {
        Map<String, String> a = translate(span("traceloop.span.kind", "workflow",
                "traceloop.entity.name", "joke_workflow",
                "traceloop.entity.input", "{\"inputs\":{\"topic\":\"otters\"},\"args\":[]}",
                "traceloop.entity.output", "\"Why did the otter...\""));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"WORKFLOW\"");
        assertThat(json(a.get("mlflow.spanInputs")).path("inputs").path("topic").asText()).isEqualTo("otters");
        assertThat(a.get("mlflow.spanOutputs")).isEqualTo("\"Why did the otter...\"");
        assertThat(translate(span("traceloop.span.kind", "task")).get("mlflow.spanType")).isEqualTo("\"TASK\"");
    }

    @Test
    void springAi_promptAndCompletionInEvents() throws IOException {
        Map<String, String> a = translate(span("gen_ai.operation.name", "chat", "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o-mini", "gen_ai.response.model", "gpt-4o-mini-2024-07-18",
                "gen_ai.usage.input_tokens", 19L, "gen_ai.usage.output_tokens", 7L,
                "gen_ai.usage.total_tokens", 26L, "spring.ai.kind", "chat_client")
                .addEvents(event("gen_ai.content.prompt", "gen_ai.prompt", "Tell me a joke"))
                .addEvents(event("gen_ai.content.completion", "gen_ai.completion", "[\"Why did...\"]")));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"CHAT_MODEL\"");
        assertThat(a.get("mlflow.spanInputs")).isEqualTo("\"Tell me a joke\"");
        assertThat(json(a.get("mlflow.spanOutputs")).get(0).asText()).isEqualTo("Why did...");
        assertThat(json(a.get("mlflow.chat.tokenUsage")).path("total_tokens").asLong()).isEqualTo(26);
        assertThat(a.get("mlflow.llm.model")).isEqualTo("\"gpt-4o-mini-2024-07-18\"");
    }

    @Test
    void vercelAi_modelCallUnpacksPromptAndResponse() throws IOException {
        Map<String, String> a = translate(span("ai.operationId", "ai.generateText.doGenerate",
                "ai.prompt.format", "messages",
                "ai.prompt.messages", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]",
                "ai.prompt.tools", java.util.List.of("{\"type\":\"function\",\"name\":\"weather\"}"),
                "ai.response.text", "hello", "ai.response.finishReason", "stop",
                "ai.usage.promptTokens", 10L, "gen_ai.request.model", "gpt-4o", "gen_ai.system", "openai.chat"));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"LLM\"");
        JsonNode in = json(a.get("mlflow.spanInputs"));
        assertThat(in.path("format").asText()).isEqualTo("messages");
        assertThat(in.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(in.path("tools").get(0).path("name").asText()).isEqualTo("weather");
        assertThat(json(a.get("mlflow.spanOutputs"))).isEqualTo(json("{\"text\":\"hello\",\"finishReason\":\"stop\"}"));
        assertThat(a.get("mlflow.message.format")).isEqualTo("\"vercel_ai\"");
        Map<String, String> tool = translate(span("ai.operationId", "ai.toolCall", "ai.toolCall.args",
                "{\"city\":\"Oslo\"}", "ai.toolCall.result", "{\"temp\":3}"));
        assertThat(tool.get("mlflow.spanType")).isEqualTo("\"TOOL\"");
        assertThat(json(tool.get("mlflow.spanOutputs")).path("temp").asInt()).isEqualTo(3);
    }

    @Test
    void googleAdk_langfuse_laminar() throws IOException {
        Map<String, String> adk = translate(span("gen_ai.system", "gcp.vertex.agent",
                "gen_ai.operation.name", "execute_tool",
                "gcp.vertex.agent.tool_call_args", "{\"query\":\"x\"}",
                "gcp.vertex.agent.tool_response", "{\"result\":1}"));
        assertThat(adk.get("mlflow.spanType")).isEqualTo("\"TOOL\"");
        assertThat(json(adk.get("mlflow.spanInputs")).path("query").asText()).isEqualTo("x");
        assertThat(json(adk.get("mlflow.spanOutputs")).path("result").asInt()).isEqualTo(1);
        Map<String, String> langfuse = translate(span("langfuse.observation.type", "generation",
                "langfuse.observation.input", "[{\"role\":\"user\",\"content\":\"hi\"}]",
                "langfuse.observation.output", "{\"role\":\"assistant\",\"content\":\"hey\"}"));
        assertThat(langfuse.get("mlflow.spanType")).isEqualTo("\"LLM\"");
        assertThat(json(langfuse.get("mlflow.spanOutputs")).path("content").asText()).isEqualTo("hey");
        Map<String, String> laminar = translate(span("lmnr.span.type", "EXECUTOR", "lmnr.span.input", "{\"q\":1}",
                "lmnr.span.output", "\"done\""));
        assertThat(laminar.get("mlflow.spanType")).isEqualTo("\"AGENT\"");
        assertThat(laminar.get("mlflow.message.format")).isEqualTo("\"openai\"");
        assertThat(laminar.get("mlflow.spanOutputs")).isEqualTo("\"done\"");
    }

    @Test
    void geminiCli_wrapsMessagesForTheGeminiView() throws IOException {
        Map<String, String> a = translate(span("gen_ai.agent.name", "gemini-cli", "gen_ai.operation.name", "llm_call",
                "gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]",
                "gen_ai.output.messages", "[{\"role\":\"model\",\"parts\":[{\"text\":\"he\"}]},"
                        + "{\"role\":\"model\",\"parts\":[{\"text\":\"llo\"}]}]"));
        assertThat(a.get("mlflow.spanType")).isEqualTo("\"LLM\"");
        assertThat(a.get("mlflow.message.format")).isEqualTo("\"gemini\"");
        assertThat(json(a.get("mlflow.spanInputs")).path("contents").get(0).path("role").asText()).isEqualTo("user");
        assertThat(json(a.get("mlflow.spanOutputs")).path("candidates").get(0).path("content").path("parts").size())
                .isEqualTo(2);
        assertThat(translate(span("gen_ai.operation.name", "llm_call")).get("mlflow.spanType"))
                .as("Gemini CLI's operation names mean nothing without its agent name").isNull();
    }

    @Test
    void liveKit_voltAgent() throws IOException {
        Map<String, String> tts = translate(span("lk.tts.streaming", true, "lk.input_text", "hello there"));
        assertThat(tts.get("mlflow.spanType")).isEqualTo("\"UNKNOWN\"");
        assertThat(tts.get("mlflow.spanInputs")).isEqualTo("\"hello there\"");
        assertThat(tts.get("mlflow.message.format")).isEqualTo("\"livekit\"");
        assertThat(translate(span("lk.function_tool.name", "lookup")).get("mlflow.spanType")).isEqualTo("\"TOOL\"");
        assertThat(translate(span("gen_ai.request.model", "gpt-4o")).get("mlflow.spanType")).isEqualTo("\"LLM\"");
        Map<String, String> volt = translate(span("entity.type", "agent", "span.type", "llm",
                "llm.messages", "[{\"role\":\"user\",\"content\":\"hi\"}]", "output", "hey",
                "usage.prompt_tokens", 3L, "usage.completion_tokens", 2L, "voltagent.operation_id", "op-1"));
        assertThat(volt.get("mlflow.spanType")).as("span.type is asked before entity.type").isEqualTo("\"LLM\"");
        assertThat(json(volt.get("mlflow.chat.tokenUsage"))).isEqualTo(json(
                "{\"input_tokens\":3,\"output_tokens\":2,\"total_tokens\":5}"));
        assertThat(volt.get("mlflow.message.format")).isEqualTo("\"voltagent\"");
        assertThat(volt.get("mlflow.spanOutputs")).isEqualTo("\"hey\"");
    }

    @Test
    void mlflowsOwnSpansPassUnchanged() {
        Span own = span("mlflow.spanType", "\"LLM\"", "mlflow.spanInputs", "{\"q\":1}", "mlflow.spanOutputs", "2",
                "mlflow.chat.tokenUsage", "{\"input_tokens\":1,\"output_tokens\":1,\"total_tokens\":2}",
                "mlflow.llm.model", "\"gpt-4o\"", "mlflow.llm.provider", "\"openai\"",
                "mlflow.message.format", "\"openai\"", "mlflow.chat.tools", "[]",
                "gen_ai.operation.name", "chat", "gen_ai.usage.input_tokens", 99L).build();
        assertThat(translation.translate(own)).isSameAs(own);
        Span plain = span("http.method", "GET").build();
        assertThat(translation.translate(plain)).as("a span no family recognises").isSameAs(plain);
    }

    @Test
    void anUnknownSpanTypeIsReplacedInPlace_aKnownOneIsKept() {
        Span.Builder unknown = span("mlflow.spanType", "\"UNKNOWN\"", "openinference.span.kind", "RETRIEVER");
        Span translated = translation.translate(unknown.build());
        assertThat(translated.getAttributesList()).filteredOn(kv -> kv.getKey().equals("mlflow.spanType"))
                .singleElement().extracting(kv -> kv.getValue().getStringValue()).isEqualTo("\"RETRIEVER\"");
        assertThat(translate(span("mlflow.spanType", "\"AGENT\"", "openinference.span.kind", "LLM"))
                .get("mlflow.spanType")).isEqualTo("\"AGENT\"");
    }

    @Test
    void emptyValuesCountAsMissing_asInMlflow() {
        Map<String, String> a = translate(span("openinference.span.kind", "CHAIN", "input.value", "{}",
                "output.value", "", "traceloop.entity.input", "{\"x\":1}"));
        assertThat(a.get("mlflow.spanInputs")).as("OpenInference's empty input yields to the next family")
                .isEqualTo("{\"x\":1}");
        assertThat(a).doesNotContainKey("mlflow.spanOutputs");
    }

    @Test
    void anMlflowSpanWithoutItsModel_takesItFromItsInputs() {
        Map<String, String> a = translate(span("mlflow.spanType", "\"CHAT_MODEL\"",
                "mlflow.spanInputs", "{\"model\": \"gpt-4o-mini\", \"messages\": []}"));
        assertThat(a.get("mlflow.llm.model")).isEqualTo("\"gpt-4o-mini\"");
        assertThat(translate(span("mlflow.spanType", "\"CHAT_MODEL\"", "mlflow.spanOutputs",
                "{\"model\": \"gpt-4o-2024-08-06\"}", "mlflow.llm.model", "\"mine\"")).get("mlflow.llm.model"))
                .as("a model the span names wins").isEqualTo("\"mine\"");
    }
}
