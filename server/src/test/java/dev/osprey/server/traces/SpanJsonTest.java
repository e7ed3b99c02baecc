package dev.osprey.server.traces;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.math.BigInteger;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one-pass span writer against the form stored spans have always had: protobuf's JsonFormat printer with proto
 * field names, then its 64-bit strings turned into numbers by a Jackson pass. Random spans cover every field,
 * every value kind, empty and unset values, escapes, unicode, unsigned extremes and special doubles.
 */
class SpanJsonTest {
    private static final Set<String> INT64_FIELDS = Set.of("start_time_unix_nano", "end_time_unix_nano",
            "time_unix_nano", "int_value");
    private final Random random = new Random(18);

    private static String reference(Span span) throws Exception {
        JsonNode tree = Json.read(JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace()
                .print(span));
        numbers(tree);
        return Json.writeString(tree);
    }

    private static void numbers(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String field : INT64_FIELDS) {
                JsonNode v = object.get(field);
                if (v != null && v.isTextual()) {
                    object.put(field, new BigInteger(v.textValue()));
                }
            }
            object.elements().forEachRemaining(SpanJsonTest::numbers);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(SpanJsonTest::numbers);
        }
    }

    private String text() {
        String[] pool = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\u0001", "üñí©ødé ✓ 𝄞",
                "{\"json\": [1, 2]}", "\"LLM\"", "</script>"};
        return pool[random.nextInt(pool.length)];
    }

    private long longValue() {
        long[] pool = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1_795_715_395_429_160_437L, random.nextLong()};
        return pool[random.nextInt(pool.length)];
    }

    private AnyValue value(int depth) {
        AnyValue.Builder v = AnyValue.newBuilder();
        switch (random.nextInt(depth > 2 ? 6 : 9)) {
            case 0 -> v.setStringValue(text());
            case 1 -> v.setBoolValue(random.nextBoolean());
            case 2 -> v.setIntValue(longValue());
            case 3 -> {
                double[] pool = {0.0, -0.0, 0.0025, 1e20, 1.5e-10, Double.NaN, Double.POSITIVE_INFINITY,
                        Double.NEGATIVE_INFINITY, 123456789.125, random.nextDouble() * 1000};
                v.setDoubleValue(pool[random.nextInt(pool.length)]);
            }
            case 4 -> v.setBytesValue(ByteString.copyFrom(bytes(random.nextInt(5))));
            case 5 -> { } // unset
            case 6 -> {
                ArrayValue.Builder a = ArrayValue.newBuilder();
                for (int i = random.nextInt(3); i > 0; i--) {
                    a.addValues(value(depth + 1));
                }
                v.setArrayValue(a);
            }
            case 7 -> {
                KeyValueList.Builder l = KeyValueList.newBuilder();
                for (int i = random.nextInt(3); i > 0; i--) {
                    l.addValues(keyValue(depth + 1));
                }
                v.setKvlistValue(l);
            }
            default -> v.setStringValueStrindex(random.nextInt(3));
        }
        return v.build();
    }

    private KeyValue keyValue(int depth) {
        KeyValue.Builder kv = KeyValue.newBuilder().setKey(text());
        if (random.nextInt(8) > 0) {
            kv.setValue(value(depth));
        }
        if (random.nextInt(10) == 0) {
            kv.setKeyStrindex(random.nextInt(4));
        }
        return kv.build();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Span span() {
        Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(bytes(random.nextBoolean() ? 16 : 0)))
                .setSpanId(ByteString.copyFrom(bytes(8))).setTraceState(text())
                .setParentSpanId(ByteString.copyFrom(bytes(random.nextBoolean() ? 8 : 0)))
                .setFlags(random.nextInt(3) == 0 ? -1 : random.nextInt(3)).setName(text())
                .setKindValue(random.nextInt(6)).setStartTimeUnixNano(longValue()).setEndTimeUnixNano(longValue())
                .setDroppedAttributesCount(random.nextInt(3) == 0 ? -5 : random.nextInt(2))
                .setDroppedEventsCount(random.nextInt(2)).setDroppedLinksCount(random.nextInt(2));
        for (int i = random.nextInt(5); i > 0; i--) {
            s.addAttributes(keyValue(0));
        }
        for (int i = random.nextInt(3); i > 0; i--) {
            Span.Event.Builder e = Span.Event.newBuilder().setTimeUnixNano(longValue()).setName(text())
                    .setDroppedAttributesCount(random.nextInt(2));
            for (int j = random.nextInt(3); j > 0; j--) {
                e.addAttributes(keyValue(0));
            }
            s.addEvents(e);
        }
        for (int i = random.nextInt(3); i > 0; i--) {
            Span.Link.Builder l = Span.Link.newBuilder().setTraceId(ByteString.copyFrom(bytes(16)))
                    .setSpanId(ByteString.copyFrom(bytes(8))).setTraceState(text()).setFlags(random.nextInt(2))
                    .setDroppedAttributesCount(random.nextInt(2));
            for (int j = random.nextInt(2); j > 0; j--) {
                l.addAttributes(keyValue(0));
            }
            s.addLinks(l);
        }
        switch (random.nextInt(3)) {
            case 0 -> { } // no status
            case 1 -> s.setStatus(Status.getDefaultInstance());
            default -> s.setStatus(Status.newBuilder().setMessage(text()).setCodeValue(random.nextInt(3)));
        }
        return s.build();
    }

    @Test
    void writesWhatTheProtobufPrinterAndTheNumberPassWrote() throws Exception {
        for (int i = 0; i < 3000; i++) {
            Span span = span();
            assertThat(SpanJson.write(span)).as("span %d: %s", i, span).isEqualTo(reference(span));
        }
    }

    @Test
    void anEmptySpan_isAnEmptyObject() throws Exception {
        assertThat(SpanJson.write(Span.getDefaultInstance())).isEqualTo("{}").isEqualTo(reference(
                Span.getDefaultInstance()));
    }
}
