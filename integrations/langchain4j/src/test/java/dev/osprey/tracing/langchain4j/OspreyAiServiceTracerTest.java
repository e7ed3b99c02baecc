package dev.osprey.tracing.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A LangChain4j AI service with a tool, against a local server speaking OpenAI's chat-completions wire format: the
 * first reply asks for the tool, the second answers with its result.
 */
class OspreyAiServiceTracerTest {
    private static final String TOOL_CALL = "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"created\": 1, "
            + "\"model\": \"gpt-4o-mini\", \"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", "
            + "\"content\": null, \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", \"function\": "
            + "{\"name\": \"weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, \"finish_reason\": "
            + "\"tool_calls\"}], \"usage\": {\"prompt_tokens\": 40, \"completion_tokens\": 9, \"total_tokens\": 49}}";
    private static final String ANSWER = "{\"id\": \"chatcmpl-2\", \"object\": \"chat.completion\", \"created\": 2, "
            + "\"model\": \"gpt-4o-mini\", \"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", "
            + "\"content\": \"Sunny, 21 C in Paris.\"}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": "
            + "60, \"completion_tokens\": 8, \"total_tokens\": 68}}";

    interface Assistant {
        @SystemMessage("You answer weather questions.")
        String chat(String question);
    }

    static final class WeatherTools {
        final AtomicInteger calls = new AtomicInteger();

        @Tool("Current weather of a city")
        String weather(String city) {
            calls.incrementAndGet();
            return "sunny, 21 C in " + city;
        }
    }

    private OpenAiWireServer openAi;
    private volatile boolean failing;
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private Tracing tracing;

    @BeforeEach
    void start() throws Exception {
        openAi = OpenAiWireServer.start(request -> failing
                ? new OpenAiWireServer.Reply(500, "{\"error\": {\"message\": \"boom\", \"type\": \"server_error\"}}")
                : new OpenAiWireServer.Reply(200, request.contains("tool_call_id") ? ANSWER : TOOL_CALL));
        tracing = Tracing.toExporter(exporter);
    }

    @AfterEach
    void stop() {
        tracing.close();
        openAi.close();
    }

    private Assistant assistant(WeatherTools tools) {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(openAi.baseUrl())
                .apiKey("test-key").modelName("gpt-4o-mini").maxRetries(0).timeout(Duration.ofSeconds(5))
                .listeners(List.of(new OspreyChatModelListener(tracing)))
                .build();
        return AiServices.builder(Assistant.class).chatModel(model).tools(tools)
                .registerListeners(new OspreyAiServiceTracer(tracing).listeners()).build();
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void anInvocation_isAnAgentSpan_withChatAndToolSpansInOrder() {
        WeatherTools tools = new WeatherTools();
        assertThat(assistant(tools).chat("Weather in Paris?")).isEqualTo("Sunny, 21 C in Paris.");
        assertThat(tools.calls).hasValue(1);
        tracing.flush(Duration.ofSeconds(5));
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData agent = spans.stream().filter(s -> s.getName().equals("Assistant.chat")).findFirst().orElseThrow();
        assertThat(agent.getParentSpanContext().isValid()).as("the invocation is the root").isFalse();
        assertThat(attr(agent, "mlflow.spanType")).isEqualTo("\"AGENT\"");
        assertThat(attr(agent, "mlflow.spanInputs")).isEqualTo("{\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You answer weather questions.\"},{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
        assertThat(attr(agent, "mlflow.spanOutputs")).isEqualTo("\"Sunny, 21 C in Paris.\"");
        assertThat(agent.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);

        List<SpanData> children = spans.stream().filter(s -> s.getParentSpanId().equals(agent.getSpanId()))
                .sorted(java.util.Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
        assertThat(children).extracting(SpanData::getName)
                .containsExactly("chat gpt-4o-mini", "weather", "chat gpt-4o-mini");
        SpanData tool = children.get(1);
        assertThat(attr(tool, "mlflow.spanType")).isEqualTo("\"TOOL\"");
        assertThat(attr(tool, "mlflow.spanInputs")).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(attr(tool, "mlflow.spanOutputs")).isEqualTo("\"sunny, 21 C in Paris\"");
        assertThat(tool.getStartEpochNanos()).as("the tool runs after the reply that asked for it")
                .isGreaterThanOrEqualTo(children.get(0).getEndEpochNanos());
        assertThat(tool.getEndEpochNanos()).isLessThanOrEqualTo(children.get(2).getStartEpochNanos());
        assertThat(attr(children.get(0), "mlflow.spanOutputs")).contains("\"tool_calls\"", "weather");
        assertThat(attr(children.get(2), "mlflow.chat.tokenUsage"))
                .isEqualTo("{\"input_tokens\": 60, \"output_tokens\": 8, \"total_tokens\": 68}");
    }

    @Test
    void aFailingInvocation_isAnErrorSpan_andLeavesNoContextBehind() {
        failing = true;
        assertThatThrownBy(() -> assistant(new WeatherTools()).chat("Weather?")).isInstanceOf(RuntimeException.class);
        tracing.flush(Duration.ofSeconds(5));
        SpanData agent = exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals("Assistant.chat"))
                .findFirst().orElseThrow();
        assertThat(agent.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(io.opentelemetry.api.trace.Span.current().getSpanContext().isValid())
                .as("the invocation's scope was closed").isFalse();
    }
}
