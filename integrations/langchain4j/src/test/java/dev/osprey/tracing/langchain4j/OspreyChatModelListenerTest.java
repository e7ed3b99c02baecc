package dev.osprey.tracing.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's OpenAI chat model against a local server speaking OpenAI's chat-completions wire format, traced by
 * the listener.
 */
class OspreyChatModelListenerTest {
    private static final String COMPLETION = "{\"id\": \"chatcmpl-1\", \"object\": \"chat.completion\", \"created\": 1, "
            + "\"model\": \"gpt-4o-mini-2024-07-18\", \"choices\": [{\"index\": 0, \"message\": {\"role\": "
            + "\"assistant\", \"content\": \"Paris.\"}, \"finish_reason\": \"stop\"}], \"usage\": {\"prompt_tokens\": "
            + "21, \"completion_tokens\": 2, \"total_tokens\": 23}}";
    private OpenAiWireServer openAi;
    private final AtomicReference<String> lastRequest = new AtomicReference<>();
    private volatile int status = 200;
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private Tracing tracing;

    @BeforeEach
    void start() throws Exception {
        openAi = OpenAiWireServer.start(request -> {
            lastRequest.set(request);
            return new OpenAiWireServer.Reply(status, status == 200 ? COMPLETION : "{\"error\": {\"message\": "
                    + "\"overloaded\", \"type\": \"server_error\"}}");
        });
        tracing = Tracing.toExporter(exporter);
    }

    @AfterEach
    void stop() {
        tracing.close();
        openAi.close();
    }

    private ChatModel model() {
        return OpenAiChatModel.builder()
                .baseUrl(openAi.baseUrl())
                .apiKey("test-key")
                .modelName("gpt-4o-mini")
                .temperature(0.2)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(5))
                .listeners(List.of(new OspreyChatModelListener(tracing)))
                .build();
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void aChatCall_becomesAChatModelSpan_withMessagesModelAndTokens() {
        ChatResponse response = tracing.span("agent", SpanType.AGENT, agent -> model().chat(
                SystemMessage.from("Answer in one word."), UserMessage.from("Capital of France?")));
        assertThat(response.aiMessage().text()).isEqualTo("Paris.");
        assertThat(lastRequest.get()).contains("Capital of France?");
        tracing.flush(Duration.ofSeconds(5));
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData chat = spans.stream().filter(s -> s.getName().startsWith("chat ")).findFirst().orElseThrow();
        SpanData agent = spans.stream().filter(s -> s.getName().equals("agent")).findFirst().orElseThrow();
        assertThat(chat.getParentSpanId()).isEqualTo(agent.getSpanId());
        assertThat(chat.getName()).isEqualTo("chat gpt-4o-mini");
        assertThat(attr(chat, "mlflow.spanType")).isEqualTo("\"CHAT_MODEL\"");
        assertThat(attr(chat, "mlflow.spanInputs")).isEqualTo("{\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"Answer in one word.\"},{\"role\":\"user\",\"content\":\"Capital of France?\"}]}");
        assertThat(attr(chat, "mlflow.spanOutputs")).isEqualTo("{\"role\":\"assistant\",\"content\":\"Paris.\"}");
        assertThat(attr(chat, "mlflow.chat.tokenUsage"))
                .isEqualTo("{\"input_tokens\": 21, \"output_tokens\": 2, \"total_tokens\": 23}");
        assertThat(attr(chat, "mlflow.llm.model")).isEqualTo("\"gpt-4o-mini-2024-07-18\"");
        assertThat(attr(chat, "invocation_params")).isEqualTo("{\"temperature\":0.2}");
        assertThat(chat.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
    }

    @Test
    void aFailedCall_isAnErrorSpan() {
        status = 500;
        assertThatThrownBy(() -> model().chat(UserMessage.from("hi"))).isInstanceOf(RuntimeException.class);
        tracing.flush(Duration.ofSeconds(5));
        SpanData chat = exporter.getFinishedSpanItems().get(0);
        assertThat(chat.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(chat.getEvents()).extracting(e -> e.getName()).contains("exception");
    }
}
