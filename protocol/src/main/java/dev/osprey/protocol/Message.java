package dev.osprey.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.IntFunction;

/**
 * A request message read the way MLflow's protobuf parsers read it: fields by proto name or lowerCamelCase JSON
 * name, int64 as numbers or decimal strings, doubles as numbers or "NaN"/"Infinity", enums by name or number. The
 * same accessors serve JSON bodies and query strings (GET), so handlers never care where a field came from. Type
 * errors become {@code INVALID_PARAMETER_VALUE} naming the field by its JSON path.
 */
public final class Message {
    private final ObjectNode json;
    private final Map<String, List<String>> query;
    private final String path;

    private Message(ObjectNode json, Map<String, List<String>> query, String path) {
        this.json = json;
        this.query = query;
        this.path = path;
    }

    public static Message ofJson(ObjectNode json) {
        return new Message(json, Map.of(), "");
    }

    public static Message ofQuery(Map<String, List<String>> query) {
        return new Message(null, query, "");
    }

    public static Message empty() {
        return new Message(Json.object(), Map.of(), "");
    }

    private String fieldPath(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** lowerCamelCase of each proto field name asked for; a handful of names, asked for on every request. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> CAMEL =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static String camel(String snake) {
        return CAMEL.computeIfAbsent(snake, Message::toCamel);
    }

    private static String toCamel(String snake) {
        StringBuilder out = new StringBuilder(snake.length());
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private JsonNode node(String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            node = json.get(camel(field));
        }
        return node == null || node.isNull() ? null : node;
    }

    private List<String> queryValues(String field) {
        List<String> values = query.get(field);
        if (values == null) {
            values = query.get(camel(field));
        }
        return values == null ? List.of() : values;
    }

    private OspreyException invalid(String field, Object value, String expected) {
        return OspreyException.invalid("Invalid value " + value + " for parameter '" + fieldPath(field)
                + "' supplied: expected " + expected + ".");
    }

    /** The "missing required parameter" error for a field of this message, named by its JSON path. */
    public OspreyException missingField(String field) {
        return missing(fieldPath(field));
    }

    public static OspreyException missing(String fieldPath) {
        return OspreyException.invalid("Missing value for required parameter '" + fieldPath
                + "'. See the API docs for more information about request parameters.");
    }

    public Optional<String> string(String field) {
        if (json == null) {
            List<String> values = queryValues(field);
            return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
        JsonNode node = node(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw invalid(field, node, "a string");
        }
        return Optional.of(node.textValue());
    }

    /** A required string: absent or empty is MLflow's "Missing value for required parameter" error. */
    public String requiredString(String field) {
        return string(field).filter(s -> !s.isEmpty()).orElseThrow(() -> missing(fieldPath(field)));
    }

    public OptionalLong int64(String field) {
        Optional<Object> raw = scalar(field);
        if (raw.isEmpty()) {
            return OptionalLong.empty();
        }
        Object value = raw.get();
        try {
            if (value instanceof JsonNode node) {
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return OptionalLong.of(node.longValue());
                }
                if (node.isNumber()) {
                    BigDecimal decimal = node.decimalValue();
                    return OptionalLong.of(decimal.toBigIntegerExact().longValueExact());
                }
                if (node.isTextual()) {
                    return OptionalLong.of(new BigInteger(node.textValue().trim()).longValueExact());
                }
                throw invalid(field, node, "an integer");
            }
            return OptionalLong.of(new BigInteger(((String) value).trim()).longValueExact());
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(field, quoted(value), "an integer");
        }
    }

    public OptionalInt int32(String field) {
        OptionalLong value = int64(field);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        long v = value.getAsLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw invalid(field, v, "a 32-bit integer");
        }
        return OptionalInt.of((int) v);
    }

    public OptionalDouble doubleValue(String field) {
        Optional<Object> raw = scalar(field);
        if (raw.isEmpty()) {
            return OptionalDouble.empty();
        }
        Object value = raw.get();
        String text;
        if (value instanceof JsonNode node) {
            if (node.isNumber()) {
                return OptionalDouble.of(node.doubleValue());
            }
            if (!node.isTextual()) {
                throw invalid(field, node, "a number");
            }
            text = node.textValue();
        } else {
            text = (String) value;
        }
        return OptionalDouble.of(parseDouble(text).orElseThrow(() -> invalid(field, quoted(text), "a number")));
    }

    private static Optional<Double> parseDouble(String text) {
        String t = text.trim();
        switch (t) {
            case "NaN", "nan" -> {
                return Optional.of(Double.NaN);
            }
            case "Infinity", "inf", "+Infinity" -> {
                return Optional.of(Double.POSITIVE_INFINITY);
            }
            case "-Infinity", "-inf" -> {
                return Optional.of(Double.NEGATIVE_INFINITY);
            }
            default -> {
                // Double.parseDouble also takes hex floats and a trailing 'd'; the wire format does not.
                if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                    return Optional.empty();
                }
                return Optional.of(Double.parseDouble(t));
            }
        }
    }

    public Optional<Boolean> bool(String field) {
        Optional<Object> raw = scalar(field);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Object value = raw.get();
        if (value instanceof JsonNode node && node.isBoolean()) {
            return Optional.of(node.booleanValue());
        }
        String text = value instanceof JsonNode node && node.isTextual() ? node.textValue()
                : value instanceof String s ? s : null;
        if (text != null) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> {
                    return Optional.of(true);
                }
                case "false" -> {
                    return Optional.of(false);
                }
                default -> { }
            }
        }
        throw invalid(field, quoted(value), "true or false");
    }

    /** An enum by name or by proto number. */
    public <E extends Enum<E>> Optional<E> enumValue(String field, Class<E> type, IntFunction<Optional<E>> byNumber) {
        Optional<Object> raw = scalar(field);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Object value = raw.get();
        String text = value instanceof JsonNode node ? (node.isTextual() ? node.textValue() : node.toString())
                : (String) value;
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(text)) {
                return Optional.of(constant);
            }
        }
        try {
            Optional<E> numbered = byNumber.apply(Integer.parseInt(text.trim()));
            if (numbered.isPresent()) {
                return numbered;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error naming the allowed values
        }
        throw invalid(field, quoted(text), "one of " + List.of(type.getEnumConstants()));
    }

    /**
     * A list of ids as text, whether the client sent them as strings or as numbers ({@code "experiment_ids": [1]}
     * is how some clients write int64 ids); a lone value or a query parameter as {@link #strings}.
     */
    public List<String> ids(String field) {
        JsonNode node = json == null ? null : node(field);
        if (node == null || !node.isArray()) {
            return strings(field);
        }
        List<String> out = new ArrayList<>(node.size());
        node.forEach(element -> out.add(element.asText()));
        return out;
    }

    public List<String> strings(String field) {
        if (json == null) {
            return queryValues(field);
        }
        JsonNode node = node(field);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            // A lone string where a list is expected is how some clients send one element.
            if (node.isTextual()) {
                return List.of(node.textValue());
            }
            throw invalid(field, node, "a list of strings");
        }
        List<String> out = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw invalid(field, element, "a list of strings");
            }
            out.add(element.textValue());
        }
        return out;
    }

    public List<Message> messages(String field) {
        if (json == null) {
            return List.of();
        }
        JsonNode node = node(field);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw invalid(field, abbreviate(node), "a list of objects");
        }
        List<Message> out = new ArrayList<>(node.size());
        int i = 0;
        for (JsonNode element : node) {
            if (!(element instanceof ObjectNode object)) {
                throw invalid(field + "[" + i + "]", abbreviate(element), "an object");
            }
            out.add(new Message(object, Map.of(), fieldPath(field) + "[" + i + "]"));
            i++;
        }
        return out;
    }

    /** A copy with one top-level field set to a string (decimal strings serve int64 and int32 fields too). */
    public Message with(String field, String value) {
        return replaced(field, List.of(value), copy -> copy.put(field, value));
    }

    /** A copy with one top-level repeated string field replaced. */
    public Message withStrings(String field, List<String> values) {
        return replaced(field, values, copy -> values.forEach(copy.putArray(field)::add));
    }

    /** A copy with the field (and its camelCase spelling) replaced: query values, or what {@code set} writes. */
    private Message replaced(String field, List<String> queryValues, java.util.function.Consumer<ObjectNode> set) {
        if (json == null) {
            Map<String, List<String>> copy = new java.util.LinkedHashMap<>(query);
            copy.remove(camel(field));
            copy.put(field, List.copyOf(queryValues));
            return new Message(null, copy, path);
        }
        ObjectNode copy = json.deepCopy();
        copy.remove(camel(field));
        set.accept(copy);
        return new Message(copy, query, path);
    }

    /** The message as a JSON object (a copy); a query-string message gives an empty object. */
    public ObjectNode json() {
        return json == null ? Json.object() : json.deepCopy();
    }

    /** The names of the fields present, in order (for map-valued fields such as headers). */
    public List<String> fieldNames() {
        if (json == null) {
            return List.copyOf(query.keySet());
        }
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    public Optional<Message> message(String field) {
        if (json == null) {
            return Optional.empty();
        }
        JsonNode node = node(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!(node instanceof ObjectNode object)) {
            throw invalid(field, abbreviate(node), "an object");
        }
        return Optional.of(new Message(object, Map.of(), fieldPath(field)));
    }

    /** Number of elements of a repeated field, without decoding them. */
    public int count(String field) {
        if (json == null) {
            return queryValues(field).size();
        }
        JsonNode node = node(field);
        return node != null && node.isArray() ? node.size() : 0;
    }

    private Optional<Object> scalar(String field) {
        if (json == null) {
            List<String> values = queryValues(field);
            return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
        JsonNode node = node(field);
        if (node != null && (node.isContainerNode())) {
            throw invalid(field, abbreviate(node), "a scalar value");
        }
        return Optional.ofNullable(node);
    }

    private static String quoted(Object value) {
        return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
