package dev.osprey.server.traces;

import com.google.protobuf.ByteString;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.usage.GatewayCall;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A trace per gateway call, in the experiment of an endpoint with usage tracking: one span with the request, the
 * answer, tokens and cost, and the trace metadata MLflow's gateway sets ({@code mlflow.gateway.*}). Built as an OTel
 * span so it is stored exactly as ingested spans are.
 */
public final class GatewayTraces implements Consumer<GatewayCall> {
    private final TraceIngest ingest;

    public GatewayTraces(TraceIngest ingest) {
        this.ingest = ingest;
    }

    private static KeyValue attribute(String key, String jsonEncodedValue) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(jsonEncodedValue))
                .build();
    }

    private static String quoted(String text) {
        return Json.writeString(Json.MAPPER.getNodeFactory().textNode(text));
    }

    @Override
    public void accept(GatewayCall call) {
        if (!call.endpoint().usageTracking() || call.endpoint().experimentId().isEmpty()) {
            return;
        }
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        ThreadLocalRandom.current().nextBytes(traceId);
        ThreadLocalRandom.current().nextBytes(spanId);
        long startNs = call.startedAtMs() * 1_000_000L;
        String spanType = call.operation() == Operation.EMBEDDINGS ? "EMBEDDING" : "CHAT_MODEL";
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(spanId))
                .setName(call.endpoint().name())
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(startNs)
                .setEndTimeUnixNano(startNs + Math.max(1, call.latencyMs()) * 1_000_000L)
                .addAttributes(attribute("mlflow.spanType", quoted(spanType)))
                .addAttributes(attribute("mlflow.spanInputs", Json.writeString(call.request())))
                .addAttributes(attribute("gen_ai.system", quoted(call.provider())))
                .addAttributes(attribute("user.id", quoted(call.user())));
        call.response().ifPresent(r -> span.addAttributes(attribute("mlflow.spanOutputs", Json.writeString(r))));
        if (!call.model().isEmpty()) {
            span.addAttributes(attribute("mlflow.llm.model", quoted(call.model())));
        }
        if (call.usage().total() > 0) {
            span.addAttributes(attribute("mlflow.chat.tokenUsage", Json.writeString(Json.object()
                    .put("input_tokens", call.usage().inputTokens())
                    .put("output_tokens", call.usage().outputTokens())
                    .put("total_tokens", call.usage().total()))));
        }
        span.setStatus(call.status() < 400 ? Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK).build()
                : Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                        .setMessage(call.error().orElse("HTTP " + call.status())).build());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("mlflow.gateway.endpointId", call.endpoint().endpointId());
        metadata.put("mlflow.gateway.requestType", call.operation() == Operation.EMBEDDINGS ? "embeddings"
                : call.operation() == Operation.COMPLETIONS ? "completions" : "chat");
        metadata.put("mlflow.gateway.caller", call.user());
        metadata.put("mlflow.gateway.provider", call.provider());
        metadata.put("mlflow.gateway.status", String.valueOf(call.status()));
        ingest.ingestOwn(call.endpoint().experimentId().get(), span.build(), metadata);
    }
}
