package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A model's signature: what it takes, what it gives, and the parameters it accepts at inference. */
public record Signature(Optional<Schema> inputs, Optional<Schema> outputs, List<ParamSpec> params) {
    public Signature {
        params = List.copyOf(params);
    }

    /** From MLmodel's {@code signature} mapping, whose values are JSON strings (or null). */
    static Signature fromMlmodel(JsonNode node) {
        Optional<Schema> in = text(node.path("inputs")).map(Schema::parse);
        Optional<Schema> out = text(node.path("outputs")).map(Schema::parse);
        List<ParamSpec> params = new ArrayList<>();
        Optional<String> paramsJson = text(node.path("params"));
        if (paramsJson.isPresent()) {
            try {
                for (JsonNode p : Json.read(paramsJson.get())) {
                    params.add(new ParamSpec(p.path("name").asText(), DataType.of(p.path("type").asText()),
                            p.path("default")));
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("The signature's params are not JSON: " + e.getMessage(), e);
            }
        }
        return new Signature(in, out, params);
    }

    private static Optional<String> text(JsonNode v) {
        return v.isTextual() && !v.asText().isBlank() && !v.asText().equals("null") ? Optional.of(v.asText())
                : Optional.empty();
    }

    /** The params as MLflow's JSON string, for MLmodel. */
    Optional<String> paramsJson() {
        if (params.isEmpty()) {
            return Optional.empty();
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        params.forEach(p -> out.addObject().put("name", p.name()).put("type", p.type().mlflowName())
                .set("default", p.defaultValue()));
        return Optional.of(Json.writeString(out));
    }
}
