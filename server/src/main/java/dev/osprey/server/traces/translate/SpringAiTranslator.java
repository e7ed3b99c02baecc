package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Spring AI's observations: GenAI conventions for type and usage, but the prompt and the completion travel in span
 * events ({@code gen_ai.content.prompt} with {@code gen_ai.prompt}, {@code gen_ai.content.completion} with
 * {@code gen_ai.completion}) rather than in attributes.
 */
final class SpringAiTranslator extends KeyedTranslator {
    SpringAiTranslator() {
        super("spring-ai");
        kinds(GenAiTranslator.OPERATION, Map.of("chat", Families.CHAT_MODEL, "embeddings", Families.EMBEDDING));
        tokens("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", null);
    }

    @Override
    public Optional<JsonNode> inputFromEvents(List<SpanEvent> events) {
        return eventValue(events, "gen_ai.content.prompt", "gen_ai.prompt");
    }

    @Override
    public Optional<JsonNode> outputFromEvents(List<SpanEvent> events) {
        return eventValue(events, "gen_ai.content.completion", "gen_ai.completion");
    }

    private static Optional<JsonNode> eventValue(List<SpanEvent> events, String eventName, String key) {
        return events.stream().filter(e -> e.name().equals(eventName))
                .flatMap(e -> AttributeValues.presentValue(e.attributes(), key).stream()).findFirst();
    }
}
