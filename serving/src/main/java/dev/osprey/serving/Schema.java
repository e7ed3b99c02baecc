package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A model's input or output schema as MLflow writes it in {@code MLmodel} (a JSON list in a YAML string): either
 * columns ({@code {"type": "double", "name": "x", "required": true}}) or tensors ({@code {"type": "tensor",
 * "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}}), never both.
 */
public record Schema(List<ColumnSpec> columns, List<TensorSpec> tensors) {
    public Schema {
        columns = List.copyOf(columns);
        tensors = List.copyOf(tensors);
        if (!columns.isEmpty() && !tensors.isEmpty()) {
            throw new IllegalArgumentException("A schema is made of columns or of tensors, not both.");
        }
    }

    public static Schema ofColumns(List<ColumnSpec> columns) {
        return new Schema(columns, List.of());
    }

    public boolean isTensorSpec() {
        return !tensors.isEmpty();
    }

    /** Whether the columns are named (MLflow then matches inputs by name). */
    public boolean hasNames() {
        return !columns.isEmpty() && columns.stream().allMatch(c -> c.name().isPresent());
    }

    /** MLflow's JSON form. */
    public static Schema parse(String json) {
        JsonNode list;
        try {
            list = Json.read(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("A schema is a JSON list: " + e.getMessage(), e);
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException("A schema is a JSON list of columns or tensors.");
        }
        List<ColumnSpec> columns = new ArrayList<>();
        List<TensorSpec> tensors = new ArrayList<>();
        for (JsonNode item : list) {
            Optional<String> name = Optional.ofNullable(item.path("name").textValue());
            if (item.path("type").asText().equals("tensor")) {
                JsonNode spec = item.path("tensor-spec");
                List<Long> shape = new ArrayList<>();
                spec.path("shape").forEach(d -> shape.add(d.asLong()));
                tensors.add(new TensorSpec(name, spec.path("dtype").asText(), shape));
            } else {
                columns.add(new ColumnSpec(name, DataType.of(item.path("type").asText()),
                        item.path("required").asBoolean(true)));
            }
        }
        return new Schema(columns, tensors);
    }

    public String toJson() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (ColumnSpec c : columns) {
            ObjectNode o = out.addObject().put("type", c.type().mlflowName());
            c.name().ifPresent(n -> o.put("name", n));
            o.put("required", c.required());
        }
        for (TensorSpec t : tensors) {
            ObjectNode o = out.addObject().put("type", "tensor");
            t.name().ifPresent(n -> o.put("name", n));
            ObjectNode spec = o.putObject("tensor-spec").put("dtype", t.dtype());
            t.shape().forEach(spec.putArray("shape")::add);
        }
        return Json.writeString(out);
    }

    /** As MLflow prints a schema in its errors: {@code ['x': double (required), ...]}. */
    @Override
    public String toString() {
        return (isTensorSpec() ? tensors.stream().map(TensorSpec::toString) : columns.stream().map(ColumnSpec::toString))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
