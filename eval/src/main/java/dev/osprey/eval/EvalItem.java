package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a scorer judges: the inputs, the outputs, the expectations (ground truth) and, when the item came from a
 * trace, what the trace shows.
 */
public record EvalItem(JsonNode inputs, JsonNode outputs, JsonNode expectations, Optional<TraceFacts> trace) {
    public EvalItem {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(outputs, "outputs");
        Objects.requireNonNull(expectations, "expectations");
        Objects.requireNonNull(trace, "trace");
    }

    /**
     * The facts deterministic scorers read from a trace.
     *
     * @param toolCalls the names of TOOL spans in start order
     */
    public record TraceFacts(long executionTimeMs, long totalTokens, List<String> toolCalls) {
        public TraceFacts {
            toolCalls = List.copyOf(toolCalls);
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
