package dev.osprey.server;

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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a small agent trace over OTLP (protobuf) as an instrumented app would: a root CHAIN span with MLflow's inputs
 * and outputs attributes, a RETRIEVER span returning one document and a TOOL span.
 */
final class AgentTraces {
    private AgentTraces() {}

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static byte[] id(int bytes) {
        byte[] id = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(id);
        return id;
    }

    private static Span span(byte[] traceId, byte[] spanId, byte[] parent, String name, String type, long startMs,
            String inputs, String outputs) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(spanId)).setName(name).setStartTimeUnixNano(startMs * 1_000_000)
                .setEndTimeUnixNano((startMs + 40) * 1_000_000)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .addAttributes(attribute("mlflow.spanType", "\"" + type + "\""))
                .addAttributes(attribute("mlflow.spanInputs", inputs))
                .addAttributes(attribute("mlflow.spanOutputs", outputs));
        if (parent != null) {
            b.setParentSpanId(ByteString.copyFrom(parent));
        }
        return b.build();
    }

    /** Sends the trace and returns its MLflow id. Inputs and outputs are JSON text. */
    static String send(String baseUrl, String experimentId, String question, String answer, String document)
            throws Exception {
        byte[] traceId = id(16);
        byte[] root = id(8);
        long start = System.currentTimeMillis();
        List<Span> spans = List.of(
                span(traceId, root, null, "agent", "CHAIN", start, "{\"question\": \"" + question + "\"}",
                        "\"" + answer + "\""),
                span(traceId, id(8), root, "search_docs", "RETRIEVER", start + 1, "{\"query\": \"q\"}",
                        "[{\"page_content\": \"" + document + "\", \"metadata\": {}}]"),
                span(traceId, id(8), root, "calculator", "TOOL", start + 2, "{\"x\": 1}", "2"));
        byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))).build().toByteArray();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl
                + "/v1/traces")).header("Content-Type", "application/x-protobuf")
                .header("x-mlflow-experiment-id", experimentId).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("OTLP export failed: " + r.statusCode() + " " + r.body());
        }
        return "tr-" + HexFormat.of().formatHex(traceId);
    }

    /**
     * One turn of a session logged as MLflow's SDK logs a trace without spans (StartTraceV3, the turn in the
     * previews); {@code session} may be null for a trace of no session.
     */
    static String sessionTurn(RestClient api, String experimentId, String session, String question, String answer) {
        String id = "tr-" + java.util.UUID.randomUUID().toString().replace("-", "");
        com.fasterxml.jackson.databind.node.ObjectNode info = dev.osprey.protocol.Json.object().put("trace_id", id);
        info.putObject("trace_location").put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                .put("experiment_id", experimentId);
        info.put("request_time", java.time.Instant.now().toString()).put("execution_duration", "0.010s")
                .put("state", "OK").put("request_preview", question).put("response_preview", answer);
        if (session != null) {
            info.putObject("trace_metadata").put("mlflow.trace.session", session);
        }
        JudgeGateway.ok(api.post("/api/3.0/mlflow/traces", dev.osprey.protocol.Json.object("trace",
                dev.osprey.protocol.Json.object("trace_info", info)).toString()));
        return id;
    }
}
