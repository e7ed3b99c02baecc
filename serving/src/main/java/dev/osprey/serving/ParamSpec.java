package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** One inference parameter of a signature: its name, type and default (MLflow's {@code ParamSpec}). */
public record ParamSpec(String name, DataType type, JsonNode defaultValue) {
    public ParamSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
    }
}
