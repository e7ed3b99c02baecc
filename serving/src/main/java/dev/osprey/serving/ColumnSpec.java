package dev.osprey.serving;

import java.util.Objects;
import java.util.Optional;

/** One column of a column-based schema: its name (optional in MLflow), type and whether it must be given. */
public record ColumnSpec(Optional<String> name, DataType type, boolean required) {
    public ColumnSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    public static ColumnSpec of(String name, DataType type) {
        return new ColumnSpec(Optional.of(name), type, true);
    }

    /** As MLflow prints a column: {@code 'x': double (required)}. */
    @Override
    public String toString() {
        return name.map(n -> "'" + n + "': ").orElse("") + type.mlflowName() + (required ? " (required)"
                : " (optional)");
    }
}
