package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.SpanRecord;
import dev.osprey.protocol.Json;
import dev.osprey.server.traces.translate.AttributeValues;
import dev.osprey.server.traces.translate.SpanForm;
import dev.osprey.server.traces.translate.SpanTranslation;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * OTel spans to stored spans (spec/tracing.md §3.1, §4.3): the MLflow trace id {@code tr-<hex>} and the
 * {@code mlflow.traceRequestId} attribute every span must carry, span type, status, token usage and cost from the
 * MLflow attributes translation filled in, and the trace-level fields a root span gives.
 */
final class SpanConverter {
    static final int PREVIEW_LIMIT = 1000;
    private static final String TRACE_REQUEST_ID = "mlflow.traceRequestId";
    private static final String COST = "mlflow.llm.cost";
    private static final String TRACE_TAG = "mlflow.traceTag.";

    private SpanConverter() {}

    static String traceId(Span span) {
        return "tr-" + HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    static void requireIds(Span span) {
        if (span.getTraceId().size() != 16 || span.getSpanId().size() != 8) {
            throw new OtlpRequests.Rejected(422, "Cannot convert OpenTelemetry span to MLflow span: trace ids are 16 "
                    + "bytes and span ids 8 bytes.");
        }
    }

    /**
     * A span as stored: translated into MLflow's attributes and in {@link SpanForm} (values decoded). Adds the trace
     * id attribute MLflow's Python span decoder requires and the cost the span's model and usage come to.
     */
    static SpanRecord convert(Span span, Map<String, JsonNode> attributes, ModelPrices prices) {
        requireIds(span);
        String traceId = traceId(span);
        Optional<SpanRecord.TokenUsage> tokens = tokens(attributes);
        Optional<SpanRecord.Cost> reported = reportedCost(attributes);
        Optional<SpanRecord.Cost> cost = reported.or(() -> tokens.flatMap(t -> text(attributes, SpanTranslation.MODEL)
                .flatMap(m -> prices.cost(m, t.input(), t.output()))
                .map(c -> new SpanRecord.Cost(c.input(), c.output(), c.total()))));
        Span.Builder builder = span.toBuilder();
        if (!attributes.containsKey(TRACE_REQUEST_ID)) {
            builder.addAttributes(KeyValue.newBuilder().setKey(TRACE_REQUEST_ID)
                    .setValue(AnyValue.newBuilder().setStringValue(traceId)));
        }
        if (reported.isEmpty() && cost.isPresent()) {
            SpanRecord.Cost c = cost.get();
            builder.addAttributes(KeyValue.newBuilder().setKey(COST).setValue(SpanForm.anyValue(Json.object()
                    .put("input_cost", c.input()).put("output_cost", c.output()).put("total_cost", c.total()))));
        }
        String content = SpanJson.write(builder.build());
        Optional<String> parent = span.getParentSpanId().isEmpty() ? Optional.empty()
                : Optional.of(HexFormat.of().formatHex(span.getParentSpanId().toByteArray()));
        long end = span.getEndTimeUnixNano();
        return new SpanRecord(traceId, HexFormat.of().formatHex(span.getSpanId().toByteArray()), parent,
                span.getName(), text(attributes, SpanTranslation.SPAN_TYPE), status(span.getStatus()),
                span.getStartTimeUnixNano(), end == 0 ? OptionalLong.empty() : OptionalLong.of(end), tokens, cost,
                content);
    }

    private static String status(Status status) {
        return switch (status.getCode()) {
            case STATUS_CODE_OK -> "OK";
            case STATUS_CODE_ERROR -> "ERROR";
            default -> "UNSET";
        };
    }

    /** A decoded attribute as text: strings as they are, numbers and booleans printed. */
    private static Optional<String> text(Map<String, JsonNode> attributes, String key) {
        JsonNode v = attributes.get(key);
        return v == null || v.isContainerNode() || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    private static Optional<SpanRecord.TokenUsage> tokens(Map<String, JsonNode> attributes) {
        JsonNode u = attributes.get(SpanTranslation.TOKEN_USAGE);
        if (u == null || !u.isObject()) {
            return Optional.empty();
        }
        long in = u.path("input_tokens").asLong(0);
        long out = u.path("output_tokens").asLong(0);
        return Optional.of(new SpanRecord.TokenUsage(in, out, u.path("total_tokens").asLong(in + out)));
    }

    /** A cost the client computed ({@code mlflow.llm.cost}); it wins over the price table. */
    private static Optional<SpanRecord.Cost> reportedCost(Map<String, JsonNode> attributes) {
        JsonNode c = attributes.get(COST);
        if (c == null || !c.isObject()) {
            return Optional.empty();
        }
        double in = c.path("input_cost").asDouble(0);
        double out = c.path("output_cost").asDouble(0);
        return Optional.of(new SpanRecord.Cost(in, out, c.path("total_cost").asDouble(in + out)));
    }

    /**
     * Trace fields from the root span (translated, before {@link SpanForm}): previews, session and user, tags
     * carried as {@code mlflow.traceTag.*}.
     */
    static TraceRules.Root rootInfo(Span root) {
        Map<String, JsonNode> attributes = AttributeValues.decode(root.getAttributesList());
        Map<String, String> metadata = new LinkedHashMap<>();
        text(attributes, "session.id").or(() -> text(attributes, "gen_ai.conversation.id"))
                .ifPresent(s -> metadata.put("mlflow.trace.session", s));
        text(attributes, "user.id").ifPresent(u -> metadata.put("mlflow.trace.user", u));
        Map<String, String> tags = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : attributes.entrySet()) {
            if (e.getKey().startsWith(TRACE_TAG)) {
                JsonNode v = e.getValue();
                tags.put(e.getKey().substring(TRACE_TAG.length()), v.isTextual() ? v.textValue()
                        : Json.writeString(v));
            }
        }
        return new TraceRules.Root(preview(root, SpanTranslation.INPUTS), preview(root, SpanTranslation.OUTPUTS),
                metadata, tags);
    }

    /**
     * The root's inputs or outputs as JSON text, truncated as MLflow truncates previews: a string attribute as it
     * came (MLflow's SDKs send JSON text), a structured one (MLflow's Python client sends dicts) printed.
     */
    private static Optional<String> preview(Span root, String key) {
        for (KeyValue kv : root.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                String s = v.getValueCase() == AnyValue.ValueCase.STRING_VALUE ? v.getStringValue()
                        : AttributeValues.encode(AttributeValues.decode(java.util.List.of(kv)).get(key));
                return Optional.of(s.length() > PREVIEW_LIMIT ? s.substring(0, PREVIEW_LIMIT) : s);
            }
        }
        return Optional.empty();
    }
}
