package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.osprey.protocol.Json;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Decodes an OTLP/HTTP trace export body (spec/tracing.md §3): gzip, deflate (zlib, or raw deflate) or identity;
 * protobuf or OTLP/JSON. OTLP/JSON writes trace and span ids as hex where protobuf JSON expects base64, so they are
 * rewritten before parsing; unknown fields (newer OTLP protos) are ignored.
 */
final class OtlpRequests {
    /** Bodies are bounded after decompression too, so a small gzip bomb cannot fill the heap. */
    static final int MAX_DECODED_BYTES = 64 * 1024 * 1024;
    private static final List<String> ID_FIELDS = List.of("traceId", "trace_id", "spanId", "span_id",
            "parentSpanId", "parent_span_id");

    private OtlpRequests() {}

    /** A client error with the HTTP status and FastAPI-style detail MLflow answers with. */
    static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Rejected(int status, String detail) {
            super(detail);
            this.status = status;
        }
    }

    /** Every span of an export, in order. */
    static java.util.List<io.opentelemetry.proto.trace.v1.Span> spans(ExportTraceServiceRequest request) {
        java.util.List<io.opentelemetry.proto.trace.v1.Span> spans = new java.util.ArrayList<>();
        for (var resourceSpans : request.getResourceSpansList()) {
            for (var scopeSpans : resourceSpans.getScopeSpansList()) {
                spans.addAll(scopeSpans.getSpansList());
            }
        }
        return spans;
    }

    static byte[] decompress(byte[] body, String encoding) {
        String e = encoding.trim().toLowerCase(Locale.ROOT);
        try {
            return switch (e) {
                case "", "identity", "none" -> body;
                case "gzip" -> readBounded(new GZIPInputStream(new ByteArrayInputStream(body)));
                case "deflate" -> inflate(body);
                default -> throw new Rejected(400, "Unsupported Content-Encoding: " + encoding);
            };
        } catch (IOException ex) {
            throw new Rejected(400, "Failed to decompress the request body (" + encoding + "): " + ex.getMessage());
        }
    }

    private static byte[] inflate(byte[] body) throws IOException {
        try {
            return readBounded(new InflaterInputStream(new ByteArrayInputStream(body)));
        } catch (java.util.zip.ZipException zlibFailed) {
            return readBounded(new InflaterInputStream(new ByteArrayInputStream(body), new Inflater(true)));
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        try (in) {
            byte[] out = in.readNBytes(MAX_DECODED_BYTES + 1);
            if (out.length > MAX_DECODED_BYTES) {
                throw new Rejected(413, "Request body exceeds " + MAX_DECODED_BYTES + " bytes once decompressed.");
            }
            return out;
        }
    }

    static ExportTraceServiceRequest parse(byte[] body, String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        ExportTraceServiceRequest request;
        if (type.startsWith("application/x-protobuf") || type.startsWith("application/protobuf")) {
            try {
                request = ExportTraceServiceRequest.parseFrom(body);
            } catch (InvalidProtocolBufferException e) {
                throw new Rejected(400, "Invalid OpenTelemetry protobuf format");
            }
        } else if (type.startsWith("application/json")) {
            request = parseJson(body);
        } else {
            throw new Rejected(400, "Invalid Content-Type: " + contentType + ". Use application/x-protobuf or "
                    + "application/json.");
        }
        if (request.getResourceSpansCount() == 0) {
            throw new Rejected(400, "Invalid OpenTelemetry protobuf format - no spans found");
        }
        return request;
    }

    private static ExportTraceServiceRequest parseJson(byte[] body) {
        JsonNode tree;
        try {
            tree = Json.read(body);
        } catch (IOException e) {
            throw new Rejected(400, "Invalid OpenTelemetry JSON format");
        }
        if (!(tree instanceof ObjectNode)) {
            throw new Rejected(400, "Invalid OpenTelemetry JSON format");
        }
        hexIdsToBase64(tree);
        ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(Json.writeString(tree), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new Rejected(400, "Invalid OpenTelemetry JSON format: " + e.getMessage());
        }
        return builder.build();
    }

    /** OTLP/JSON ids are hex strings; protobuf JSON reads bytes as base64. */
    private static void hexIdsToBase64(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String field : ID_FIELDS) {
                JsonNode id = object.get(field);
                if (id != null && id.isTextual()) {
                    String text = id.textValue();
                    if (text.isEmpty()) {
                        object.remove(field);
                    } else if (text.matches("[0-9a-fA-F]+") && text.length() % 2 == 0) {
                        object.put(field, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(text)));
                    }
                }
            }
            object.elements().forEachRemaining(OtlpRequests::hexIdsToBase64);
        } else if (node instanceof ArrayNode array) {
            array.elements().forEachRemaining(OtlpRequests::hexIdsToBase64);
        }
    }
}
