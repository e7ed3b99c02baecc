package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one instrumentation family's span attributes say in MLflow's terms: span type, token usage, inputs and
 * outputs, model, provider, tool definitions and the message format the chat view renders. MLflow keeps one such
 * translator per family ({@code mlflow/tracing/otel/translation/}) and asks them in a fixed order; the first that
 * answers wins (see {@link SpanTranslation}). Every answer is optional: a family that does not recognise a span says
 * nothing about it.
 */
public interface SpanTranslator {

    /** The family's name, for logs and tests. */
    String family();

    default Optional<String> spanType(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    default TokenCounts tokens(Map<String, JsonNode> attributes) {
        return TokenCounts.NONE;
    }

    default Optional<JsonNode> input(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    default Optional<JsonNode> output(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    /** Inputs carried by span events (Spring AI, the GenAI message events); asked only when no family's attributes had any. */
    default Optional<JsonNode> inputFromEvents(List<SpanEvent> events) {
        return Optional.empty();
    }

    default Optional<JsonNode> outputFromEvents(List<SpanEvent> events) {
        return Optional.empty();
    }

    default Optional<String> model(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    default Optional<String> provider(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    default Optional<JsonNode> tools(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    /** The chat view's parser hint ({@code mlflow.message.format}), for families whose messages need their own. */
    default Optional<String> messageFormat(Map<String, JsonNode> attributes) {
        return Optional.empty();
    }

    /** One span event, its attributes decoded like the span's. */
    record SpanEvent(String name, Map<String, JsonNode> attributes) {}

    /** Token counts a family reports; any of them may be missing. */
    record TokenCounts(Optional<Long> input, Optional<Long> output, Optional<Long> total, Optional<Long> cacheRead,
            Optional<Long> cacheCreation) {
        public static final TokenCounts NONE = new TokenCounts(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());

        public boolean any() {
            return input.isPresent() || output.isPresent() || total.isPresent();
        }
    }
}
