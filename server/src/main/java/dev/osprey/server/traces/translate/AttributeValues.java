package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Span attribute values as the translators see them, and back. MLflow's SDKs JSON-encode every value
 * ({@code "\"LLM\""}); other OpenTelemetry SDKs send native values and plain strings. Decoding follows MLflow's
 * ingest: a string that is JSON text of an object, array or string is read as that value, any other string stays
 * text (so {@code "26"} stays the text "26"), native values become their JSON counterparts.
 */
public final class AttributeValues {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AttributeValues() {}

    /** The span's (or an event's) attributes by key, decoded, in the order they came. */
    public static Map<String, JsonNode> decode(List<KeyValue> attributes) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (KeyValue kv : attributes) {
            out.put(kv.getKey(), decode(kv.getValue()));
        }
        return out;
    }

    static JsonNode decode(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> decodeText(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> NODES.numberNode(value.getDoubleValue());
            case BYTES_VALUE -> NODES.binaryNode(value.getBytesValue().toByteArray());
            case ARRAY_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getArrayValue().getValuesList().forEach(v -> array.add(decode(v)));
                yield array;
            }
            case KVLIST_VALUE -> {
                ObjectNode object = NODES.objectNode();
                value.getKvlistValue().getValuesList().forEach(kv -> object.set(kv.getKey(), decode(kv.getValue())));
                yield object;
            }
            default -> NODES.nullNode();
        };
    }

    static JsonNode decodeText(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty() || "{[\"".indexOf(trimmed.charAt(0)) < 0) {
            return NODES.textNode(text);
        }
        try {
            JsonNode parsed = Json.read(trimmed);
            return parsed.isContainerNode() || parsed.isTextual() ? parsed : NODES.textNode(text);
        } catch (IOException e) {
            return NODES.textNode(text);
        }
    }

    /** The value in MLflow's attribute encoding: its JSON text. */
    public static String encode(JsonNode value) {
        return Json.writeString(value);
    }

    /**
     * Whether a value counts as present: MLflow skips empty strings, objects and lists, zero, false and null when it
     * looks for a family's inputs, outputs, model or provider.
     */
    static boolean present(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isTextual()) {
            return !value.textValue().isEmpty();
        }
        if (value.isContainerNode()) {
            return !value.isEmpty();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        return !value.isNumber() || value.doubleValue() != 0;
    }

    static Optional<JsonNode> presentValue(Map<String, JsonNode> attributes, String key) {
        return Optional.ofNullable(attributes.get(key)).filter(AttributeValues::present);
    }

    /** A token count: a JSON integer or text holding one. */
    static Optional<Long> count(JsonNode value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isIntegralNumber()) {
            return Optional.of(value.longValue());
        }
        if (value.isTextual()) {
            try {
                return Optional.of(Long.parseLong(value.textValue().strip()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    static Optional<String> text(JsonNode value) {
        return value != null && value.isTextual() ? Optional.of(value.textValue()) : Optional.empty();
    }
}
