package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** OTLP/HTTP ingest and the trace REST API through a real socket. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceApiTest {
    private static final String V3 = "/api/3.0/mlflow/traces";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Random random = new Random(3);
    private OspreyServer server;
    private RestClient api;
    private String experiment;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-traces");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        experiment = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"traces\"}").json()
                .get("experiment_id").asText();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private byte[] id(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return b;
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static Span span(byte[] traceId, byte[] spanId, byte[] parent, String name, long startMs, long endMs,
            Status.StatusCode code, KeyValue... attributes) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(spanId)).setName(name).setStartTimeUnixNano(startMs * 1_000_000)
                .setEndTimeUnixNano(endMs * 1_000_000).setStatus(Status.newBuilder().setCode(code));
        if (parent != null) {
            b.setParentSpanId(ByteString.copyFrom(parent));
        }
        for (KeyValue kv : attributes) {
            b.addAttributes(kv);
        }
        return b.build();
    }

    private static byte[] export(Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build().toByteArray();
    }

    private HttpResponse<String> post(byte[] body, String contentType, String encoding, String experimentId)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/traces"))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        if (experimentId != null) {
            b.header("x-mlflow-experiment-id", experimentId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void protobufSpans_childFirst_assembleIntoACompleteTrace() throws Exception {
        byte[] traceId = id(16);
        byte[] root = id(8);
        byte[] child = id(8);
        String mlflowId = "tr-" + HexFormat.of().formatHex(traceId);
        HttpResponse<String> first = post(export(span(traceId, child, root, "llm", 1100, 1200,
                Status.StatusCode.STATUS_CODE_OK, attr("mlflow.spanType", "\"LLM\""),
                attr("mlflow.chat.tokenUsage", "{\"input_tokens\": 7, \"output_tokens\": 3, \"total_tokens\": 10}"))),
                "application/x-protobuf", null, experiment);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("application/x-protobuf");
        JsonNode partial = api.get(V3 + "/" + mlflowId).json().get("trace");
        assertThat(partial.at("/trace_info/state").asText()).isEqualTo("IN_PROGRESS");

        HttpResponse<String> second = post(gzip(export(span(traceId, root, null, "agent", 1000, 1500,
                Status.StatusCode.STATUS_CODE_UNSET, attr("mlflow.spanInputs", "{\"question\": \"hi\"}"),
                attr("mlflow.spanOutputs", "\"hello\""), attr("session.id", "chat-1")))),
                "application/x-protobuf", "gzip", experiment);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);

        JsonNode trace = api.get(V3 + "/get?trace_id=" + mlflowId).json().get("trace");
        JsonNode info = trace.get("trace_info");
        assertThat(info.get("state").asText()).isEqualTo("OK");
        assertThat(info.get("request_time").asText()).isEqualTo("1970-01-01T00:00:01Z");
        assertThat(info.get("execution_duration").asText()).isEqualTo("0.5s");
        assertThat(info.get("request_preview").asText()).isEqualTo("{\"question\": \"hi\"}");
        assertThat(info.at("/trace_location/mlflow_experiment/experiment_id").asText()).isEqualTo(experiment);
        assertThat(info.at("/tags/mlflow.traceName").asText()).isEqualTo("agent");
        assertThat(info.at("/tags/mlflow.artifactLocation").asText()).endsWith("/traces/" + mlflowId + "/artifacts");
        assertThat(info.at("/trace_metadata/mlflow.trace.session").asText()).isEqualTo("chat-1");
        assertThat(info.at("/trace_metadata/mlflow.trace.tokenUsage").asText())
                .isEqualTo("{\"input_tokens\": 7, \"output_tokens\": 3, \"total_tokens\": 10}");
        JsonNode spans = trace.get("spans");
        assertThat(spans).hasSize(2);
        assertThat(spans.get(0).get("name").asText()).isEqualTo("agent");
        assertThat(spans.get(0).get("start_time_unix_nano").isNumber()).as("int64 as JSON numbers").isTrue();
        assertThat(spans.get(0).get("start_time_unix_nano").asLong()).isEqualTo(1_000_000_000L);
        assertThat(spans.get(1).get("parent_span_id").asText())
                .isEqualTo(java.util.Base64.getEncoder().encodeToString(root));
        assertThat(spans.get(1).toString()).as("decoded, as MLflow serves it").contains(
                "{\"key\":\"mlflow.traceRequestId\",\"value\":{\"string_value\":\"" + mlflowId + "\"}}");

        JsonNode found = api.post(V3 + "/search", "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                + "\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], \"filter\": "
                + "\"trace.status = 'OK' AND tags.`mlflow.traceName` = 'agent'\"}").json();
        assertThat(found.get("traces")).extracting(t -> t.get("trace_id").asText()).contains(mlflowId);
        assertThat(api.get("/version").body()).isEqualTo("3.11.0");
    }

    @Test
    void otlpJson_withHexIds_andDeflate() throws Exception {
        String traceHex = HexFormat.of().formatHex(id(16));
        String spanHex = HexFormat.of().formatHex(id(8));
        String json = "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"" + traceHex + "\", "
                + "\"spanId\": \"" + spanHex + "\", \"parentSpanId\": \"\", \"name\": \"js-root\", \"kind\": 1, "
                + "\"startTimeUnixNano\": \"1795715395429160437\", \"endTimeUnixNano\": 1795715395529160437, "
                + "\"attributes\": [{\"key\": \"gen_ai.operation.name\", \"value\": {\"stringValue\": \"chat\"}}, "
                + "{\"key\": \"gen_ai.usage.input_tokens\", \"value\": {\"intValue\": \"12\"}}], \"status\": {}, "
                + "\"flags\": 257, \"entityRefs\": []}]}]}]}";
        json = json.replace("{\"key\": \"gen_ai.usage.input_tokens\"", "{\"key\": \"gen_ai.request.model\", \"value\": "
                + "{\"stringValue\": \"gpt-4o-mini-2024-07-18\"}}, {\"key\": \"gen_ai.usage.output_tokens\", \"value\": "
                + "{\"intValue\": 8}}, {\"key\": \"gen_ai.usage.input_tokens\"");
        HttpResponse<String> r = post(deflate(json.getBytes(StandardCharsets.UTF_8)), "application/json", "deflate",
                experiment);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{}");
        JsonNode trace = api.get(V3 + "/get?trace_id=tr-" + traceHex).json().get("trace");
        assertThat(trace.at("/trace_info/execution_duration").asText()).isEqualTo("0.1s");
        assertThat(trace.at("/trace_info/trace_metadata/mlflow.trace.tokenUsage").asText())
                .isEqualTo("{\"input_tokens\": 12, \"output_tokens\": 8, \"total_tokens\": 20}");
        // gpt-4o-mini: 0.15 / 0.60 USD per million tokens.
        assertThat(trace.at("/trace_info/trace_metadata/mlflow.trace.cost").asText())
                .isEqualTo("{\"input_cost\": 0.0000018, \"output_cost\": 0.0000048, \"total_cost\": 0.0000066}");
        assertThat(trace.at("/spans/0/attributes").toString()).contains("mlflow.llm.cost");
        assertThat(trace.at("/spans/0/name").asText()).isEqualTo("js-root");
    }

    @Test
    void badRequests_getClear4xx_neverA500() throws Exception {
        byte[] body = export(span(id(16), id(8), null, "x", 1, 2, Status.StatusCode.STATUS_CODE_OK));
        assertThat(post(body, "application/x-protobuf", null, null).statusCode()).isEqualTo(422);
        HttpResponse<String> unknown = post(body, "application/x-protobuf", null, "987654");
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(unknown.body()).contains("detail", "Failed to log OpenTelemetry spans");
        assertThat(post(body, "text/plain", null, experiment).statusCode()).isEqualTo(400);
        assertThat(post(new byte[] {1, 2, 3, 4, 5}, "application/x-protobuf", null, experiment).statusCode())
                .isEqualTo(400);
        assertThat(post(new byte[0], "application/x-protobuf", null, experiment).body()).contains("no spans found");
        assertThat(post(body, "application/x-protobuf", "br", experiment).statusCode()).isEqualTo(400);
        assertThat(post("not json".getBytes(StandardCharsets.UTF_8), "application/json", null, experiment)
                .statusCode()).isEqualTo(400);
        assertThat(post(new byte[] {31, -117, 8, 0}, "application/x-protobuf", "gzip", experiment).statusCode())
                .isEqualTo(400);
        assertThat(post(export(Span.newBuilder().setTraceId(ByteString.copyFrom(id(3))).setSpanId(
                ByteString.copyFrom(id(8))).build()), "application/x-protobuf", null, experiment).statusCode())
                .isEqualTo(422);
        assertThat(api.get(V3 + "/tr-00000000000000000000000000000000").status()).isEqualTo(404);
        assertThat(api.get(V3 + "/get?trace_id=tr-00000000000000000000000000000000").status()).isEqualTo(404);
        assertThat(api.post(V3 + "/search", "{}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.post(V3 + "/search", "{\"locations\": [{\"mlflow_experiment\": {\"experiment_id\": \""
                + experiment + "\"}}], \"filter\": \"bogus.key = 'x'\"}").errorCode())
                .isEqualTo("INVALID_PARAMETER_VALUE");
    }

    @Test
    void startTraceV3_tagsOnV2AndV3Routes_linkAndDelete() throws Exception {
        String id = "tr-" + HexFormat.of().formatHex(id(16));
        JsonNode started = api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + id + "\", "
                + "\"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                + experiment + "\"}}, \"request_time\": \"2026-01-01T00:00:00.250Z\", \"execution_duration\": "
                + "\"1.5s\", \"state\": \"OK\", \"trace_metadata\": {\"mlflow.sourceRun\": \"run-9\"}, \"tags\": "
                + "{\"k\": \"v\"}}}}").json();
        assertThat(started.at("/trace/trace_info/execution_duration").asText()).isEqualTo("1.5s");
        assertThat(started.at("/trace/trace_info/request_time").asText()).isEqualTo("2026-01-01T00:00:00.250Z");
        assertThat(started.at("/trace/trace_info/tags/mlflow.artifactLocation").asText()).contains("/traces/" + id);

        RestClient.Reply set = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/2.0/mlflow/traces/" + id + "/tags")).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"key\": \"reviewed\", \"value\": \"yes\"}"))
                .build());
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(api.get(V3 + "/" + id).json().at("/trace/trace_info/tags/reviewed").asText()).isEqualTo("yes");
        RestClient.Reply missing = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + V3 + "/" + id
                + "/tags?key=nope")).DELETE().build());
        assertThat(missing.status()).isEqualTo(404);
        assertThat(api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + V3 + "/" + id + "/tags?key="
                + "reviewed")).DELETE().build()).status()).isEqualTo(200);

        assertThat(api.post("/api/2.0/mlflow/traces/link-to-run", "{\"trace_ids\": [\"" + id + "\"], \"run_id\": "
                + "\"linked\"}").status()).isEqualTo(200);
        String byRun = "{\"locations\": [{\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], "
                + "\"filter\": \"run_id = '%s'\"}";
        assertThat(api.post(V3 + "/search", String.format(byRun, "linked")).json().get("traces")).hasSize(1);
        assertThat(api.post(V3 + "/search", String.format(byRun, "run-9")).json().get("traces")).hasSize(1);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            many.append(i == 0 ? "" : ", ").append("\"tr-").append(i).append('"');
        }
        assertThat(api.post("/api/2.0/mlflow/traces/link-to-run", "{\"trace_ids\": [" + many + "], \"run_id\": "
                + "\"r\"}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.get(V3 + "/get?trace_id=" + id).status()).as("no spans yet").isEqualTo(404);
        assertThat(api.get(V3 + "/get?trace_id=" + id + "&allow_partial=true").json().at("/trace/spans").size())
                .isZero();

        assertThat(api.post(V3 + "/delete-traces", "{\"experiment_id\": \"" + experiment + "\"}").errorCode())
                .isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.post(V3 + "/delete-traces", "{\"experiment_id\": \"" + experiment + "\", \"request_ids\": [\""
                + id + "\"]}").json().get("traces_deleted").asInt()).isEqualTo(1);
        assertThat(api.get(V3 + "/" + id).status()).isEqualTo(404);
    }

    /**
     * Issue 19 (finding 5's class): the trace's artifact location is the server's. A client's value — on StartTraceV3
     * or by setting the tag — would point GetTrace's traces.json read at another experiment's or workspace's files.
     */
    @Test
    void theArtifactLocationTag_isTheServers_neverTheClients() throws Exception {
        String victim = uploadTrace("tr-" + HexFormat.of().formatHex(id(16)), "{\"spans\": []}");
        String victimLocation = api.get(V3 + "/" + victim).json().at("/trace/trace_info/tags/mlflow.artifactLocation")
                .asText();
        String id = "tr-" + HexFormat.of().formatHex(id(16));
        JsonNode started = api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + id + "\", "
                + "\"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                + experiment + "\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\", \"tags\": "
                + "{\"mlflow.artifactLocation\": \"" + victimLocation + "\"}}}}").json();
        assertThat(started.at("/trace/trace_info/tags/mlflow.artifactLocation").asText()).contains("/traces/" + id)
                .isNotEqualTo(victimLocation);
        RestClient.Reply set = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + V3 + "/" + id
                + "/tags")).header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers
                .ofString("{\"key\": \"mlflow.artifactLocation\", \"value\": \"" + victimLocation + "\"}")).build());
        assertThat(set.status()).isEqualTo(400);
        assertThat(set.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.get(V3 + "/" + id).json().at("/trace/trace_info/tags/mlflow.artifactLocation").asText())
                .isNotEqualTo(victimLocation);
    }

    /** StartTraceV3, then the client's {@code traces.json} PUT through the artifact proxy (TypeScript SDK flow). */
    private String uploadTrace(String traceId, String file) throws Exception {
        JsonNode info = api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + traceId + "\", "
                + "\"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                + experiment + "\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}").json()
                .at("/trace/trace_info");
        String location = info.at("/tags/mlflow.artifactLocation").asText();
        assertThat(location).startsWith("mlflow-artifacts:/");
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/2.0/mlflow-artifacts/artifacts/" + location.substring("mlflow-artifacts:/".length())
                + "/traces.json")).PUT(HttpRequest.BodyPublishers.ofString(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        return traceId;
    }

    @Test
    void aTracesJsonUploadedInParts_isIngestedToo() throws Exception {
        String id = "tr-" + HexFormat.of().formatHex(id(16));
        JsonNode info = api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + id + "\", "
                + "\"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                + experiment + "\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}").json()
                .at("/trace/trace_info");
        String dir = info.at("/tags/mlflow.artifactLocation").asText().substring("mlflow-artifacts:/".length());
        var file = Json.object();
        file.putArray("spans").add(pythonDict(id, HexFormat.of().parseHex(id.substring(3)), id(8), null, "big",
                1000, 2000, Map.of("mlflow.spanType", "\"CHAIN\"")));
        // What the Python client does for a large file with MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: create, parts
        // to the URLs the server hands out, complete.
        JsonNode create = api.post("/api/2.0/mlflow-artifacts/mpu/create/" + dir, "{\"path\": \"traces.json\", "
                + "\"num_parts\": 1}").json();
        String url = create.at("/credentials/0/url").asText();
        HttpResponse<String> part = http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers
                .ofString(Json.writeString(file))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(part.statusCode()).as(part.body()).isEqualTo(200);
        var complete = Json.object().put("path", "traces.json").put("upload_id", create.get("upload_id").asText());
        complete.putArray("parts").addObject().put("part_number", 1).put("etag",
                part.headers().firstValue("ETag").orElseThrow());
        RestClient.Reply completed = api.post("/api/2.0/mlflow-artifacts/mpu/complete/" + dir,
                Json.writeString(complete));
        assertThat(completed.status()).as(completed.body()).isEqualTo(200);
        assertThat(api.get(V3 + "/" + id).json().at("/trace/trace_info/tags/mlflow.trace.spansLocation").asText())
                .as("ingested into the store").isEqualTo("TRACKING_STORE");
        assertThat(api.get(V3 + "/get?trace_id=" + id).json().at("/trace/spans/0/name").asText()).isEqualTo("big");
    }

    /** A span of GetTrace's answer without what names its trace, attributes by key: comparable across traces. */
    private static Map<String, Object> comparable(JsonNode span) {
        Map<String, Object> out = new java.util.TreeMap<>();
        span.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        out.remove("trace_id");
        Map<String, JsonNode> attributes = new java.util.TreeMap<>();
        span.get("attributes").forEach(kv -> attributes.put(kv.get("key").asText(), kv.get("value")));
        attributes.remove("mlflow.traceRequestId");
        out.put("attributes", attributes);
        return out;
    }

    /** One span as MLflow's Python SDK writes it into traces.json: v3 dict, base64 ids, values JSON-encoded. */
    private static com.fasterxml.jackson.databind.node.ObjectNode pythonDict(String traceId, byte[] otelTraceId,
            byte[] spanId, byte[] parent, String name, long startMs, long endMs, Map<String, String> attributes) {
        var encoder = java.util.Base64.getEncoder();
        var d = Json.object().put("trace_id", encoder.encodeToString(otelTraceId))
                .put("span_id", encoder.encodeToString(spanId))
                .put("parent_span_id", parent == null ? null : encoder.encodeToString(parent))
                .put("name", name).put("start_time_unix_nano", startMs * 1_000_000)
                .put("end_time_unix_nano", endMs * 1_000_000);
        d.putArray("events");
        d.putObject("status").put("code", "STATUS_CODE_OK").put("message", "");
        var attrs = d.putObject("attributes").put("mlflow.traceRequestId", "\"" + traceId + "\"");
        attributes.forEach(attrs::put);
        return d;
    }

    @Test
    void theSameSpans_byOtlpAndByTracesJson_readBackIdentically() throws Exception {
        byte[] otlpTrace = id(16);
        byte[] fileTrace = id(16);
        String otlpId = "tr-" + HexFormat.of().formatHex(otlpTrace);
        String fileId = "tr-" + HexFormat.of().formatHex(fileTrace);
        byte[] root = id(8);
        byte[] child = id(8);
        Map<String, String> rootAttributes = new java.util.LinkedHashMap<>();
        rootAttributes.put("mlflow.spanType", "\"AGENT\"");
        rootAttributes.put("mlflow.spanInputs", "{\"question\": \"hi\", \"n\": 2}");
        rootAttributes.put("mlflow.spanOutputs", "\"hello\"");
        Map<String, String> childAttributes = Map.of("mlflow.spanType", "\"LLM\"", "mlflow.chat.tokenUsage",
                "{\"input_tokens\": 3, \"output_tokens\": 2, \"total_tokens\": 5}", "gen_ai.request.model",
                "gpt-4o");
        assertThat(post(export(
                span(otlpTrace, root, null, "agent", 1000, 2000, Status.StatusCode.STATUS_CODE_OK,
                        rootAttributes.entrySet().stream().map(e -> attr(e.getKey(), e.getValue()))
                                .toArray(KeyValue[]::new)),
                span(otlpTrace, child, root, "llm", 1100, 1900, Status.StatusCode.STATUS_CODE_OK,
                        childAttributes.entrySet().stream().map(e -> attr(e.getKey(), e.getValue()))
                                .toArray(KeyValue[]::new))), "application/x-protobuf", null, experiment).statusCode())
                .isEqualTo(200);
        var file = Json.object();
        file.putArray("spans").add(pythonDict(fileId, fileTrace, root, null, "agent", 1000, 2000, rootAttributes))
                .add(pythonDict(fileId, fileTrace, child, root, "llm", 1100, 1900, childAttributes));
        uploadTrace(fileId, Json.writeString(file));

        JsonNode byOtlp = api.get(V3 + "/get?trace_id=" + otlpId).json().at("/trace/spans");
        JsonNode byFile = api.get(V3 + "/get?trace_id=" + fileId).json().at("/trace/spans");
        assertThat(byFile).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(comparable(byFile.get(i))).isEqualTo(comparable(byOtlp.get(i)));
        }
        assertThat(byOtlp.get(0).get("attributes").toString()).as("values decoded, as MLflow serves them")
                .contains("{\"key\":\"mlflow.spanType\",\"value\":{\"string_value\":\"AGENT\"}}",
                        "{\"key\":\"n\",\"value\":{\"int_value\":2}}");
        assertThat(byOtlp.get(1).get("attributes").toString()).as("translated")
                .contains("{\"key\":\"mlflow.llm.model\",\"value\":{\"string_value\":\"gpt-4o\"}}");
        JsonNode batch = api.get(V3 + "/batchGet?trace_ids=" + otlpId + "&trace_ids=" + fileId).json().get("traces");
        RestClient.Reply none = api.get(V3 + "/batchGet");
        assertThat(none.status()).as("MLflow 3.11 refuses a batch naming no trace").isEqualTo(400);
        assertThat(none.json().path("message").asText()).contains("'trace_ids'");
        assertThat(api.post(V3 + "/batchGetInfos", "{}").status()).isEqualTo(400);
        assertThat(comparable(batch.at("/0/spans/1"))).isEqualTo(comparable(batch.at("/1/spans/1")));
        assertThat(batch.at("/0/spans/1").toString()).isEqualTo(byOtlp.get(1).toString());
    }

    @Test
    void uploadedTracesJson_isIngested_servedInTheOneSpanForm_andPromptsLink() throws Exception {
        String id = "tr-" + HexFormat.of().formatHex(id(16));
        // The TypeScript SDK's form: base64 ids, native attribute values, a start time beyond 2^53.
        String file = "{\"spans\": [{\"trace_id\": \"AAAAAAAAAAAAAAAAAAAAAQ==\", \"span_id\": \"AAAAAAAAAAE=\", "
                + "\"parent_span_id\": \"\", \"name\": \"ts-root\", \"start_time_unix_nano\": 1795715395429160437, "
                + "\"end_time_unix_nano\": 1795715395529160437, \"status\": {\"code\": \"STATUS_CODE_OK\", "
                + "\"message\": \"\"}, \"attributes\": {\"mlflow.traceRequestId\": \"" + id + "\", "
                + "\"mlflow.spanType\": \"CHAIN\", \"mlflow.spanInputs\": {\"x\": 3}}, \"events\": []}]}";
        uploadTrace(id, file);
        JsonNode info = api.get(V3 + "/" + id).json().at("/trace/trace_info");
        assertThat(info.at("/tags/mlflow.trace.spansLocation").asText()).as("ingested into the store")
                .isEqualTo("TRACKING_STORE");
        JsonNode trace = api.get(V3 + "/get?trace_id=" + id).json().get("trace");
        JsonNode span = trace.at("/spans/0");
        assertThat(span.get("name").asText()).isEqualTo("ts-root");
        assertThat(span.get("start_time_unix_nano").asLong()).isEqualTo(1795715395429160437L);
        assertThat(span.get("trace_id").asText()).as("the file's location names the trace")
                .isEqualTo(java.util.Base64.getEncoder().encodeToString(HexFormat.of().parseHex(id.substring(3))));
        assertThat(span.get("attributes").toString()).contains("{\"key\":\"mlflow.spanType\",\"value\":"
                + "{\"string_value\":\"CHAIN\"}}", "{\"key\":\"mlflow.spanInputs\",\"value\":{\"kvlist_value\":"
                + "{\"values\":[{\"key\":\"x\",\"value\":{\"int_value\":3}}]}}}");
        JsonNode found = api.post(V3 + "/search", "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                + "\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], \"filter\": "
                + "\"span.name = 'ts-root'\"}").json();
        assertThat(found.get("traces")).extracting(t -> t.get("trace_id").asText()).containsExactly(id);
        HttpResponse<String> artifact = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/ajax-api/2.0/mlflow/get-trace-artifact?request_id=" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(artifact.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=traces.json");
        JsonNode dict = Json.read(artifact.body()).at("/spans/0");
        assertThat(dict.get("parent_span_id").isNull()).isTrue();
        assertThat(dict.at("/status/code").asText()).isEqualTo("STATUS_CODE_OK");
        assertThat(dict.at("/attributes/mlflow.spanType").asText()).as("JSON-encoded, as MLflow's span dicts keep them")
                .isEqualTo("\"CHAIN\"");
        assertThat(dict.at("/attributes/mlflow.spanInputs").asText()).isEqualTo("{\"x\":3}");
        HttpResponse<String> v3 = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/ajax-api/3.0/mlflow/get-trace-artifact?request_id=" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(v3.body()).as("MLflow's UI also asks the 3.0 path").isEqualTo(artifact.body());

        for (int i = 0; i < 2; i++) {
            assertThat(api.post("/api/2.0/mlflow/traces/link-prompts", "{\"trace_id\": \"" + id + "\", "
                    + "\"prompt_versions\": [{\"name\": \"qa\", \"version\": \"" + (i + 1) + "\"}, {\"name\": \"qa\", "
                    + "\"version\": \"1\"}]}").status()).isEqualTo(200);
        }
        assertThat(api.get(V3 + "/" + id).json().at("/trace/trace_info/tags/mlflow.linkedPrompts").asText())
                .isEqualTo("[{\"name\": \"qa\", \"version\": \"1\"}, {\"name\": \"qa\", \"version\": \"2\"}]");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/ajax-api/2.0/mlflow/get-trace-artifact")).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(400);
    }

    @Test
    void sessions_groupTracesWithCountsTokensAndCost() throws Exception {
        String exp = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"sessions\"}").json()
                .get("experiment_id").asText();
        for (int i = 0; i < 3; i++) {
            byte[] traceId = id(16);
            HttpResponse<String> r = post(export(span(traceId, id(8), null, "turn-" + i, 1000L * (i + 1),
                    1000L * (i + 1) + 200, Status.StatusCode.STATUS_CODE_OK, attr("session.id", i < 2 ? "s-a" : "s-b"),
                    attr("gen_ai.request.model", "gpt-4o"), KeyValue.newBuilder().setKey("gen_ai.usage.input_tokens")
                            .setValue(AnyValue.newBuilder().setIntValue(100)).build())), "application/x-protobuf",
                    null, exp);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        JsonNode sessions = api.get(V3 + "/sessions?experiment_id=" + exp).json().get("sessions");
        assertThat(sessions).extracting(s -> s.get("session_id").asText()).containsExactly("s-b", "s-a");
        JsonNode a = sessions.get(1);
        assertThat(a.get("trace_count").asInt()).isEqualTo(2);
        assertThat(a.get("total_duration_ms").asLong()).isEqualTo(400);
        assertThat(a.get("input_tokens").asLong()).isEqualTo(200);
        assertThat(a.get("total_cost").asDouble()).isEqualTo(0.0005, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(a.get("first_request_time").asText()).isEqualTo("1970-01-01T00:00:01Z");
        assertThat(a.get("last_activity_time").asText()).isEqualTo("1970-01-01T00:00:02.200Z");
        assertThat(api.get(V3 + "/sessions?experiment_id=" + exp + "&max_results=1").json().has("next_page_token"))
                .isTrue();
        assertThat(api.get(V3 + "/sessions").status()).isEqualTo(400);
    }

    /** The MLflow 2.x flow: StartTrace, EndTrace, GetTraceInfo and SearchTraces with v2 trace infos. */
    @Test
    void legacyV2Routes_startEndGetAndSearch() throws Exception {
        String exp = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"v2-traces\"}").json()
                .get("experiment_id").asText();
        JsonNode started = api.post("/api/2.0/mlflow/traces", "{\"experiment_id\": \"" + exp + "\", "
                + "\"timestamp_ms\": 1700000000000, \"request_metadata\": [{\"key\": \"mlflow.traceInputs\", "
                + "\"value\": \"{\\\"q\\\": 1}\"}], \"tags\": [{\"key\": \"team\", \"value\": \"a\"}]}")
                .json().get("trace_info");
        String id = started.get("request_id").asText();
        assertThat(id).matches("tr-[0-9a-f]{32}");
        assertThat(started.get("status").asText()).isEqualTo("IN_PROGRESS");
        assertThat(started.get("timestamp_ms").asLong()).isEqualTo(1700000000000L);
        assertThat(started.get("tags").toString()).contains("\"key\":\"team\"", "mlflow.artifactLocation");

        JsonNode ended = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/2.0/mlflow/traces/"
                + id)).header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers
                .ofString("{\"timestamp_ms\": 1700000000250, \"status\": \"ERROR\", \"tags\": [{\"key\": "
                        + "\"mlflow.traceName\", \"value\": \"predict\"}], \"request_metadata\": [{\"key\": "
                        + "\"mlflow.traceOutputs\", \"value\": \"{\\\"a\\\": 2}\"}, {\"key\": \"origin\", \"value\": "
                        + "\"batch\"}]}")).build()).json().get("trace_info");
        assertThat(ended.get("execution_time_ms").asLong()).isEqualTo(250);
        assertThat(ended.get("status").asText()).isEqualTo("ERROR");
        // EndTrace merges its metadata and tags into what StartTrace logged (MLflow's deprecated_end_trace_v2).
        assertThat(ended.get("request_metadata").toString()).contains("mlflow.traceInputs", "mlflow.traceOutputs",
                "\"origin\"");
        assertThat(ended.get("tags").toString()).contains("\"key\":\"team\"", "mlflow.traceName");

        JsonNode info = api.get("/api/2.0/mlflow/traces/" + id + "/info").json().get("trace_info");
        assertThat(info.get("experiment_id").asText()).isEqualTo(exp);
        assertThat(info.get("request_metadata").toString()).contains("mlflow.traceInputs");
        JsonNode v3 = api.get(V3 + "/" + id).json().at("/trace/trace_info");
        assertThat(v3.get("request_preview").asText()).isEqualTo("{\"q\": 1}");
        assertThat(v3.get("response_preview").asText()).isEqualTo("{\"a\": 2}");
        assertThat(v3.get("state").asText()).isEqualTo("ERROR");

        JsonNode found = api.get("/api/2.0/mlflow/traces?experiment_ids=" + exp + "&filter="
                + java.net.URLEncoder.encode("trace.name = 'predict' AND trace.status = 'ERROR'",
                        StandardCharsets.UTF_8) + "&max_results=10").json();
        assertThat(found.get("traces")).extracting(t -> t.get("request_id").asText()).containsExactly(id);
        RestClient.Reply badStatus = api.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + "/api/2.0/mlflow/traces/" + id)).header("Content-Type", "application/json").method("PATCH",
                HttpRequest.BodyPublishers.ofString("{\"timestamp_ms\": 1700000000300, \"status\": \"DONE\"}"))
                .build());
        assertThat(badStatus.status()).isEqualTo(400);
        assertThat(api.get("/api/2.0/mlflow/traces").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.get("/api/2.0/mlflow/traces/tr-00000000000000000000000000000000/info").status())
                .isEqualTo(404);
    }

    /** Span attribute searches agree with how ingest stores span content, whatever the value holds. */
    @Test
    void searchBySpanAttributesAndText_overIngestedSpans() throws Exception {
        String exp = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"span-attrs\"}").json()
                .get("experiment_id").asText();
        byte[] traceId = id(16);
        String tricky = "<a href='x'>\"quoted\" \\path 100% & more=\u00e9\n";
        assertThat(post(export(span(traceId, id(8), null, "agent", 1000, 2000, Status.StatusCode.STATUS_CODE_OK,
                attr("mlflow.spanType", "\"AGENT\""), attr("raw", tricky),
                attr("encoded", JSON.writeValueAsString(tricky)),
                KeyValue.newBuilder().setKey("retries").setValue(AnyValue.newBuilder().setIntValue(3)).build(),
                attr("mlflow.spanInputs", "{\"question\": \"weather in Lyon?\"}"))),
                "application/x-protobuf", null, exp).statusCode()).isEqualTo(200);
        String mlflowId = "tr-" + HexFormat.of().formatHex(traceId);
        java.util.function.Function<String, List<String>> search = filter -> {
            try {
                JsonNode body = api.post(V3 + "/search", JSON.writeValueAsString(Map.of("locations", List.of(Map.of(
                        "type", "MLFLOW_EXPERIMENT", "mlflow_experiment", Map.of("experiment_id", exp))),
                        "filter", filter))).json();
                List<String> ids = new java.util.ArrayList<>();
                body.path("traces").forEach(t -> ids.add(t.get("trace_id").asText()));
                return ids;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String quoted = tricky.replace("'", "\\'");
        assertThat(search.apply("span.attributes.mlflow.spanType = 'AGENT'")).containsExactly(mlflowId);
        assertThat(search.apply("span.attributes.raw = '" + quoted + "'")).containsExactly(mlflowId);
        assertThat(search.apply("span.attributes.encoded = '" + quoted + "'")).containsExactly(mlflowId);
        assertThat(search.apply("span.attributes.retries = '3'")).containsExactly(mlflowId);
        assertThat(search.apply("span.attributes.retries = '4'")).isEmpty();
        assertThat(search.apply("trace.text ILIKE '%LYON?%'")).containsExactly(mlflowId);
        RestClient.Reply bad = api.post(V3 + "/search", JSON.writeValueAsString(Map.of("locations", List.of(Map.of(
                "type", "MLFLOW_EXPERIMENT", "mlflow_experiment", Map.of("experiment_id", exp))),
                "filter", "trace.text = 'Lyon'")));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(out)) {
            d.write(data);
        }
        return out.toByteArray();
    }
}
