package dev.osprey.serving;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One tensor of a tensor-based schema: NumPy dtype name ({@code float32}, ...) and shape, -1 for a free dimension.
 */
public record TensorSpec(Optional<String> name, String dtype, List<Long> shape) {
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = List.copyOf(shape);
    }

    @Override
    public String toString() {
        return name.map(n -> "'" + n + "': ").orElse("") + "Tensor('" + dtype + "', " + shape.toString()
                .replace('[', '(').replace(']', ')') + ")";
    }
}
