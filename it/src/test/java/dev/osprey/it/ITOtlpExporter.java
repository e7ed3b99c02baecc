package dev.osprey.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The OpenTelemetry Java SDK's own OTLP/HTTP exporter (protobuf, gzip) into the server jar, read back over the v3
 * trace API: span by span (children before their root) and in batches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ITOtlpExporter {
    private ServerProcess server;
    private String experiment;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        server = ServerProcess.start(Backends.freshSqlite(), Files.createTempDirectory("osprey-otlp"));
        experiment = Json.read(send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/2.0/mlflow/experiments/create")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"otlp\"}")))).get("experiment_id").asText();
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private String send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private SdkTracerProvider provider(boolean batch) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(server.url() + "/v1/traces")
                .addHeader("x-mlflow-experiment-id", experiment)
                .setCompression("gzip")
                .build();
        return SdkTracerProvider.builder()
                .addSpanProcessor(batch ? BatchSpanProcessor.builder(exporter).build()
                        : SimpleSpanProcessor.create(exporter))
                .build();
    }

    @Test
    void spanBySpanExport_assemblesTheTrace() throws Exception {
        SdkTracerProvider provider = provider(false);
        Tracer tracer = provider.get("osprey-it");
        Span root = tracer.spanBuilder("agent").startSpan();
        root.setAttribute("mlflow.spanInputs", "{\"question\": \"why?\"}");
        root.setAttribute("mlflow.spanType", "\"AGENT\"");
        root.setAttribute("session.id", "conversation-7");
        try (Scope ignored = root.makeCurrent()) {
            Span llm = tracer.spanBuilder("chat gpt-4o").startSpan();
            llm.setAttribute("gen_ai.operation.name", "chat");
            llm.setAttribute("gen_ai.usage.input_tokens", 21L);
            llm.setAttribute("gen_ai.usage.output_tokens", 9L);
            llm.end();
            Span tool = tracer.spanBuilder("search").startSpan();
            tool.setStatus(StatusCode.ERROR, "timeout");
            tool.end();
        }
        root.end();
        JsonNode trace = exportAndRead(provider, root);
        JsonNode info = trace.get("trace_info");
        assertThat(info.get("state").asText()).isEqualTo("OK");
        assertThat(info.at("/tags/mlflow.traceName").asText()).isEqualTo("agent");
        assertThat(info.at("/trace_metadata/mlflow.trace.session").asText()).isEqualTo("conversation-7");
        assertThat(info.at("/trace_metadata/mlflow.trace.tokenUsage").asText())
                .isEqualTo("{\"input_tokens\": 21, \"output_tokens\": 9, \"total_tokens\": 30}");
        assertThat(info.get("request_preview").asText()).isEqualTo("{\"question\": \"why?\"}");
        assertThat(trace.get("spans")).extracting(s -> s.get("name").asText())
                .containsExactly("agent", "chat gpt-4o", "search");
        assertThat(trace.at("/spans/2/status/code").asText()).isEqualTo("STATUS_CODE_ERROR");
    }

    @Test
    void batchedExport_ofManyTraces_isSearchable() throws Exception {
        SdkTracerProvider provider = provider(true);
        Tracer tracer = provider.get("osprey-it");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Span root = tracer.spanBuilder("batch-" + i).startSpan();
            try (Scope ignored = root.makeCurrent()) {
                for (int j = 0; j < 5; j++) {
                    tracer.spanBuilder("step-" + j).startSpan().end();
                }
            }
            root.end();
            ids.add("tr-" + root.getSpanContext().getTraceId());
        }
        provider.forceFlush().join(10, TimeUnit.SECONDS);
        provider.shutdown().join(10, TimeUnit.SECONDS);
        JsonNode found = Json.read(send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/3.0/mlflow/traces/search")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                        + "\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], \"filter\": "
                        + "\"name LIKE 'batch-%'\", \"max_results\": 100}"))));
        assertThat(found.get("traces")).extracting(t -> t.get("trace_id").asText()).containsExactlyInAnyOrderElementsOf(
                ids);
        JsonNode batch = Json.read(send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/3.0/mlflow/traces/batchGet?trace_ids=" + ids.get(0) + "&trace_ids=" + ids.get(1)))));
        assertThat(batch.get("traces")).hasSize(2);
        assertThat(batch.at("/traces/0/spans")).hasSize(6);
    }

    /** Flushes the provider's exporter and reads the root's trace back with GetTrace. */
    private JsonNode exportAndRead(SdkTracerProvider provider, Span root) throws Exception {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
        provider.shutdown().join(10, TimeUnit.SECONDS);
        return Json.read(send(HttpRequest.newBuilder(URI.create(server.url() + "/api/3.0/mlflow/traces/get?trace_id=tr-"
                + root.getSpanContext().getTraceId())))).get("trace");
    }

    /**
     * A span attribute of GetTrace's OTel JSON as MLflow's Python client reads it: the AnyValue's native value
     * (strings stay strings, kvlists become objects), without any further JSON decoding.
     */
    private static JsonNode attribute(JsonNode span, String key) {
        for (JsonNode kv : span.get("attributes")) {
            if (kv.get("key").asText().equals(key)) {
                return nativeValue(kv.get("value"));
            }
        }
        throw new AssertionError("span " + span.get("name") + " has no attribute " + key + ": " + span);
    }

    private static JsonNode nativeValue(JsonNode any) {
        var nodes = Json.MAPPER.getNodeFactory();
        if (any.has("kvlist_value")) {
            var out = nodes.objectNode();
            any.at("/kvlist_value/values").forEach(kv -> out.set(kv.get("key").asText(), nativeValue(kv.get("value"))));
            return out;
        }
        if (any.has("array_value")) {
            var out = nodes.arrayNode();
            any.at("/array_value/values").forEach(v -> out.add(nativeValue(v)));
            return out;
        }
        return any.elements().hasNext() ? any.elements().next() : nodes.nullNode();
    }

    @Test
    void genAiSemanticConventions_readBackTypedWithUsageModelAndCost() throws Exception {
        SdkTracerProvider provider = provider(false);
        Tracer tracer = provider.get("genai-app");
        Span agent = tracer.spanBuilder("invoke_agent travel").startSpan();
        agent.setAttribute("gen_ai.operation.name", "invoke_agent");
        agent.setAttribute("gen_ai.agent.name", "travel");
        agent.setAttribute("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
                + "\"content\":\"Weather in Oslo?\"}]}]");
        agent.setAttribute("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
                + "\"content\":\"Sunny.\"}],\"finish_reason\":\"stop\"}]");
        try (Scope ignored = agent.makeCurrent()) {
            Span chat = tracer.spanBuilder("chat gpt-4o").startSpan();
            chat.setAttribute("gen_ai.operation.name", "chat");
            chat.setAttribute("gen_ai.provider.name", "openai");
            chat.setAttribute("gen_ai.request.model", "gpt-4o");
            chat.setAttribute("gen_ai.usage.input_tokens", 1000L);
            chat.setAttribute("gen_ai.usage.output_tokens", 100L);
            chat.setAttribute("gen_ai.input.messages", "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\","
                    + "\"content\":\"Weather in Oslo?\"}]}]");
            chat.setAttribute("gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":"
                    + "\"tool_call\",\"name\":\"weather\",\"arguments\":{\"city\":\"Oslo\"}}]}]");
            chat.end();
            Span tool = tracer.spanBuilder("execute_tool weather").startSpan();
            tool.setAttribute("gen_ai.operation.name", "execute_tool");
            tool.setAttribute("gen_ai.tool.name", "weather");
            tool.setAttribute("gen_ai.tool.call.arguments", "{\"city\":\"Oslo\"}");
            tool.setAttribute("gen_ai.tool.call.result", "{\"sky\":\"clear\"}");
            tool.end();
        }
        agent.end();
        JsonNode trace = exportAndRead(provider, agent);
        String traceId = "tr-" + agent.getSpanContext().getTraceId();
        JsonNode spans = trace.get("spans");
        assertThat(spans).extracting(s -> s.get("name").asText())
                .containsExactly("invoke_agent travel", "chat gpt-4o", "execute_tool weather");
        JsonNode root = spans.get(0);
        JsonNode chat = spans.get(1);
        JsonNode tool = spans.get(2);
        assertThat(attribute(root, "mlflow.spanType").asText()).isEqualTo("AGENT");
        assertThat(attribute(chat, "mlflow.spanType").asText()).isEqualTo("CHAT_MODEL");
        assertThat(attribute(tool, "mlflow.spanType").asText()).isEqualTo("TOOL");
        assertThat(attribute(chat, "mlflow.spanInputs").at("/0/parts/0/content").asText())
                .isEqualTo("Weather in Oslo?");
        assertThat(attribute(chat, "mlflow.spanOutputs").at("/0/parts/0/name").asText())
                .isEqualTo("weather");
        assertThat(attribute(tool, "mlflow.spanInputs").get("city").asText()).isEqualTo("Oslo");
        assertThat(attribute(tool, "mlflow.spanOutputs").get("sky").asText()).isEqualTo("clear");
        assertThat(attribute(chat, "mlflow.chat.tokenUsage")).isEqualTo(Json.read(
                "{\"input_tokens\":1000,\"output_tokens\":100,\"total_tokens\":1100}"));
        assertThat(attribute(chat, "mlflow.llm.model").asText()).isEqualTo("gpt-4o");
        assertThat(attribute(chat, "mlflow.llm.provider").asText()).isEqualTo("openai");
        // gpt-4o at the bundled price ($2.50 / $10.00 per million tokens): 1000 in, 100 out.
        JsonNode cost = attribute(chat, "mlflow.llm.cost");
        assertThat(cost.get("input_cost").asDouble()).isCloseTo(0.0025, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(cost.get("output_cost").asDouble()).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-9));

        JsonNode info = trace.get("trace_info");
        assertThat(Json.read(info.at("/trace_metadata/mlflow.trace.tokenUsage").asText()).get("total_tokens")
                .asLong()).isEqualTo(1100);
        assertThat(Json.read(info.at("/trace_metadata/mlflow.trace.cost").asText()).get("total_cost").asDouble())
                .isCloseTo(0.0035, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Json.read(info.get("request_preview").asText()).at("/0/parts/0/content").asText())
                .as("the root's GenAI messages are the trace's request preview").isEqualTo("Weather in Oslo?");
        assertThat(Json.read(info.get("response_preview").asText()).at("/0/finish_reason").asText())
                .isEqualTo("stop");

        JsonNode bySpanType = Json.read(send(HttpRequest.newBuilder(URI.create(server.url()
                + "/api/3.0/mlflow/traces/search")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                        + "\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], \"filter\": "
                        + "\"span.type = 'TOOL'\"}"))));
        assertThat(bySpanType.get("traces")).extracting(t -> t.get("trace_id").asText()).contains(traceId);
    }
}
