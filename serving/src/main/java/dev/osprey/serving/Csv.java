package dev.osprey.serving;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * CSV as MLflow's scoring server reads it (pandas' {@code read_csv}): a header row, then one row per record; quoted
 * fields may hold commas, quotes (doubled) and line breaks; an empty field is missing; numbers and {@code True} /
 * {@code False} are read as such, everything else as text. {@link RowReader} reads records one at a time, so batch
 * scoring of a large file keeps only a batch in memory.
 */
public final class Csv {
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?(inf|Inf|"
            + "nan|NaN)");

    private Csv() {}

    /** A whole CSV text as a table. */
    public static Frame parse(String text) {
        try (RowReader reader = new RowReader(new StringReader(text))) {
            List<List<Object>> rows = new ArrayList<>();
            for (Optional<List<Object>> row = reader.next(); row.isPresent(); row = reader.next()) {
                rows.add(row.get());
            }
            return new Frame(reader.columns(), rows);
        }
    }

    /** A field's value as pandas would type it. */
    static Object value(String field) {
        if (field.isEmpty()) {
            return null;
        }
        if (INTEGER.matcher(field).matches()) {
            try {
                return Long.parseLong(field);
            } catch (NumberFormatException e) {
                return Double.parseDouble(field);
            }
        }
        if (DECIMAL.matcher(field).matches()) {
            String f = field.toLowerCase(java.util.Locale.ROOT);
            return f.endsWith("nan") ? Double.NaN : f.endsWith("inf") ? (f.startsWith("-") ? Double.NEGATIVE_INFINITY
                    : Double.POSITIVE_INFINITY) : Double.parseDouble(field);
        }
        return switch (field) {
            case "True", "true", "TRUE" -> Boolean.TRUE;
            case "False", "false", "FALSE" -> Boolean.FALSE;
            default -> field;
        };
    }

    /** Reads a CSV stream's header, then its records one by one. */
    public static final class RowReader implements AutoCloseable {
        private final Reader in;
        private final List<String> columns;
        private int peeked = -2;
        private long line = 1;

        public RowReader(Reader in) {
            this.in = in;
            List<String> header = record().orElseThrow(() -> ScoringException.badRequest("The CSV input is empty: "
                    + "it needs a header row naming the columns."));
            this.columns = List.copyOf(header);
        }

        public List<String> columns() {
            return columns;
        }

        /** The next record's values, typed; empty at the end. */
        public Optional<List<Object>> next() {
            Optional<List<String>> fields = record();
            while (fields.isPresent() && fields.get().size() == 1 && fields.get().getFirst().isEmpty()) {
                fields = record(); // blank line
            }
            if (fields.isEmpty()) {
                return Optional.empty();
            }
            if (fields.get().size() != columns.size()) {
                throw ScoringException.badRequest("CSV line " + line + " has " + fields.get().size() + " fields for "
                        + columns.size() + " columns.");
            }
            List<Object> values = new ArrayList<>(columns.size());
            fields.get().forEach(f -> values.add(value(f)));
            return Optional.of(values);
        }

        private int read() {
            try {
                if (peeked != -2) {
                    int c = peeked;
                    peeked = -2;
                    return c;
                }
                return in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Optional<List<String>> record() {
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            boolean any = false;
            while (true) {
                int c = read();
                if (c < 0) {
                    if (quoted) {
                        throw ScoringException.badRequest("The CSV input ends inside a quoted field.");
                    }
                    if (!any) {
                        return Optional.empty();
                    }
                    fields.add(field.toString());
                    return Optional.of(fields);
                }
                any = true;
                if (quoted) {
                    if (c == '"') {
                        int next = read();
                        if (next == '"') {
                            field.append('"');
                        } else {
                            quoted = false;
                            peeked = next;
                        }
                    } else {
                        field.append((char) c);
                    }
                } else if (c == '"' && field.isEmpty()) {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r') {
                        int next = read();
                        if (next != '\n') {
                            peeked = next;
                        }
                    }
                    line++;
                    fields.add(field.toString());
                    return Optional.of(fields);
                } else {
                    field.append((char) c);
                }
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
