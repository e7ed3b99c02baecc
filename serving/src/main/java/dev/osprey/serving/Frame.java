package dev.osprey.serving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A table of rows, as MLflow's pyfunc models receive a pandas DataFrame: named columns, one value per column and row.
 * Values are {@code null}, {@code Boolean}, {@code Integer}, {@code Long}, {@code Float}, {@code Double},
 * {@code String}, {@code byte[]}, {@code java.time.Instant}, or a Jackson node for lists and objects.
 */
public record Frame(List<String> columns, List<List<Object>> rows) {
    public Frame {
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("Every row has one value per column (" + columns.size() + ").");
            }
            copy.add(Collections.unmodifiableList(new ArrayList<>(row)));
        }
        rows = Collections.unmodifiableList(copy);
    }

    public int size() {
        return rows.size();
    }

    /** The position of a column. */
    public int indexOf(String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException("No column '" + column + "'; the columns are " + columns + ".");
        }
        return i;
    }

    public Object get(int row, String column) {
        return rows.get(row).get(indexOf(column));
    }

    /** A numeric value as a double (the common case of a model reading features). */
    public double getDouble(int row, String column) {
        Object v = get(row, column);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("Column '" + column + "' holds " + (v == null ? "no value"
                : v.getClass().getSimpleName()) + " in row " + row + ", not a number.");
    }

    public List<Object> column(String column) {
        int i = indexOf(column);
        List<Object> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(r.get(i)));
        return out;
    }
}
