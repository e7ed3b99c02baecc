package dev.osprey.server.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;

/**
 * A span's stored JSON written in one pass: protobuf's JSON mapping with proto field names, fields in field
 * number order, defaults left out, bytes in base64, enums by name, and 64-bit integers as JSON numbers (spec/README.md).
 * The same text protobuf's {@code JsonFormat} printer gives after its 64-bit strings are turned into numbers (a test
 * holds the two equal); written directly because that printer plus the re-parse took more than half of OTLP
 * ingest's CPU (JFR, TRC-1 on SQLite: 145 of 266 request samples).
 */
final class SpanJson {
    private SpanJson() {}

    static String write(Span span) {
        StringWriter out = new StringWriter(256 + span.getSerializedSize() * 2);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            span(g, span);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string", e);
        }
        return out.toString();
    }

    private static void span(JsonGenerator g, Span s) throws IOException {
        g.writeStartObject();
        bytes(g, "trace_id", s.getTraceId());
        bytes(g, "span_id", s.getSpanId());
        string(g, "trace_state", s.getTraceState());
        bytes(g, "parent_span_id", s.getParentSpanId());
        string(g, "name", s.getName());
        if (s.getKindValue() != 0) {
            g.writeStringField("kind", s.getKind().name());
        }
        unsigned64(g, "start_time_unix_nano", s.getStartTimeUnixNano());
        unsigned64(g, "end_time_unix_nano", s.getEndTimeUnixNano());
        attributes(g, s.getAttributesList());
        unsigned32(g, "dropped_attributes_count", s.getDroppedAttributesCount());
        if (s.getEventsCount() > 0) {
            g.writeArrayFieldStart("events");
            for (Span.Event e : s.getEventsList()) {
                g.writeStartObject();
                unsigned64(g, "time_unix_nano", e.getTimeUnixNano());
                string(g, "name", e.getName());
                attributes(g, e.getAttributesList());
                unsigned32(g, "dropped_attributes_count", e.getDroppedAttributesCount());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        unsigned32(g, "dropped_events_count", s.getDroppedEventsCount());
        if (s.getLinksCount() > 0) {
            g.writeArrayFieldStart("links");
            for (Span.Link l : s.getLinksList()) {
                g.writeStartObject();
                bytes(g, "trace_id", l.getTraceId());
                bytes(g, "span_id", l.getSpanId());
                string(g, "trace_state", l.getTraceState());
                attributes(g, l.getAttributesList());
                unsigned32(g, "dropped_attributes_count", l.getDroppedAttributesCount());
                unsigned32(g, "flags", l.getFlags());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        unsigned32(g, "dropped_links_count", s.getDroppedLinksCount());
        if (s.hasStatus()) {
            Status status = s.getStatus();
            g.writeObjectFieldStart("status");
            string(g, "message", status.getMessage());
            if (status.getCodeValue() != 0) {
                g.writeStringField("code", status.getCode().name());
            }
            g.writeEndObject();
        }
        unsigned32(g, "flags", s.getFlags()); // field 16: protobuf's printer goes by field number
        g.writeEndObject();
    }

    private static void attributes(JsonGenerator g, List<KeyValue> attributes) throws IOException {
        if (!attributes.isEmpty()) {
            g.writeArrayFieldStart("attributes");
            for (KeyValue kv : attributes) {
                keyValue(g, kv);
            }
            g.writeEndArray();
        }
    }

    private static void keyValue(JsonGenerator g, KeyValue kv) throws IOException {
        g.writeStartObject();
        string(g, "key", kv.getKey());
        if (kv.hasValue()) {
            g.writeFieldName("value");
            anyValue(g, kv.getValue());
        }
        if (kv.getKeyStrindex() != 0) {
            g.writeNumberField("key_strindex", kv.getKeyStrindex());
        }
        g.writeEndObject();
    }

    private static void anyValue(JsonGenerator g, AnyValue v) throws IOException {
        g.writeStartObject();
        switch (v.getValueCase()) {
            case STRING_VALUE -> g.writeStringField("string_value", v.getStringValue());
            case BOOL_VALUE -> g.writeBooleanField("bool_value", v.getBoolValue());
            case INT_VALUE -> g.writeNumberField("int_value", v.getIntValue());
            case DOUBLE_VALUE -> {
                g.writeFieldName("double_value");
                g.writeTree(Json.read(doubleText(v.getDoubleValue())));
            }
            case ARRAY_VALUE -> {
                g.writeObjectFieldStart("array_value");
                if (v.getArrayValue().getValuesCount() > 0) {
                    g.writeArrayFieldStart("values");
                    for (AnyValue item : v.getArrayValue().getValuesList()) {
                        anyValue(g, item);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            case KVLIST_VALUE -> {
                g.writeObjectFieldStart("kvlist_value");
                if (v.getKvlistValue().getValuesCount() > 0) {
                    g.writeArrayFieldStart("values");
                    for (KeyValue kv : v.getKvlistValue().getValuesList()) {
                        keyValue(g, kv);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            case BYTES_VALUE -> g.writeStringField("bytes_value", base64(v.getBytesValue()));
            case STRING_VALUE_STRINDEX -> g.writeNumberField("string_value_strindex", v.getStringValueStrindex());
            default -> { } // unset: {}
        }
        g.writeEndObject();
    }

    /**
     * A double as the stored form has always had it: protobuf prints {@link Double#toString} (NaN and infinities as
     * strings) and the stored JSON went through Jackson's decimal reading and writing.
     */
    private static String doubleText(double d) {
        if (Double.isNaN(d)) {
            return "\"NaN\"";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        }
        return Double.toString(d);
    }

    private static void bytes(JsonGenerator g, String field, ByteString value) throws IOException {
        if (!value.isEmpty()) {
            g.writeStringField(field, base64(value));
        }
    }

    private static String base64(ByteString value) {
        return Base64.getEncoder().encodeToString(value.toByteArray());
    }

    private static void string(JsonGenerator g, String field, String value) throws IOException {
        if (!value.isEmpty()) {
            g.writeStringField(field, value);
        }
    }

    private static void unsigned32(JsonGenerator g, String field, int value) throws IOException {
        if (value != 0) {
            g.writeFieldName(field);
            g.writeNumber(Integer.toUnsignedLong(value));
        }
    }

    private static void unsigned64(JsonGenerator g, String field, long value) throws IOException {
        if (value != 0) {
            g.writeFieldName(field);
            g.writeNumber(Long.toUnsignedString(value));
        }
    }
}
