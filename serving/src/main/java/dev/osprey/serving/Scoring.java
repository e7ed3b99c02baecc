package dev.osprey.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One {@code /invocations} call, whatever carries it (the HTTP scoring server, batch prediction): parse the body by
 * its content type, enforce the signature, predict, and write MLflow's {@code {"predictions": ...}} — or MLflow's error
 * answer ({@code error_code} and {@code message}; a 415 in plain text).
 */
public final class Scoring {
    private final LoadedModel model;

    public Scoring(LoadedModel model) {
        this.model = model;
    }

    /** What to send back. */
    public record Answer(int status, String contentType, byte[] body) {}

    public Answer invoke(byte[] body, String contentType) {
        try {
            ScoringInput input = Enforcement.apply(Inputs.parse(body, contentType), model.signature());
            ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 16 * input.rows());
            writePredictions(predict(input), out);
            return new Answer(200, "application/json", out.toByteArray());
        } catch (ScoringException e) {
            return error(e);
        }
    }

    /** Predictions for an input already parsed (batch prediction parses its own). */
    public Object predict(ScoringInput input) {
        try {
            return model.predict(input);
        } catch (ScoringException e) {
            throw e;
        } catch (Exception e) {
            throw ScoringException.badRequest("Encountered an unexpected error while evaluating the model. Verify "
                    + "that the input is compatible with the model for inference. Error: " + e.getClass()
                    .getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    public LoadedModel model() {
        return model;
    }

    /** MLflow's error answer. */
    public static Answer error(ScoringException e) {
        if (e.status() == 415) {
            return new Answer(415, "text/plain", e.getMessage().getBytes(StandardCharsets.UTF_8));
        }
        return new Answer(e.status(), "application/json", Json.write(Json.object().put("error_code", e.errorCode())
                .put("message", e.getMessage())));
    }

    /** {@code {"predictions": ...}} written straight to {@code out}. */
    public static void writePredictions(Object predictions, OutputStream out) {
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("predictions");
            writeValue(g, predictions);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A prediction value as JSON: tables as records, byte arrays as base64, times as ISO-8601. */
    public static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Frame f -> {
                g.writeStartArray();
                for (List<Object> row : f.rows()) {
                    g.writeStartObject();
                    for (int i = 0; i < f.columns().size(); i++) {
                        g.writeFieldName(f.columns().get(i));
                        writeValue(g, row.get(i));
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            case Number n -> g.writeNumber(n.toString());
            case Boolean b -> g.writeBoolean(b);
            case CharSequence s -> g.writeString(s.toString());
            case byte[] bytes -> g.writeString(Base64.getEncoder().encodeToString(bytes));
            case Instant t -> g.writeString(t.toString());
            case JsonNode n -> g.writeTree(n);
            case double[] array -> g.writeArray(array, 0, array.length);
            case long[] array -> g.writeArray(array, 0, array.length);
            case int[] array -> g.writeArray(array, 0, array.length);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object x : c) {
                    writeValue(g, x);
                }
                g.writeEndArray();
            }
            case Object[] array -> writeValue(g, List.of(array));
            default -> g.writeString(v.toString());
        }
    }
}
