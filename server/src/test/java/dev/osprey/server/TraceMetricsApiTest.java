package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** QueryTraceMetrics over OTLP-ingested traces, through REST (MLflow's metric names, dimensions and labels). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceMetricsApiTest {
    private static final String METRICS = "/api/3.0/mlflow/traces/metrics";
    private static final long HOUR = 3_600_000L;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Random random = new Random(7);
    private final List<String> traceIds = new ArrayList<>();
    private OspreyServer server;
    private RestClient api;
    private String experiment;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-trace-metrics");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:", Optional.empty(),
                dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        experiment = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"metrics\"}").json()
                .get("experiment_id").asText();
        // Hour 0: "agent" OK in 100 ms and 300 ms, "agent" ERROR in 200 ms; hour 1: "chat" OK in 400 ms.
        trace("agent", 0, 100, true, 10);
        trace("agent", 10_000, 300, true, 30);
        trace("agent", 20_000, 200, false, 20);
        trace("chat", HOUR + 5_000, 400, true, 40);
        assessment(traceIds.get(0), "relevance", "0.5");
        assessment(traceIds.get(1), "relevance", "1");
        assessment(traceIds.get(2), "relevance", "\"yes\"");
        assessment(traceIds.get(3), "safe", "false");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue intAttr(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }

    /** A root span and one LLM child (half the root's time, its model and input tokens) in one OTLP request. */
    private void trace(String name, long startMs, long durationMs, boolean ok, long inputTokens) throws Exception {
        byte[] traceId = new byte[16];
        random.nextBytes(traceId);
        byte[] root = new byte[8];
        byte[] child = new byte[8];
        random.nextBytes(root);
        random.nextBytes(child);
        long base = 1_700_000_000_000L + startMs;
        Span rootSpan = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(root))
                .setName(name).setStartTimeUnixNano(base * 1_000_000).setEndTimeUnixNano((base + durationMs) * 1_000_000)
                .setStatus(Status.newBuilder().setCode(ok ? Status.StatusCode.STATUS_CODE_OK
                        : Status.StatusCode.STATUS_CODE_ERROR)).build();
        Span llm = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(child))
                .setParentSpanId(ByteString.copyFrom(root)).setName("llm").setStartTimeUnixNano(base * 1_000_000)
                .setEndTimeUnixNano((base + durationMs / 2) * 1_000_000)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .addAttributes(attr("gen_ai.operation.name", "chat")).addAttributes(attr("gen_ai.request.model",
                        "gpt-4o")).addAttributes(intAttr("gen_ai.usage.input_tokens", inputTokens))
                .addAttributes(intAttr("gen_ai.usage.output_tokens", 1)).build();
        byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(rootSpan).addSpans(llm))).build().toByteArray();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/traces"))
                .header("Content-Type", "application/x-protobuf").header("x-mlflow-experiment-id", experiment)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        traceIds.add("tr-" + HexFormat.of().formatHex(traceId));
    }

    private void assessment(String traceId, String name, String value) {
        RestClient.Reply r = api.post("/api/3.0/mlflow/traces/" + traceId + "/assessments", "{\"assessment\": "
                + "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": "
                + "\"ada\"}, \"feedback\": {\"value\": " + value + "}}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private JsonNode query(String fields) {
        RestClient.Reply r = api.post(METRICS, "{\"experiment_ids\": [\"" + experiment + "\"], " + fields + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("data_points");
    }

    @Test
    void traceCount_byStatus_inHourBuckets() {
        long start = 1_700_000_000_000L;
        JsonNode points = query("\"view_type\": \"TRACES\", \"metric_name\": \"trace_count\", \"aggregations\": "
                + "[{\"aggregation_type\": \"COUNT\"}], \"dimensions\": [\"trace_status\"], \"time_interval_seconds\": "
                + "3600, \"start_time_ms\": " + start + ", \"end_time_ms\": " + (start + 2 * HOUR));
        assertThat(points).hasSize(3);
        long firstBucket = Math.floorDiv(start, HOUR) * HOUR;
        String hour0 = java.time.Instant.ofEpochMilli(firstBucket).toString().replace("Z", "+00:00");
        assertThat(points.get(0).get("metric_name").asText()).isEqualTo("trace_count");
        assertThat(points.get(0).get("dimensions").get("time_bucket").asText()).isEqualTo(hour0);
        assertThat(points.get(0).get("dimensions").get("trace_status").asText()).isEqualTo("ERROR");
        assertThat(points.get(0).at("/values/COUNT").asDouble()).isEqualTo(1);
        assertThat(points.get(1).get("dimensions").get("trace_status").asText()).isEqualTo("OK");
        assertThat(points.get(1).at("/values/COUNT").asDouble()).isEqualTo(2);
        assertThat(points.get(2).at("/values/COUNT").asDouble()).isEqualTo(1);
    }

    @Test
    void latency_averageAndPercentiles_perTraceName_linearlyInterpolated() {
        JsonNode points = query("\"view_type\": \"TRACES\", \"metric_name\": \"latency\", \"aggregations\": "
                + "[{\"aggregation_type\": \"AVG\"}, {\"aggregation_type\": \"PERCENTILE\", \"percentile_value\": 50}, "
                + "{\"aggregation_type\": \"PERCENTILE\", \"percentile_value\": 90}], \"dimensions\": [\"trace_name\"]");
        assertThat(points).hasSize(2);
        JsonNode agent = points.get(0);
        assertThat(agent.at("/dimensions/trace_name").asText()).isEqualTo("agent");
        assertThat(agent.at("/values/AVG").asDouble()).isEqualTo(200);
        assertThat(agent.at("/values/P50.0").asDouble()).isEqualTo(200);
        // numpy.quantile([100, 200, 300], 0.9) = 280
        assertThat(agent.at("/values/P90.0").asDouble()).isCloseTo(280, within(1e-9));
        assertThat(points.get(1).at("/values/AVG").asDouble()).isEqualTo(400);
    }

    @Test
    void tokens_summedFromTheTracesUsage_andFilteredByStatus() {
        JsonNode all = query("\"view_type\": \"TRACES\", \"metric_name\": \"input_tokens\", \"aggregations\": "
                + "[{\"aggregation_type\": \"SUM\"}]");
        assertThat(all).hasSize(1);
        assertThat(all.get(0).at("/values/SUM").asDouble()).isEqualTo(100);
        JsonNode ok = query("\"view_type\": \"TRACES\", \"metric_name\": \"input_tokens\", \"aggregations\": "
                + "[{\"aggregation_type\": \"SUM\"}], \"filters\": [\"trace.status = 'OK'\"]");
        assertThat(ok.get(0).at("/values/SUM").asDouble()).isEqualTo(80);
    }

    @Test
    void spans_countedByType_andTheirLatencyFilteredByName() {
        JsonNode byType = query("\"view_type\": \"SPANS\", \"metric_name\": \"span_count\", \"aggregations\": "
                + "[{\"aggregation_type\": \"COUNT\"}], \"dimensions\": [\"span_name\", \"span_model_name\"]");
        // Only the LLM spans carry a model: the root spans have no value for that dimension and are left out.
        assertThat(byType).hasSize(1);
        assertThat(byType.get(0).at("/dimensions/span_name").asText()).isEqualTo("llm");
        assertThat(byType.get(0).at("/dimensions/span_model_name").asText()).isEqualTo("gpt-4o");
        assertThat(byType.get(0).at("/values/COUNT").asDouble()).isEqualTo(4);
        JsonNode latency = query("\"view_type\": \"SPANS\", \"metric_name\": \"latency\", \"aggregations\": "
                + "[{\"aggregation_type\": \"AVG\"}], \"filters\": [\"span.name = \\\"llm\\\"\"]");
        assertThat(latency.get(0).at("/values/AVG").asDouble()).isEqualTo(125);
    }

    @Test
    void assessments_numericValues_andCountsByValue() {
        JsonNode values = query("\"view_type\": \"ASSESSMENTS\", \"metric_name\": \"assessment_value\", "
                + "\"aggregations\": [{\"aggregation_type\": \"AVG\"}], \"dimensions\": [\"assessment_name\"]");
        assertThat(values).extracting(p -> p.at("/dimensions/assessment_name").asText())
                .containsExactly("relevance", "safe");
        // 0.5, 1 and "yes" (read as 1)
        assertThat(values.get(0).at("/values/AVG").asDouble()).isCloseTo(2.5 / 3, within(1e-9));
        assertThat(values.get(1).at("/values/AVG").asDouble()).isEqualTo(0);
        JsonNode counts = query("\"view_type\": \"ASSESSMENTS\", \"metric_name\": \"assessment_count\", "
                + "\"aggregations\": [{\"aggregation_type\": \"COUNT\"}], \"dimensions\": [\"assessment_value\"], "
                + "\"filters\": [\"assessment.name = 'relevance'\"]");
        assertThat(counts).extracting(p -> p.at("/dimensions/assessment_value").asText())
                .containsExactly("\"yes\"", "0.5", "1");
    }

    @Test
    void filterCorrelation_isMlflowsNpmi() {
        RestClient.Reply r = api.post("/api/3.0/mlflow/traces/calculate-filter-correlation", "{\"experiment_ids\": "
                + "[\"" + experiment + "\"], \"filter_string1\": \"trace.status = 'OK'\", \"filter_string2\": "
                + "\"trace.name = 'agent'\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode c = r.json();
        assertThat(c.get("total_count").asInt()).isEqualTo(4);
        assertThat(c.get("filter1_count").asInt()).isEqualTo(3);
        assertThat(c.get("filter2_count").asInt()).isEqualTo(3);
        assertThat(c.get("joint_count").asInt()).isEqualTo(2);
        // log(2*4 / (3*3)) / -log(2/4); smoothed: the same with 0.5 added to each of the four cells
        assertThat(c.get("npmi").asDouble()).isCloseTo(Math.log(8.0 / 9) / -Math.log(0.5), within(1e-12));
        assertThat(c.get("npmi_smoothed").asDouble()).isCloseTo(Math.log(2.5 * 6 / 16) / -Math.log(2.5 / 6),
                within(1e-12));
        RestClient.Reply none = api.post("/api/3.0/mlflow/traces/calculate-filter-correlation", "{\"experiment_ids\": "
                + "[\"" + experiment + "\"], \"filter_string1\": \"trace.status = 'IN_PROGRESS'\", "
                + "\"filter_string2\": \"trace.name = 'agent'\", \"base_filter\": \"trace.timestamp_ms > 0\"}");
        assertThat(none.json().get("npmi").asText()).isEqualTo("NaN");
        assertThat(none.json().get("filter1_count").asInt()).isZero();
    }

    @Test
    void badRequests_areInvalidParameterValue() {
        for (String body : List.of(
                "\"view_type\": \"TRACES\", \"metric_name\": \"nope\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"COUNT\"}]",
                "\"view_type\": \"TRACES\", \"metric_name\": \"latency\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"SUM\"}]",
                "\"view_type\": \"TRACES\", \"metric_name\": \"latency\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"AVG\"}], \"dimensions\": [\"span_name\"]",
                "\"view_type\": \"TRACES\", \"metric_name\": \"trace_count\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"COUNT\"}], \"time_interval_seconds\": 60",
                "\"view_type\": \"TRACES\", \"metric_name\": \"trace_count\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"COUNT\"}], \"filters\": [\"span.name = 'x'\"]",
                "\"view_type\": \"TRACES\", \"metric_name\": \"trace_count\", \"aggregations\": [{\"aggregation_type\": "
                        + "\"COUNT\"}], \"filters\": [\"trace.tag = 'x'\"]")) {
            RestClient.Reply r = api.post(METRICS, "{\"experiment_ids\": [\"" + experiment + "\"], " + body + "}");
            assertThat(r.status()).as(body + " -> " + r.body()).isEqualTo(400);
            assertThat(r.json().get("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
    }
}
