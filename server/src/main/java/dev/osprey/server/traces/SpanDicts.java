package dev.osprey.server.traces;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.server.traces.translate.AttributeValues;
import dev.osprey.server.traces.translate.SpanForm;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * MLflow's span dicts, the form of {@code traces.json} (spec/tracing.md §5), to and from OTel spans. Reads every form
 * clients write: v2 ({@code context} with hex ids), v3 (base64 ids, {@code STATUS_CODE_*}, attributes JSON-encoded by
 * the Python SDK or native values from the TypeScript SDK) and 3.5's hex ids with {@code tr-} trace ids. Writes v3,
 * which every 3.x reader understands.
 */
final class SpanDicts {
    private static final java.util.regex.Pattern OTEL_TRACE_ID = java.util.regex.Pattern.compile("tr-[0-9a-f]{32}");

    private SpanDicts() {}

    /**
     * One span dict of a trace's file as an OTel span of that trace. The dict's own trace id is not trusted: the
     * TypeScript SDK's is corrupted on the way to base64 (its span ids are consistent with each other), and the file's
     * location names the trace anyway. {@code INVALID_PARAMETER_VALUE} when the dict is not a span.
     */
    static Span toProto(JsonNode dict, String traceId) {
        Form form = dict.has("context") ? Form.V2 : Form.V3;
        try {
            // An id a client chose (StartTraceV3 allows them) says nothing about OTel bytes: the dict's is all there is.
            ByteString otelTraceId = OTEL_TRACE_ID.matcher(traceId).matches()
                    ? ByteString.copyFrom(HexFormat.of().parseHex(traceId.substring(3)))
                    : id(form.ids(dict).path("trace_id").asText(), 16);
            return fromDict(dict, form, otelTraceId);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw OspreyException.invalid("Not an MLflow span: " + e.getMessage());
        }
    }

    /** What is done with each span dict of a file read by {@link #eachDict}. */
    @FunctionalInterface
    interface DictHandler {
        void handle(JsonNode dict) throws IOException;
    }

    /**
     * The span dicts of a {@code traces.json} ({@code {"spans": [...]}}), one at a time as they are parsed, so a
     * file of any size needs one span's memory; other fields are skipped.
     *
     * @return false, with nothing handled, when the file is not a JSON object
     */
    static boolean eachDict(InputStream in, DictHandler each) throws IOException {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean spans = parser.currentName().equals("spans");
                if (parser.nextToken() != JsonToken.START_ARRAY || !spans) {
                    parser.skipChildren();
                    continue;
                }
                while (parser.nextToken() == JsonToken.START_OBJECT) {
                    each.handle(Json.readMember(parser));
                }
            }
        }
        return true;
    }

    /** Where each dict version keeps a span's fields (v2: ids under {@code context}, flat status, event timestamps). */
    private record Form(String ids, String start, String end, String parent, String statusCode, String statusMessage,
            String eventTime) {
        static final Form V3 = new Form("", "start_time_unix_nano", "end_time_unix_nano", "parent_span_id",
                "/status/code", "/status/message", "time_unix_nano");
        static final Form V2 = new Form("context", "start_time", "end_time", "parent_id", "/status_code",
                "/status_message", "timestamp");

        JsonNode ids(JsonNode dict) {
            return ids.isEmpty() ? dict : dict.path(ids);
        }
    }

    private static Span fromDict(JsonNode d, Form f, ByteString traceId) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(traceId)
                .setSpanId(id(f.ids(d).path("span_id").asText(), 8))
                .setName(d.path("name").asText())
                .setStartTimeUnixNano(d.path(f.start()).asLong())
                .setEndTimeUnixNano(d.path(f.end()).asLong(0));
        String parent = d.path(f.parent()).asText("");
        if (!parent.isEmpty() && !d.path(f.parent()).isNull()) {
            span.setParentSpanId(id(parent, 8));
        }
        span.setStatus(status(d.at(f.statusCode()).asText(""), d.at(f.statusMessage()).asText("")));
        attributes(d.path("attributes"), span::addAttributes);
        for (JsonNode e : d.path("events")) {
            Span.Event.Builder event = Span.Event.newBuilder().setName(e.path("name").asText())
                    .setTimeUnixNano(e.path(f.eventTime()).asLong());
            attributes(e.path("attributes"), event::addAttributes);
            span.addEvents(event);
        }
        return span.build();
    }

    /** A trace or span id in any form a dict carries: base64 of the bytes, hex, {@code 0x} hex, {@code tr-} hex. */
    private static ByteString id(String text, int bytes) {
        String hex = text.startsWith("tr-") ? text.substring(3) : text.startsWith("0x") ? text.substring(2) : text;
        if (hex.length() == bytes * 2 && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return ByteString.copyFrom(HexFormat.of().parseHex(hex));
        }
        byte[] raw = Base64.getDecoder().decode(text);
        if (raw.length != bytes) {
            throw new IllegalArgumentException("an id of " + raw.length + " bytes where " + bytes + " belong");
        }
        return ByteString.copyFrom(raw);
    }

    private static Status status(String code, String message) {
        Status.StatusCode c = switch (code) {
            case "STATUS_CODE_OK", "OK" -> Status.StatusCode.STATUS_CODE_OK;
            case "STATUS_CODE_ERROR", "ERROR" -> Status.StatusCode.STATUS_CODE_ERROR;
            default -> Status.StatusCode.STATUS_CODE_UNSET;
        };
        return Status.newBuilder().setCode(c).setMessage(message).build();
    }

    /** Dict attributes as OTel ones: strings kept as written (decoded later, like OTLP's), other values typed. */
    private static void attributes(JsonNode map, java.util.function.Consumer<KeyValue> add) {
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode v = e.getValue();
            AnyValue value = v.isTextual() ? AnyValue.newBuilder().setStringValue(v.textValue()).build()
                    : SpanForm.anyValue(v);
            add.accept(KeyValue.newBuilder().setKey(e.getKey()).setValue(value).build());
        }
    }

    /**
     * A served span (OTel JSON in {@link SpanForm}) as a v3 dict, the form of a {@code traces.json}: ids in base64
     * (as in the OTel JSON), the root's parent null, attribute values JSON-encoded as MLflow's Python SDK keeps them.
     */
    static ObjectNode toDict(JsonNode span) {
        ObjectNode d = Json.object();
        d.set("trace_id", span.get("trace_id"));
        d.set("span_id", span.get("span_id"));
        JsonNode parent = span.get("parent_span_id");
        if (parent == null || parent.asText().isEmpty()) {
            d.putNull("parent_span_id");
        } else {
            d.set("parent_span_id", parent);
        }
        d.put("name", span.path("name").asText());
        d.set("start_time_unix_nano", span.path("start_time_unix_nano"));
        d.set("end_time_unix_nano", span.has("end_time_unix_nano") ? span.get("end_time_unix_nano") : null);
        var events = d.putArray("events");
        for (JsonNode e : span.path("events")) {
            ObjectNode event = events.addObject().put("name", e.path("name").asText());
            event.set("time_unix_nano", e.path("time_unix_nano"));
            ObjectNode attributes = event.putObject("attributes");
            for (JsonNode kv : e.path("attributes")) {
                attributes.set(kv.path("key").asText(), SpanForm.value(kv.path("value")));
            }
        }
        d.putObject("status").put("code", span.path("status").path("code").asText("STATUS_CODE_UNSET"))
                .put("message", span.path("status").path("message").asText(""));
        ObjectNode attributes = d.putObject("attributes");
        for (JsonNode kv : span.path("attributes")) {
            attributes.put(kv.path("key").asText(), AttributeValues.encode(SpanForm.value(kv.path("value"))));
        }
        return d;
    }
}
