package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.Tracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Osprey's Java tracing SDK into the server jar: typed spans, tokens and cost, read back over the v3 API. */
class ITTracingSdk {

    @Test
    void sdkSpans_arriveWithTypesTokensAndCost() throws Exception {
        try (ServerProcess server = ServerProcess.start(Backends.freshSqlite(),
                Files.createTempDirectory("osprey-tracing-sdk"))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String exp = Json.read(http.send(HttpRequest.newBuilder(URI.create(server.url()
                    + "/api/2.0/mlflow/experiments/create")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"sdk-traces\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("experiment_id").asText();
            String traceId;
            try (Tracing tracing = Tracing.toServer(server.url(), exp)) {
                traceId = tracing.span("support-agent", SpanType.AGENT, agent -> {
                    agent.setInputs(Map.of("question", "Where is my order?"));
                    String reply = tracing.span("chat", SpanType.CHAT_MODEL, llm -> {
                        llm.setModel("gpt-4o").setTokenUsage(1000, 200);
                        return "It ships today.";
                    });
                    agent.setOutputs(reply);
                    return agent.traceId();
                });
                assertThat(tracing.flush(Duration.ofSeconds(10))).isTrue();
            }
            JsonNode trace = Json.read(http.send(HttpRequest.newBuilder(URI.create(server.url()
                    + "/api/3.0/mlflow/traces/get?trace_id=" + traceId)).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("trace");
            JsonNode info = trace.get("trace_info");
            assertThat(info.get("state").asText()).isEqualTo("OK");
            assertThat(info.get("request_preview").asText()).isEqualTo("{\"question\":\"Where is my order?\"}");
            assertThat(info.get("response_preview").asText()).isEqualTo("\"It ships today.\"");
            assertThat(info.at("/trace_metadata/mlflow.trace.tokenUsage").asText())
                    .isEqualTo("{\"input_tokens\": 1000, \"output_tokens\": 200, \"total_tokens\": 1200}");
            // gpt-4o: 2.50 / 10.00 USD per million tokens.
            assertThat(info.at("/trace_metadata/mlflow.trace.cost").asText())
                    .isEqualTo("{\"input_cost\": 0.0025, \"output_cost\": 0.002, \"total_cost\": 0.0045}");
            assertThat(trace.get("spans")).extracting(s -> s.get("name").asText())
                    .containsExactly("support-agent", "chat");
            assertThat(trace.at("/spans/1/attributes").toString()).as("decoded, as MLflow serves span attributes")
                    .contains("{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"CHAT_MODEL\"}}");
        }
    }
}
