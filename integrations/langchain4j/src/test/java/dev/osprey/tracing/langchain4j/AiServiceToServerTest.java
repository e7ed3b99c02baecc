package dev.osprey.tracing.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import dev.osprey.tracing.Tracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The whole path: a LangChain4j AI service with a tool, against a local OpenAI-wire server, traced to a real Osprey
 * server over OTLP; the trace read back over the v3 REST API shows the span types, token counts and cost.
 */
class AiServiceToServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    interface Assistant {
        String chat(String question);
    }

    static final class Tools {
        @Tool("Current weather of a city")
        String weather(String city) {
            return "rainy in " + city;
        }
    }

    private static String completion(String message, int in, int out) {
        return "{\"id\": \"c\", \"object\": \"chat.completion\", \"created\": 1, \"model\": \"gpt-4o-mini\", "
                + "\"choices\": [{\"index\": 0, \"message\": " + message + ", \"finish_reason\": \"stop\"}], "
                + "\"usage\": {\"prompt_tokens\": " + in + ", \"completion_tokens\": " + out + ", \"total_tokens\": "
                + (in + out) + "}}";
    }

    @Test
    void aiServiceTrace_isShownByTheServer_withTypesTokensAndCost() throws Exception {
        OpenAiWireServer openAi = OpenAiWireServer.start(request -> new OpenAiWireServer.Reply(200,
                request.contains("tool_call_id")
                        ? completion("{\"role\": \"assistant\", \"content\": \"Rainy in Oslo.\"}", 1000, 200)
                        : completion("{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": "
                                + "\"call_1\", \"type\": \"function\", \"function\": {\"name\": \"weather\", "
                                + "\"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}}]}", 500, 20)));
        Path dir = Files.createTempDirectory("osprey-lc4j");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0,
                "sqlite:///" + dir + "/osprey.db", Optional.empty(), dir.resolve("artifacts"), true, "", true));
                HttpClient http = HttpClient.newHttpClient()) {
            String experiment = post(http, server.baseUrl() + "/api/2.0/mlflow/experiments/create",
                    "{\"name\": \"lc4j\"}").get("experiment_id").asText();
            String answer;
            try (Tracing tracing = Tracing.toServer(server.baseUrl(), experiment)) {
                OpenAiChatModel model = OpenAiChatModel.builder()
                        .baseUrl(openAi.baseUrl()).apiKey("k")
                        .modelName("gpt-4o-mini").maxRetries(0).timeout(Duration.ofSeconds(5))
                        .listeners(List.of(new OspreyChatModelListener(tracing))).build();
                Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Tools())
                        .registerListeners(new OspreyAiServiceTracer(tracing).listeners()).build();
                answer = assistant.chat("Weather in Oslo?");
            }
            assertThat(answer).isEqualTo("Rainy in Oslo.");
            JsonNode found = post(http, server.baseUrl() + "/api/3.0/mlflow/traces/search",
                    "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                            + experiment + "\"}}], \"filter\": \"span.type = 'TOOL'\"}").get("traces");
            assertThat(found).hasSize(1);
            JsonNode info = found.get(0);
            assertThat(info.get("state").asText()).isEqualTo("OK");
            assertThat(info.at("/tags/mlflow.traceName").asText()).isEqualTo("Assistant.chat");
            assertThat(info.at("/trace_metadata/mlflow.trace.tokenUsage").asText())
                    .isEqualTo("{\"input_tokens\": 1500, \"output_tokens\": 220, \"total_tokens\": 1720}");
            assertThat(info.at("/trace_metadata/mlflow.trace.cost").asText()).as("priced from the model table")
                    .startsWith("{\"input_cost\": ");
            JsonNode trace = get(http, server.baseUrl() + "/api/3.0/mlflow/traces/get?trace_id="
                    + info.get("trace_id").asText()).get("trace");
            List<String> types = new ArrayList<>();
            trace.get("spans").forEach(s -> s.get("attributes").forEach(a -> {
                if (a.get("key").asText().equals("mlflow.spanType")) {
                    types.add(a.at("/value/string_value").asText());
                }
            }));
            assertThat(types).as("decoded, as MLflow serves span attributes")
                    .containsExactly("AGENT", "CHAT_MODEL", "TOOL", "CHAT_MODEL");
        } finally {
            openAi.close();
        }
    }

    private static JsonNode post(HttpClient http, String url, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
