package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The one form spans are stored in and served as, whatever path they came by: the OTel span with every attribute
 * value decoded to its native type, as MLflow's server answers GetTrace ({@code span.to_otel_proto()} over decoded
 * attributes). MLflow's Python client JSON-encodes each value again when it reads a span, so a value served still
 * encoded ({@code "\"LLM\""}) would reach its users doubly encoded: a span type of {@code "LLM"} with the quotes,
 * inputs as a string instead of a dict. Plain strings stay strings, JSON text of an object, array or string becomes
 * that value (MLflow's ingest does the same).
 */
public final class SpanForm {
    /** Marks span JSON stored before this form: the trace id attribute this server used to add JSON-encoded. */
    private static final String ENCODED_TRACE_ID = "{\"key\":\"mlflow.traceRequestId\",\"value\":{\"string_value\":"
            + "\"\\\"tr-";

    private SpanForm() {}

    /** The span with its and its events' attribute values decoded. */
    public static Span normalize(Span span) {
        return normalize(span, AttributeValues.decode(span.getAttributesList()));
    }

    /** {@link #normalize(Span)} of a span whose attributes are already decoded (in its order). */
    public static Span normalize(Span span, Map<String, JsonNode> decoded) {
        Span.Builder builder = span.toBuilder().clearAttributes();
        decoded.forEach((key, value) -> builder.addAttributes(KeyValue.newBuilder().setKey(key).setValue(
                anyValue(value))));
        for (int i = 0; i < span.getEventsCount(); i++) {
            Span.Event event = span.getEvents(i);
            builder.setEvents(i, event.toBuilder().clearAttributes().addAllAttributes(normalize(
                    event.getAttributesList())));
        }
        return builder.build();
    }

    private static List<KeyValue> normalize(List<KeyValue> attributes) {
        return AttributeValues.decode(attributes).entrySet().stream()
                .map(e -> KeyValue.newBuilder().setKey(e.getKey()).setValue(anyValue(e.getValue())).build()).toList();
    }

    /** A decoded value as the OTel AnyValue it is served as; JSON null is the empty value. */
    public static AnyValue anyValue(JsonNode value) {
        AnyValue.Builder v = AnyValue.newBuilder();
        if (value.isTextual()) {
            v.setStringValue(value.textValue());
        } else if (value.isBoolean()) {
            v.setBoolValue(value.booleanValue());
        } else if (value.isIntegralNumber() && value.canConvertToLong()) {
            v.setIntValue(value.longValue());
        } else if (value.isNumber()) {
            v.setDoubleValue(value.doubleValue());
        } else if (value.isArray()) {
            ArrayValue.Builder array = ArrayValue.newBuilder();
            value.forEach(item -> array.addValues(anyValue(item)));
            v.setArrayValue(array);
        } else if (value.isObject()) {
            KeyValueList.Builder list = KeyValueList.newBuilder();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                list.addValues(KeyValue.newBuilder().setKey(e.getKey()).setValue(anyValue(e.getValue())));
            }
            v.setKvlistValue(list);
        } else if (value.isBinary()) {
            try {
                v.setBytesValue(com.google.protobuf.ByteString.copyFrom(value.binaryValue()));
            } catch (IOException e) {
                throw new IllegalStateException("binary node without bytes", e);
            }
        }
        return v.build();
    }

    /** Whether the span JSON was stored by a version before this form (and before spans were translated). */
    public static boolean isEarlierForm(String content) {
        return content.contains(ENCODED_TRACE_ID);
    }

    /**
     * Stored span JSON in this form. Spans stored by an earlier version kept the JSON-encoded strings they arrived
     * with; those are decoded here when read, everything else is returned as it is (no parse).
     */
    public static String current(String content) {
        if (!content.contains(ENCODED_TRACE_ID)) {
            return content;
        }
        try {
            JsonNode span = Json.read(content);
            decodeAttributes(span.get("attributes"));
            for (JsonNode event : span.path("events")) {
                decodeAttributes(event.get("attributes"));
            }
            return Json.writeString(span);
        } catch (IOException e) {
            return content;
        }
    }

    private static void decodeAttributes(JsonNode attributes) {
        if (!(attributes instanceof ArrayNode items)) {
            return;
        }
        for (JsonNode item : items) {
            JsonNode value = item.get("value");
            if (item instanceof ObjectNode kv && value != null && value.get("string_value") != null) {
                kv.set("value", protoJson(AttributeValues.decodeText(value.get("string_value").asText())));
            }
        }
    }

    /**
     * The decoded value of a span attribute in stored (or served) span JSON, whichever form it was stored in;
     * missing when the span has no such attribute.
     */
    public static JsonNode attribute(JsonNode span, String key) {
        for (JsonNode item : span.path("attributes")) {
            if (key.equals(item.path("key").asText())) {
                return value(item.path("value"));
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** The decoded value of one attribute's AnyValue in span JSON ({@code {"string_value": ...}} and the rest). */
    public static JsonNode value(JsonNode anyValue) {
        var nodes = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        if (anyValue.has("string_value")) {
            return AttributeValues.decodeText(anyValue.get("string_value").asText());
        }
        if (anyValue.has("array_value")) {
            ArrayNode out = nodes.arrayNode();
            anyValue.get("array_value").path("values").forEach(v -> out.add(value(v)));
            return out;
        }
        if (anyValue.has("kvlist_value")) {
            ObjectNode out = nodes.objectNode();
            anyValue.get("kvlist_value").path("values").forEach(kv -> out.set(kv.path("key").asText(),
                    value(kv.path("value"))));
            return out;
        }
        for (String field : new String[] {"int_value", "double_value", "bool_value"}) {
            JsonNode v = anyValue.get(field);
            if (v != null) {
                return field.equals("int_value") && v.isTextual() ? nodes.numberNode(Long.parseLong(v.asText())) : v;
            }
        }
        return nodes.nullNode();
    }

    /** A decoded value in the protobuf JSON of AnyValue, 64-bit integers as numbers (spec/README.md). */
    private static JsonNode protoJson(JsonNode value) {
        ObjectNode out = Json.object();
        if (value.isTextual()) {
            out.put("string_value", value.textValue());
        } else if (value.isArray()) {
            ArrayNode values = out.putObject("array_value").putArray("values");
            value.forEach(item -> values.add(protoJson(item)));
        } else if (value.isObject()) {
            ArrayNode values = out.putObject("kvlist_value").putArray("values");
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                values.addObject().put("key", e.getKey()).set("value", protoJson(e.getValue()));
            }
        } else if (value.isBoolean()) {
            out.put("bool_value", value.booleanValue());
        } else if (value.isIntegralNumber()) {
            out.set("int_value", value);
        } else if (value.isNumber()) {
            out.set("double_value", value);
        }
        return out;
    }
}
