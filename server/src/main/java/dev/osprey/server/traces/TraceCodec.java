package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.core.TraceState;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** TraceInfoV3 and spans in MLflow's JSON (spec/tracing.md §1): RFC 3339 request time, {@code "<s>s"} durations. */
final class TraceCodec {
    private TraceCodec() {}

    static ObjectNode info(TraceInfo t, List<dev.osprey.core.Assessment> assessments) {
        ObjectNode node = info(t);
        ArrayNode array = node.putArray("assessments");
        assessments.forEach(a -> array.add(AssessmentRoutes.json(a)));
        return node;
    }

    static ObjectNode info(TraceInfo t) {
        ObjectNode node = Json.object();
        node.put("trace_id", t.traceId());
        t.clientRequestId().ifPresent(id -> node.put("client_request_id", id));
        ObjectNode location = node.putObject("trace_location");
        location.put("type", "MLFLOW_EXPERIMENT");
        location.putObject("mlflow_experiment").put("experiment_id", t.experimentId());
        t.requestPreview().ifPresent(p -> node.put("request_preview", p));
        t.responsePreview().ifPresent(p -> node.put("response_preview", p));
        node.put("request_time", Instant.ofEpochMilli(t.requestTimeMs()).toString());
        t.executionDurationMs().ifPresent(ms -> node.put("execution_duration",
                BigDecimal.valueOf(ms).movePointLeft(3).stripTrailingZeros().toPlainString() + "s"));
        node.put("state", t.state().name());
        ObjectNode metadata = node.putObject("trace_metadata");
        new java.util.TreeMap<>(t.metadata()).forEach(metadata::put);
        ObjectNode tags = node.putObject("tags");
        new java.util.TreeMap<>(t.tags()).forEach(tags::put);
        return node;
    }

    static ArrayNode spans(List<SpanRecord> spans) {
        ArrayNode array = Json.object().arrayNode();
        for (SpanRecord s : spans) {
            try {
                array.add(Json.read(StoredSpans.served(s.content())));
            } catch (IOException e) {
                throw new UncheckedIOException("Stored span " + s.spanId() + " is not JSON", e);
            }
        }
        return array;
    }

    /** A TraceInfoV3 from a StartTraceV3 request. */
    static TraceInfo readInfo(Message m) {
        String experimentId = m.message("trace_location").flatMap(l -> l.message("mlflow_experiment"))
                .flatMap(e -> e.string("experiment_id")).filter(s -> !s.isEmpty())
                .orElseThrow(() -> Message.missing("trace.trace_info.trace_location.mlflow_experiment.experiment_id"));
        String traceId = m.requiredString("trace_id");
        if (!traceId.matches("tr-[0-9a-f]{32}") && !traceId.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw dev.osprey.core.OspreyException.invalid("Invalid trace_id '" + traceId + "'.");
        }
        return new TraceInfo(traceId, experimentId, m.string("client_request_id").filter(s -> !s.isEmpty()),
                m.string("request_time").map(TraceCodec::millis).orElse(System.currentTimeMillis()),
                m.string("execution_duration").map(TraceCodec::durationMillis).map(OptionalLong::of)
                        .orElse(OptionalLong.empty()),
                m.string("state").map(s -> {
                    try {
                        return TraceState.valueOf(s);
                    } catch (IllegalArgumentException e) {
                        throw dev.osprey.core.OspreyException.invalid("Invalid trace state '" + s + "'.");
                    }
                }).orElse(TraceState.IN_PROGRESS),
                m.string("request_preview").or(() -> m.string("request")).map(TraceCodec::preview),
                m.string("response_preview").or(() -> m.string("response")).map(TraceCodec::preview),
                map(m, "trace_metadata"), map(m, "tags"));
    }

    private static String preview(String s) {
        return s.length() > SpanConverter.PREVIEW_LIMIT ? s.substring(0, SpanConverter.PREVIEW_LIMIT) : s;
    }

    private static Map<String, String> map(Message m, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        m.message(field).ifPresent(inner -> inner.fieldNames().forEach(k -> out.put(k, inner.string(k).orElse(""))));
        return out;
    }

    private static long millis(String rfc3339) {
        try {
            return Instant.parse(rfc3339).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw dev.osprey.core.OspreyException.invalid("Invalid request_time '" + rfc3339 + "': use RFC 3339.");
        }
    }

    private static long durationMillis(String duration) {
        String d = duration.endsWith("s") ? duration.substring(0, duration.length() - 1) : duration;
        try {
            return new BigDecimal(d).movePointRight(3).longValue();
        } catch (NumberFormatException e) {
            throw dev.osprey.core.OspreyException.invalid("Invalid execution_duration '" + duration + "'.");
        }
    }
}
