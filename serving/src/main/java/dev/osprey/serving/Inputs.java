package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * MLflow's scoring request formats (the scoring server's {@code /invocations}): JSON with exactly one of
 * {@code dataframe_split}, {@code dataframe_records}, {@code instances}, {@code inputs} and optional {@code params},
 * or CSV with a header row. Other content types are a 415, as MLflow answers them.
 */
public final class Inputs {
    static final List<String> FORMATS = List.of("dataframe_split", "dataframe_records", "instances", "inputs");
    static final String REQUIRED_FORMAT = "The input must be a JSON dictionary with exactly one of the input fields "
            + "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";

    /**
     * Numbers as doubles, not the wire format's big decimals, parsed by Jackson's fast double parser: a scoring
     * request carries thousands of features, and number parsing was the largest cost of a 100-row request (SRV-1
     * profiles: BigDecimal construction first, then the JDK's double parsing).
     */
    private static final com.fasterxml.jackson.databind.ObjectReader REQUESTS = Json.MAPPER.reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .with(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER);

    private Inputs() {}

    /** Parses a request body by its content type. */
    public static ScoringInput parse(byte[] body, String contentType) {
        String[] parts = (contentType == null ? "" : contentType).split(";");
        String mime = parts[0].strip().toLowerCase(Locale.ROOT);
        List<String> unknown = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].strip().split("=", 2);
            if (kv[0].equalsIgnoreCase("charset")) {
                if (kv.length < 2 || !kv[1].strip().replace("\"", "").equalsIgnoreCase("utf-8")) {
                    throw ScoringException.unsupportedMediaType("The scoring server only supports UTF-8");
                }
            } else if (!kv[0].isBlank()) {
                unknown.add(kv[0]);
            }
        }
        if (!unknown.isEmpty()) {
            throw ScoringException.unsupportedMediaType("Unrecognized content type parameters: "
                    + String.join(", ", unknown) + ".");
        }
        return switch (mime) {
            case "application/json" -> json(body);
            case "text/csv" -> ScoringInput.of(Csv.parse(new String(body, StandardCharsets.UTF_8)), Map.of());
            default -> throw ScoringException.unsupportedMediaType("This predictor only supports the following "
                    + "content types: ['text/csv', 'application/json']. Got '" + contentType + "'.");
        };
    }

    /** A JSON request in one of MLflow's formats. */
    public static ScoringInput json(byte[] body) {
        JsonNode root;
        try {
            root = REQUESTS.readTree(body);
            if (root == null) {
                throw ScoringException.badRequest(REQUIRED_FORMAT + ". Received an empty body.");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ScoringException.badRequest("Failed to parse input from JSON. Ensure that input is a valid JSON "
                    + "formatted string. Error: '" + e.getOriginalMessage() + "'");
        } catch (IOException e) {
            throw ScoringException.badRequest("Failed to read the input: " + e.getMessage());
        }
        if (!root.isObject()) {
            throw ScoringException.badRequest(REQUIRED_FORMAT + ". Received " + (root.isArray() ? "a list"
                    : "unexpected input type '" + root.getNodeType().name().toLowerCase(Locale.ROOT) + "'") + ".");
        }
        List<String> present = FORMATS.stream().filter(root::has).toList();
        if (present.size() != 1) {
            List<String> keys = new ArrayList<>();
            root.fieldNames().forEachRemaining(keys::add);
            throw ScoringException.badRequest(REQUIRED_FORMAT + ". Received dictionary with input fields: "
                    + keys + ".");
        }
        Map<String, Object> params = params(root.path("params"));
        JsonNode data = root.get(present.getFirst());
        return switch (present.getFirst()) {
            case "dataframe_split" -> ScoringInput.of(split(data), params);
            case "dataframe_records" -> ScoringInput.of(records(data, "dataframe_records"), params);
            default -> tensorOrTable(data, params);
        };
    }

    private static Map<String, Object> params(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ScoringException.badRequest("'params' must be a JSON dictionary of parameter names to values.");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), value(e.getValue())));
        return out;
    }

    /** pandas' split orient: {@code columns}, {@code data} (rows), an ignored {@code index}. */
    static Frame split(JsonNode node) {
        if (!node.isObject() || !node.path("data").isArray()) {
            throw ScoringException.badRequest("'dataframe_split' must be a dictionary with 'data' (a list of rows) "
                    + "and 'columns'.");
        }
        List<String> columns = new ArrayList<>();
        node.path("columns").forEach(c -> columns.add(c.asText()));
        List<List<Object>> rows = new ArrayList<>();
        for (JsonNode row : node.path("data")) {
            JsonNode cells = row.isArray() ? row : Json.MAPPER.createArrayNode().add(row);
            if (columns.isEmpty()) {
                for (int i = 0; i < cells.size(); i++) {
                    columns.add(Integer.toString(i));
                }
            }
            if (cells.size() != columns.size()) {
                throw ScoringException.badRequest("'dataframe_split': row " + rows.size() + " has " + cells.size()
                        + " values for " + columns.size() + " columns.");
            }
            List<Object> values = new ArrayList<>(cells.size());
            cells.forEach(c -> values.add(value(c)));
            rows.add(values);
        }
        return new Frame(columns, rows);
    }

    /** A list of {@code {column: value}} rows; columns in order of first appearance, missing values null. */
    static Frame records(JsonNode node, String field) {
        if (!node.isArray()) {
            throw ScoringException.badRequest("'" + field + "' must be a list of records (dictionaries).");
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode r : node) {
            if (!r.isObject()) {
                throw ScoringException.badRequest("'" + field + "' must be a list of records (dictionaries).");
            }
            r.fieldNames().forEachRemaining(names::add);
        }
        List<String> columns = List.copyOf(names);
        List<List<Object>> rows = new ArrayList<>();
        for (JsonNode r : node) {
            List<Object> values = new ArrayList<>(columns.size());
            columns.forEach(c -> values.add(r.has(c) ? value(r.get(c)) : null));
            rows.add(values);
        }
        return new Frame(columns, rows);
    }

    /**
     * {@code instances} / {@code inputs}: records make a table, a dictionary of equally long lists makes a table of
     * those columns, anything else (lists of numbers, nested lists, a dictionary of tensors) is a tensor payload.
     */
    private static ScoringInput tensorOrTable(JsonNode data, Map<String, Object> params) {
        if (data.isArray() && !data.isEmpty() && data.get(0).isObject()) {
            return ScoringInput.of(records(data, "instances"), params);
        }
        if (data.isObject() && data.size() > 0) {
            int length = -1;
            boolean columns = true;
            for (JsonNode v : (Iterable<JsonNode>) data::elements) {
                if (!v.isArray() || (length >= 0 && v.size() != length) || v.elements().hasNext()
                        && v.get(0).isArray()) {
                    columns = false;
                    break;
                }
                length = v.size();
            }
            if (columns) {
                List<String> names = new ArrayList<>();
                data.fieldNames().forEachRemaining(names::add);
                List<List<Object>> rows = new ArrayList<>();
                for (int i = 0; i < length; i++) {
                    List<Object> row = new ArrayList<>();
                    for (String n : names) {
                        row.add(value(data.get(n).get(i)));
                    }
                    rows.add(row);
                }
                return ScoringInput.of(new Frame(names, rows), params);
            }
        }
        return new ScoringInput(Optional.empty(), Optional.of(data), params);
    }

    /** A JSON value as a Java value of the table: integers as Long, decimals as Double, text, booleans, nulls. */
    static Object value(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.asLong() : v.asDouble();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return v instanceof ObjectNode o ? o.deepCopy() : v.deepCopy();
    }
}
