package dev.osprey.tracing.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.embeddings.EmbeddingModel;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI Java SDK against a local server speaking OpenAI's wire format (JSON and server-sent events), traced. */
class OspreyOpenAITest {
    private HttpServer openAi;
    private volatile int status = 200;
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private Tracing tracing;
    private OpenAIClient client;

    private static String chunk(String content, String usage) {
        return "data: {\"id\": \"c1\", \"object\": \"chat.completion.chunk\", \"created\": 1, \"model\": \"gpt-4o\", "
                + "\"choices\": [" + (content == null ? "" : "{\"index\": 0, \"delta\": {\"content\": \"" + content
                + "\"}, \"finish_reason\": null}") + "]" + (usage == null ? "" : ", \"usage\": " + usage) + "}\n\n";
    }

    @BeforeEach
    void start() throws Exception {
        openAi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        openAi.createContext("/v1/chat/completions", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String body;
            if (status != 200) {
                body = "{\"error\": {\"message\": \"overloaded\", \"type\": \"server_error\"}}";
                exchange.getResponseHeaders().add("Content-Type", "application/json");
            } else if (request.contains("\"stream\":true")) {
                body = chunk("Hel", null) + chunk("lo", null) + chunk(null, "{\"prompt_tokens\": 5, "
                        + "\"completion_tokens\": 2, \"total_tokens\": 7}") + "data: [DONE]\n\n";
                exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            } else {
                body = "{\"id\": \"c1\", \"object\": \"chat.completion\", \"created\": 1, \"model\": \"gpt-4o-2024-08-06\", "
                        + "\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"Hi!\", "
                        + "\"refusal\": null}, \"finish_reason\": \"stop\", \"logprobs\": null}], \"usage\": "
                        + "{\"prompt_tokens\": 11, \"completion_tokens\": 4, \"total_tokens\": 15}}";
                exchange.getResponseHeaders().add("Content-Type", "application/json");
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        openAi.createContext("/v1/embeddings", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = ("{\"object\": \"list\", \"data\": [{\"object\": \"embedding\", \"index\": 0, \"embedding\": "
                    + "[0.1, 0.2]}], \"model\": \"text-embedding-3-small\", \"usage\": {\"prompt_tokens\": 6, "
                    + "\"total_tokens\": 6}}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        openAi.start();
        tracing = Tracing.toExporter(exporter);
        client = OspreyOpenAI.trace(OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + openAi.getAddress().getPort() + "/v1").apiKey("test").maxRetries(0)
                .build(), tracing);
    }

    @AfterEach
    void stop() {
        tracing.close();
        openAi.stop(0);
    }

    private SpanData only() {
        tracing.flush(Duration.ofSeconds(5));
        assertThat(exporter.getFinishedSpanItems()).hasSize(1);
        return exporter.getFinishedSpanItems().get(0);
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private static ChatCompletionCreateParams params() {
        return ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O).addUserMessage("Say hi").build();
    }

    @Test
    void chatCompletion_isAChatModelSpan() {
        ChatCompletion completion = client.chat().completions().create(params());
        assertThat(completion.choices().get(0).message().content()).contains("Hi!");
        SpanData span = only();
        assertThat(span.getName()).isEqualTo("chat gpt-4o");
        assertThat(attr(span, "mlflow.spanType")).isEqualTo("\"CHAT_MODEL\"");
        assertThat(attr(span, "mlflow.spanInputs")).contains("\"messages\"", "Say hi");
        assertThat(attr(span, "mlflow.spanOutputs")).contains("Hi!");
        assertThat(attr(span, "mlflow.chat.tokenUsage"))
                .isEqualTo("{\"input_tokens\": 11, \"output_tokens\": 4, \"total_tokens\": 15}");
        assertThat(attr(span, "mlflow.llm.model")).isEqualTo("\"gpt-4o-2024-08-06\"");
    }

    @Test
    void streamedCompletion_collectsTheTextAndEndsOnClose() {
        String text;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
            text = stream.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }
        assertThat(text).isEqualTo("Hello");
        SpanData span = only();
        assertThat(attr(span, "mlflow.spanOutputs")).contains("\"content\":\"Hello\"");
        assertThat(attr(span, "mlflow.chat.tokenUsage"))
                .isEqualTo("{\"input_tokens\": 5, \"output_tokens\": 2, \"total_tokens\": 7}");
    }

    @Test
    void embeddings_andErrors() {
        client.embeddings().create(EmbeddingCreateParams.builder().model(EmbeddingModel.TEXT_EMBEDDING_3_SMALL)
                .input("hello").build());
        SpanData embedding = only();
        assertThat(attr(embedding, "mlflow.spanType")).isEqualTo("\"EMBEDDING\"");
        assertThat(attr(embedding, "mlflow.chat.tokenUsage"))
                .isEqualTo("{\"input_tokens\": 6, \"output_tokens\": 0, \"total_tokens\": 6}");
        exporter.reset();
        status = 500;
        assertThatThrownBy(() -> client.chat().completions().create(params())).isInstanceOf(RuntimeException.class);
        SpanData failed = only();
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }
}
