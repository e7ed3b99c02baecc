package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's schema enforcement before a model sees its input: required columns must be there (extra ones are dropped),
 * each column is converted to its declared type only where no value changes (integers widen to floats; decimals never
 * become integers), and declared params are typed and defaulted. Failures are MLflow's
 * {@code INVALID_PARAMETER_VALUE} with its wording ("Model is missing inputs [...]", "Incompatible input types for
 * column ...").
 */
public final class Enforcement {
    private Enforcement() {}

    /** The input as the model receives it: its table conformed to the signature's inputs, its params typed. */
    public static ScoringInput apply(ScoringInput input, Optional<Signature> signature) {
        if (signature.isEmpty()) {
            return input;
        }
        Map<String, Object> params = params(input.params(), signature.get().params());
        Optional<Schema> schema = signature.get().inputs();
        if (schema.isEmpty() || input.frame().isEmpty() || schema.get().isTensorSpec()) {
            return new ScoringInput(input.frame(), input.tensor(), params);
        }
        Frame frame = input.frame().get();
        try {
            return ScoringInput.of(columns(frame, schema.get()), params);
        } catch (ScoringException e) {
            throw ScoringException.invalid("Failed to enforce schema of data '" + describe(frame) + "' with schema '"
                    + schema.get() + "'. Error: " + e.getMessage());
        }
    }

    /** A short picture of the data for errors (MLflow prints the whole frame; a big batch would flood the answer). */
    static String describe(Frame frame) {
        return frame.size() + " row" + (frame.size() == 1 ? "" : "s") + " x columns " + frame.columns();
    }

    private static Frame columns(Frame frame, Schema schema) {
        if (!schema.hasNames()) {
            if (frame.columns().size() < schema.columns().size()) {
                throw ScoringException.invalid("Model inference is missing inputs. The model signature declares "
                        + schema.columns().size() + " inputs but the provided value only has "
                        + frame.columns().size() + " inputs. Note: the inputs were not named in the signature so we "
                        + "can only verify their count.");
            }
            List<String> names = new ArrayList<>();
            List<DataType> types = new ArrayList<>();
            for (int i = 0; i < schema.columns().size(); i++) {
                names.add(frame.columns().get(i));
                types.add(schema.columns().get(i).type());
            }
            return convert(frame, names, types);
        }
        List<String> missing = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<DataType> types = new ArrayList<>();
        for (ColumnSpec c : schema.columns()) {
            String name = c.name().orElseThrow();
            if (frame.columns().contains(name)) {
                names.add(name);
                types.add(c.type());
            } else if (c.required()) {
                missing.add("'" + name + "'");
            }
        }
        if (!missing.isEmpty()) {
            List<String> extra = frame.columns().stream().filter(n -> schema.columns().stream()
                    .noneMatch(c -> c.name().orElseThrow().equals(n))).map(n -> "'" + n + "'").toList();
            throw ScoringException.invalid("Model is missing inputs " + missing + "."
                    + (extra.isEmpty() ? "" : " Note that there were extra inputs: " + extra + "."));
        }
        return convert(frame, names, types);
    }

    private static Frame convert(Frame frame, List<String> names, List<DataType> types) {
        int[] at = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            at[i] = frame.indexOf(names.get(i));
        }
        for (int i = 0; i < names.size(); i++) {
            check(names.get(i), frame.column(names.get(i)), types.get(i));
        }
        List<List<Object>> rows = new ArrayList<>(frame.size());
        for (List<Object> row : frame.rows()) {
            List<Object> out = new ArrayList<>(names.size());
            for (int i = 0; i < names.size(); i++) {
                out.add(cast(row.get(at[i]), types.get(i)));
            }
            rows.add(out);
        }
        return new Frame(names, rows);
    }

    /** The NumPy dtype pandas would give these values, for MLflow's error wording. */
    static String dtypeOf(List<Object> values) {
        boolean anyDouble = false;
        boolean allNumbers = true;
        boolean allBooleans = true;
        for (Object v : values) {
            if (v == null) {
                anyDouble = true; // pandas makes a column with a missing number float64
                continue;
            }
            allBooleans &= v instanceof Boolean;
            allNumbers &= v instanceof Number;
            anyDouble |= v instanceof Double || v instanceof Float;
        }
        if (allBooleans && values.stream().anyMatch(v -> v != null)) {
            return "bool";
        }
        return !allNumbers ? "object" : anyDouble ? "float64" : "int64";
    }

    /** Refuses a column whose values would change by the conversion, as MLflow does. */
    private static void check(String name, List<Object> values, DataType type) {
        String dtype = dtypeOf(values);
        boolean ok = switch (type) {
            case LONG, INTEGER -> dtype.equals("int64") && values.stream().noneMatch(v -> v == null)
                    && (type == DataType.LONG || values.stream().allMatch(v -> ((Number) v).longValue()
                    == ((Number) v).intValue()));
            case DOUBLE, FLOAT -> dtype.equals("int64") || dtype.equals("float64");
            case BOOLEAN -> dtype.equals("bool");
            case STRING -> values.stream().allMatch(v -> v == null || v instanceof String);
            case BINARY -> values.stream().allMatch(v -> v == null || v instanceof String || v instanceof byte[]);
            case DATETIME -> values.stream().allMatch(v -> v == null || v instanceof String || v instanceof Instant);
            default -> true;
        };
        if (!ok) {
            String hint = (type == DataType.LONG || type == DataType.INTEGER) && values.contains(null)
                    ? " Hint: the type mismatch is likely caused by missing values; integer columns cannot hold "
                    + "missing values, declare the column as double if it may have them." : "";
            throw ScoringException.invalid("Incompatible input types for column " + name + ". Can not safely "
                    + "convert " + dtype + " to " + type.numpyName() + "." + hint);
        }
    }

    private static Object cast(Object v, DataType type) {
        if (v == null) {
            return null;
        }
        return switch (type) {
            case LONG -> ((Number) v).longValue();
            case INTEGER -> ((Number) v).intValue();
            case DOUBLE -> ((Number) v).doubleValue();
            case FLOAT -> ((Number) v).floatValue();
            case BINARY -> v instanceof String s ? decode(s) : v;
            case DATETIME -> v instanceof String s ? instant(s) : v;
            default -> v;
        };
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw ScoringException.invalid("A binary value is not base64: " + e.getMessage());
        }
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                try {
                    return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e3) {
                    throw ScoringException.invalid("'" + text + "' is not a date or time.");
                }
            }
        }
    }

    /** Declared params typed, missing ones defaulted; params the signature does not declare are ignored. */
    static Map<String, Object> params(Map<String, Object> given, List<ParamSpec> declared) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParamSpec p : declared) {
            Object v = given.containsKey(p.name()) ? given.get(p.name()) : Inputs.value(p.defaultValue());
            out.put(p.name(), v == null ? null : param(p, v));
        }
        return out;
    }

    private static Object param(ParamSpec p, Object v) {
        boolean ok = switch (p.type()) {
            case LONG, INTEGER -> v instanceof Long;
            case DOUBLE, FLOAT -> v instanceof Number;
            case BOOLEAN -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case DATETIME -> v instanceof String;
            default -> true;
        };
        if (!ok) {
            throw ScoringException.invalid("Failed to convert value `" + (v instanceof JsonNode n ? n.toString() : v)
                    + "` from type `" + v.getClass().getSimpleName() + "` to `" + p.type().mlflowName()
                    + "` for param `" + p.name() + "`.");
        }
        return cast(v, p.type());
    }
}
