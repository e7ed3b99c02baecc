package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.osprey.core.SpanRecord;
import dev.osprey.protocol.Json;
import dev.osprey.store.TraceStore.RootSpanInfo;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * OTel spans to stored spans (spec/tracing.md §3.1, §4.3): the MLflow trace id {@code tr-<hex>} and the
 * {@code mlflow.traceRequestId} attribute every span must carry, span type, status, token usage from MLflow's or the
 * GenAI conventions' attributes, and the trace-level fields a root span gives.
 */
final class SpanConverter {
    static final int PREVIEW_LIMIT = 1000;
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

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

    /** A span already translated into MLflow's attributes, as stored. */
    static SpanRecord convert(Span span, ModelPrices prices) {
        requireIds(span);
        String traceId = traceId(span);
        Map<String, AnyValue> attributes = attributes(span);
        Optional<SpanRecord.TokenUsage> tokens = tokens(attributes);
        Optional<SpanRecord.Cost> reported = reportedCost(attributes);
        Optional<SpanRecord.Cost> cost = reported.or(() -> tokens.flatMap(t -> model(attributes)
                .flatMap(m -> prices.cost(m, t.input(), t.output()))
                .map(c -> new SpanRecord.Cost(c.input(), c.output(), c.total()))));
        Span.Builder builder = span.toBuilder();
        if (!attributes.containsKey("mlflow.traceRequestId")) {
            // MLflow SDKs store attribute values JSON-encoded; the Python span decoder requires this one.
            builder.addAttributes(KeyValue.newBuilder().setKey("mlflow.traceRequestId")
                    .setValue(AnyValue.newBuilder().setStringValue("\"" + traceId + "\"")));
        }
        if (reported.isEmpty() && cost.isPresent()) {
            SpanRecord.Cost c = cost.get();
            builder.addAttributes(KeyValue.newBuilder().setKey("mlflow.llm.cost").setValue(AnyValue.newBuilder()
                    .setStringValue("{\"input_cost\": " + c.input() + ", \"output_cost\": " + c.output()
                            + ", \"total_cost\": " + c.total() + "}")));
        }
        Span stored = builder.build();
        String content;
        try {
            JsonNode tree = Json.read(PRINTER.print(stored));
            int64AsNumbers(tree);
            content = Json.writeString(tree);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpRequests.Rejected(422, "Cannot convert OpenTelemetry span to MLflow span");
        } catch (IOException e) {
            throw new IllegalStateException("protobuf JSON that Jackson cannot read", e);
        }
        Optional<String> parent = span.getParentSpanId().isEmpty() ? Optional.empty()
                : Optional.of(HexFormat.of().formatHex(span.getParentSpanId().toByteArray()));
        long end = span.getEndTimeUnixNano();
        return new SpanRecord(traceId, HexFormat.of().formatHex(span.getSpanId().toByteArray()), parent,
                span.getName(), spanType(attributes), status(span.getStatus()), span.getStartTimeUnixNano(),
                end == 0 ? OptionalLong.empty() : OptionalLong.of(end), tokens, cost, content);
    }

    /** 64-bit fields protobuf's JSON prints as strings; MLflow's JSON carries them as numbers (spec/README.md). */
    private static final java.util.Set<String> INT64_FIELDS = java.util.Set.of("start_time_unix_nano",
            "end_time_unix_nano", "time_unix_nano", "int_value");

    private static void int64AsNumbers(JsonNode node) {
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
            for (String field : INT64_FIELDS) {
                JsonNode v = object.get(field);
                if (v != null && v.isTextual()) {
                    try {
                        object.put(field, new java.math.BigInteger(v.textValue()));
                    } catch (NumberFormatException ignored) {
                        // leave anything that is not an integer as it is
                    }
                }
            }
            object.elements().forEachRemaining(SpanConverter::int64AsNumbers);
        } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
            array.elements().forEachRemaining(SpanConverter::int64AsNumbers);
        }
    }

    static Map<String, AnyValue> attributes(Span span) {
        Map<String, AnyValue> out = new LinkedHashMap<>();
        for (KeyValue kv : span.getAttributesList()) {
            out.put(kv.getKey(), kv.getValue());
        }
        return out;
    }

    private static String status(Status status) {
        return switch (status.getCode()) {
            case STATUS_CODE_OK -> "OK";
            case STATUS_CODE_ERROR -> "ERROR";
            default -> "UNSET";
        };
    }

    /** A string attribute, JSON-decoded when MLflow's SDKs encoded it (e.g. {@code "\"LLM\""}). */
    static Optional<String> text(Map<String, AnyValue> attributes, String key) {
        AnyValue v = attributes.get(key);
        if (v == null) {
            return Optional.empty();
        }
        return switch (v.getValueCase()) {
            case STRING_VALUE -> {
                String s = v.getStringValue();
                if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                    try {
                        yield Optional.of(Json.read(s).asText());
                    } catch (IOException e) {
                        yield Optional.of(s);
                    }
                }
                yield Optional.of(s);
            }
            case INT_VALUE -> Optional.of(Long.toString(v.getIntValue()));
            case DOUBLE_VALUE -> Optional.of(Double.toString(v.getDoubleValue()));
            case BOOL_VALUE -> Optional.of(Boolean.toString(v.getBoolValue()));
            default -> Optional.empty();
        };
    }

    private static Optional<String> spanType(Map<String, AnyValue> attributes) {
        return text(attributes, "mlflow.spanType");
    }

    private static Optional<SpanRecord.TokenUsage> tokens(Map<String, AnyValue> attributes) {
        return text(attributes, "mlflow.chat.tokenUsage").flatMap(usage -> {
            try {
                JsonNode u = Json.read(usage);
                long in = u.path("input_tokens").asLong(0);
                long out = u.path("output_tokens").asLong(0);
                return Optional.of(new SpanRecord.TokenUsage(in, out, u.path("total_tokens").asLong(in + out)));
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /** The model a span called (translation fills it from the instrumentation's own attributes). */
    private static Optional<String> model(Map<String, AnyValue> attributes) {
        return text(attributes, "mlflow.llm.model");
    }

    /** A cost the client computed ({@code mlflow.llm.cost}); it wins over the price table. */
    private static Optional<SpanRecord.Cost> reportedCost(Map<String, AnyValue> attributes) {
        return text(attributes, "mlflow.llm.cost").flatMap(json -> {
            try {
                JsonNode c = Json.read(json);
                double in = c.path("input_cost").asDouble(0);
                double out = c.path("output_cost").asDouble(0);
                return Optional.of(new SpanRecord.Cost(in, out, c.path("total_cost").asDouble(in + out)));
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }


    /** Trace fields from the root span: previews, session and user, tags carried as mlflow.traceTag.*. */
    static RootSpanInfo rootInfo(Span root) {
        Map<String, AnyValue> attributes = attributes(root);
        Map<String, String> metadata = new LinkedHashMap<>();
        text(attributes, "session.id").or(() -> text(attributes, "gen_ai.conversation.id"))
                .ifPresent(s -> metadata.put("mlflow.trace.session", s));
        text(attributes, "user.id").ifPresent(u -> metadata.put("mlflow.trace.user", u));
        Map<String, String> tags = new LinkedHashMap<>();
        for (String key : attributes.keySet()) {
            if (key.startsWith("mlflow.traceTag.")) {
                text(attributes, key).ifPresent(v -> tags.put(key.substring("mlflow.traceTag.".length()), v));
            }
        }
        return new RootSpanInfo(preview(attributes, "mlflow.spanInputs"), preview(attributes, "mlflow.spanOutputs"),
                metadata, tags);
    }

    /** The raw (JSON) attribute text, truncated as MLflow truncates previews. */
    private static Optional<String> preview(Map<String, AnyValue> attributes, String key) {
        AnyValue v = attributes.get(key);
        if (v == null || v.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
            return Optional.empty();
        }
        String s = v.getStringValue();
        return Optional.of(s.length() > PREVIEW_LIMIT ? s.substring(0, PREVIEW_LIMIT) : s);
    }
}
