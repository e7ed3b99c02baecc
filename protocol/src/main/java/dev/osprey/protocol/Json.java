package dev.osprey.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one Jackson configuration of the MLflow wire format, shared by the server and the SDK. */
public final class Json {
    /**
     * NaN and ±Infinity go out as the strings protobuf's JSON mapping uses; big decimals keep precision; numbers are
     * read as doubles only where a field says so.
     */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder().maxStringLength(64 * 1024 * 1024).build());
    }

    /** For values inside a document being streamed: what follows them is the rest of the document. */
    private static final com.fasterxml.jackson.databind.ObjectReader MEMBER_READER = MAPPER.reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Trees through one reader: {@code ObjectMapper.readTree} resolves the tree type again on every call. */
    private static final com.fasterxml.jackson.databind.ObjectReader TREE_READER = MAPPER.reader();

    private Json() {}

    /** The value the parser is on, as a tree, leaving the parser after it (one span of a large file, say). */
    public static JsonNode readMember(com.fasterxml.jackson.core.JsonParser parser) throws IOException {
        return MEMBER_READER.readTree(parser);
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** {@code {"<field>": value}}: the envelope most RPC answers put their entity in. */
    public static ObjectNode object(String field, JsonNode value) {
        ObjectNode node = object();
        node.set(field, value);
        return node;
    }

    public static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String writeString(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses JSON text; syntax errors surface as {@link IOException} for the caller to report. */
    public static JsonNode read(byte[] bytes) throws IOException {
        return TREE_READER.readTree(bytes);
    }

    public static JsonNode read(String text) throws IOException {
        return TREE_READER.readTree(text);
    }
}
