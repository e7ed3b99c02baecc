package dev.osprey.server.traces.translate;

import static dev.osprey.server.traces.translate.KeyedTranslator.Key.of;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/**
 * VoltAgent: chat-formatted {@code agent.messages} / {@code llm.messages}, the span type in {@code span.type} (child
 * spans) or {@code entity.type} (the root agent span; children inherit their parent's, so {@code span.type} is asked
 * first), usage under {@code usage.*} or {@code llm.usage.*}.
 */
final class VoltAgentTranslator extends KeyedTranslator {
    private static final Map<String, String> TYPES = Map.of("agent", Families.AGENT, "llm", Families.LLM, "tool",
            Families.TOOL, "memory", Families.MEMORY);

    VoltAgentTranslator() {
        super("voltagent");
        inputs(of("agent.messages"), of("llm.messages"), of("input"));
        outputs(of("output"));
    }

    @Override
    public Optional<String> spanType(Map<String, JsonNode> attributes) {
        for (String key : new String[] {"span.type", "entity.type"}) {
            Optional<String> type = AttributeValues.presentValue(attributes, key).flatMap(AttributeValues::text)
                    .map(TYPES::get);
            if (type.isPresent()) {
                return type;
            }
        }
        return Optional.empty();
    }

    @Override
    public TokenCounts tokens(Map<String, JsonNode> attributes) {
        return new TokenCounts(count(attributes, "usage.prompt_tokens", "llm.usage.prompt_tokens"),
                count(attributes, "usage.completion_tokens", "llm.usage.completion_tokens"),
                count(attributes, "usage.total_tokens", "llm.usage.total_tokens"), Optional.empty(), Optional.empty());
    }

    private static Optional<Long> count(Map<String, JsonNode> attributes, String key, String fallback) {
        return AttributeValues.presentValue(attributes, key).or(() -> AttributeValues.presentValue(attributes,
                fallback)).flatMap(AttributeValues::count);
    }

    @Override
    public Optional<String> messageFormat(Map<String, JsonNode> attributes) {
        return attributes.containsKey("voltagent.operation_id") || attributes.containsKey("voltagent.conversation_id")
                ? Optional.of("voltagent") : Optional.empty();
    }
}
