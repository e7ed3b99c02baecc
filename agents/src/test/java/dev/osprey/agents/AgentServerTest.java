package dev.osprey.agents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.osprey.protocol.Json;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.Tracing;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Java ResponsesAgent behind MLflow's agent server routes, called by the OpenAI Java client's
 * {@code responses.create} (streamed and not) and by raw HTTP; every call is one trace whose root span holds the
 * agent's own span, continuing the caller's W3C trace when one is sent.
 */
class AgentServerTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private Tracing tracing;
    private AgentServer server;
    private String base;

    /** Echoes the last user message, tracing a "lookup" step; "fail" fails; streams word by word. */
    private final class EchoAgent implements ResponsesAgent {
        @Override
        public ObjectNode predict(AgentRequest request) {
            String text = request.lastUserText();
            if (text.equals("fail")) {
                throw new IllegalStateException("the knowledge base is down");
            }
            String answer = tracing.span("lookup", SpanType.TOOL, s -> {
                s.setInputs(text);
                return "You said: " + text;
            });
            return Responses.text(answer);
        }

        @Override
        public void predictStream(AgentRequest request, Consumer<ObjectNode> events) {
            ObjectNode item = Responses.textItem("You said: " + request.lastUserText());
            for (String word : List.of("You ", "said: ", request.lastUserText())) {
                events.accept(Json.object().put("type", "response.output_text.delta").put("item_id",
                        item.path("id").asText()).put("output_index", 0).put("content_index", 0)
                        .put("delta", word));
            }
            ObjectNode done = Json.object().put("type", "response.output_item.done").put("output_index", 0);
            done.set("item", item);
            events.accept(done);
        }
    }

    @BeforeEach
    void start() {
        tracing = Tracing.toExporter(spans);
        server = AgentServer.start(new EchoAgent(), "127.0.0.1", 0, Optional.of(tracing), "echo-agent");
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private List<SpanData> finished(int atLeast) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (spans.getFinishedSpanItems().size() < atLeast && System.currentTimeMillis() < deadline) {
            tracing.flush(Duration.ofSeconds(1));
            Thread.sleep(20);
        }
        return spans.getFinishedSpanItems();
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theOpenAiJavaClient_createsResponses_streamedAndNot() throws Exception {
        OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("not-needed").build();
        Response r = openai.responses().create(ResponseCreateParams.builder().model("echo").input("hello").build());
        assertThat(r.output().getFirst().message().orElseThrow().content().getFirst().outputText().orElseThrow()
                .text()).isEqualTo("You said: hello");
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ResponseStreamEvent> events = openai.responses().createStreaming(
                ResponseCreateParams.builder().model("echo").input("there").build())) {
            events.stream().forEach(e -> e.outputTextDelta().ifPresent(d -> streamed.append(d.delta())));
        }
        assertThat(streamed.toString()).isEqualTo("You said: there");

        List<SpanData> all = finished(3);
        SpanData root = all.stream().filter(s -> s.getName().equals("predict")).findFirst().orElseThrow();
        SpanData lookup = all.stream().filter(s -> s.getName().equals("lookup")).findFirst().orElseThrow();
        assertThat(lookup.getParentSpanId()).as("the agent's own span nests in the call's").isEqualTo(root
                .getSpanId());
        assertThat(lookup.getTraceId()).isEqualTo(root.getTraceId());
        assertThat(root.getAttributes().asMap().toString()).contains("mlflow.spanType").contains("AGENT")
                .contains("You said: hello");
        SpanData stream = all.stream().filter(s -> s.getName().equals("predict_stream")).findFirst().orElseThrow();
        assertThat(stream.getAttributes().asMap().toString()).as("the stream's items reduced into the outputs")
                .contains("You said: there");
    }

    @Test
    void traceIds_callerTraces_infoAndErrors_areMlflowsAgentServerAnswers() throws Exception {
        HttpResponse<String> withId = post("/invocations", "{\"input\": [{\"role\": \"user\", \"content\": "
                + "\"hi\"}]}", AgentRoutes.RETURN_TRACE_HEADER, "true", "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(withId.statusCode()).isEqualTo(200);
        JsonNode answer = Json.read(withId.body());
        assertThat(answer.at("/metadata/trace_id").asText()).as("the caller's trace continued")
                .isEqualTo("tr-0af7651916cd43dd8448eb211c80319c");
        assertThat(Responses.outputText(answer)).isEqualTo("You said: hi");
        assertThat(answer.path("object").asText()).isEqualTo("response");
        SpanData root = finished(2).stream().filter(s -> s.getName().equals("predict")).findFirst().orElseThrow();
        assertThat(root.getParentSpanId()).isEqualTo("b7ad6b7169203331");

        HttpResponse<String> stream = post("/responses", "{\"stream\": true, \"input\": [{\"role\": \"user\", "
                + "\"content\": \"yo\"}]}", AgentRoutes.RETURN_TRACE_HEADER, "true");
        List<String> data = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6))
                .toList();
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(data.get(data.size() - 2)).startsWith("{\"trace_id\":\"tr-");
        assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");

        HttpResponse<String> info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                + "/agent/info")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Json.read(info.body()).path("agent_api").asText()).isEqualTo("responses");
        assertThat(Json.read(info.body()).path("name").asText()).isEqualTo("echo-agent");
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("healthy");

        HttpResponse<String> badJson = post("/invocations", "{nope");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(Json.read(badJson.body()).path("detail").asText()).startsWith("Invalid JSON in request body");
        HttpResponse<String> noInput = post("/invocations", "{\"messages\": []}");
        assertThat(noInput.statusCode()).isEqualTo(400);
        assertThat(Json.read(noInput.body()).path("detail").asText())
                .startsWith("Invalid parameters for ResponsesAgent: 'input' is required");
        HttpResponse<String> badItem = post("/invocations", "{\"input\": [{\"role\": \"user\", \"content\": 3}]}");
        assertThat(Json.read(badItem.body()).path("detail").asText()).contains("input[0].content");
        HttpResponse<String> failing = post("/invocations", "{\"input\": [{\"role\": \"user\", \"content\": "
                + "\"fail\"}]}");
        assertThat(failing.statusCode()).isEqualTo(500);
        assertThat(Json.read(failing.body()).path("detail").asText()).isEqualTo("the knowledge base is down");
    }
}
