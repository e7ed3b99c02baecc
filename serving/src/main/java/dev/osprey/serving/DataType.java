package dev.osprey.serving;

import java.util.Locale;

/** MLflow's column and parameter types ({@code mlflow.types.DataType}); complex types are passed through as JSON. */
public enum DataType {
    BOOLEAN, INTEGER, LONG, FLOAT, DOUBLE, STRING, BINARY, DATETIME, ARRAY, OBJECT, MAP, ANY;

    /** MLflow's name ({@code "double"}, ...). */
    public String mlflowName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The type MLflow writes under this name.
     *
     * @throws IllegalArgumentException for a name MLflow does not write
     */
    public static DataType of(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown MLflow data type '" + name + "'.", e);
        }
    }

    /** The NumPy dtype name MLflow's errors use for the values a column of this type holds. */
    String numpyName() {
        return switch (this) {
            case BOOLEAN -> "bool";
            case INTEGER -> "int32";
            case LONG -> "int64";
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case DATETIME -> "datetime64[ns]";
            default -> "object";
        };
    }
}
