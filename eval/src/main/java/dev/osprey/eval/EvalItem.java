package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a scorer judges: the inputs, the outputs, the expectations (ground truth) and, when the item came from a
 * trace, what the trace shows.
 */
public record EvalItem(JsonNode inputs, JsonNode outputs, JsonNode expectations, Optional<TraceFacts> trace,
        List<Turn> conversation) {
    public EvalItem {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(outputs, "outputs");
        Objects.requireNonNull(expectations, "expectations");
        Objects.requireNonNull(trace, "trace");
        conversation = List.copyOf(conversation);
    }

    /** A single-turn item. */
    public EvalItem(JsonNode inputs, JsonNode outputs, JsonNode expectations, Optional<TraceFacts> trace) {
        this(inputs, outputs, expectations, trace, List.of());
    }

    /** A whole session, for conversation-level judges: its turns in order. */
    public static EvalItem session(List<Turn> turns) {
        return session(turns, dev.osprey.protocol.Json.object());
    }

    /** A whole session with its session-level ground truth (MLflow keeps it on the session's first trace). */
    public static EvalItem session(List<Turn> turns, JsonNode expectations) {
        com.fasterxml.jackson.databind.node.ObjectNode empty = dev.osprey.protocol.Json.object();
        return new EvalItem(empty, empty, expectations, Optional.empty(), turns);
    }

    /** One message of a conversation. */
    public record Turn(String role, String content) {
        public Turn {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    /**
     * The facts deterministic scorers read from a trace.
     *
     * @param toolCalls the names of TOOL spans in start order
     * @param retrievedDocuments the text of documents RETRIEVER spans returned, in order
     */
    public record TraceFacts(long executionTimeMs, long totalTokens, List<String> toolCalls,
            List<String> retrievedDocuments) {
        public TraceFacts {
            toolCalls = List.copyOf(toolCalls);
            retrievedDocuments = List.copyOf(retrievedDocuments);
        }

        public TraceFacts(long executionTimeMs, long totalTokens, List<String> toolCalls) {
            this(executionTimeMs, totalTokens, toolCalls, List.of());
        }
    }

    /** The outputs as text: a string as is, {@code response}/{@code content} fields, else the JSON. */
    public String outputText() {
        return text(outputs);
    }

    static String text(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        for (String field : List.of("response", "content", "output", "text")) {
            if (node.path(field).isTextual()) {
                return node.path(field).asText();
            }
        }
        JsonNode choice = node.path("choices").path(0).path("message").path("content");
        if (choice.isTextual()) {
            return choice.asText();
        }
        return node.isMissingNode() || node.isNull() ? "" : node.toString();
    }
}
