package dev.osprey.server.traces.translate;

import static dev.osprey.server.traces.translate.KeyedTranslator.Key.of;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenTelemetry GenAI semantic conventions: span type from {@code gen_ai.operation.name}, usage, model,
 * provider, tool definitions, messages from {@code gen_ai.input.messages} / {@code gen_ai.output.messages} or a tool
 * call's arguments and result, and the older message events ({@code gen_ai.user.message}, {@code gen_ai.choice}, ...).
 */
class GenAiTranslator extends KeyedTranslator {
    static final String OPERATION = "gen_ai.operation.name";

    GenAiTranslator() {
        this("genai");
    }

    GenAiTranslator(String family) {
        super(family);
        kinds(OPERATION, Map.of("chat", Families.CHAT_MODEL, "create_agent", Families.AGENT, "embeddings",
                Families.EMBEDDING, "execute_tool", Families.TOOL, "generate_content", Families.LLM, "invoke_agent",
                Families.AGENT, "text_completion", Families.LLM, "response", Families.LLM));
        tokens("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", null);
        cacheTokens("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens");
        inputs(of("gen_ai.input.messages"), of("gen_ai.tool.call.arguments"));
        outputs(of("gen_ai.output.messages"), of("gen_ai.tool.call.result"));
        models("gen_ai.response.model", "gen_ai.request.model");
        provider("gen_ai.provider.name");
        tools("gen_ai.tool.definitions");
    }

    @Override
    public Optional<JsonNode> inputFromEvents(List<SpanEvent> events) {
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        for (SpanEvent event : events) {
            String role = switch (event.name()) {
                case "gen_ai.system.message" -> "system";
                case "gen_ai.user.message" -> "user";
                case "gen_ai.assistant.message" -> "assistant";
                default -> null;
            };
            JsonNode content = event.attributes().get("content");
            if (role != null && AttributeValues.present(content)) {
                messages.addObject().put("role", role).set("content", content);
            }
        }
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages);
    }

    @Override
    public Optional<JsonNode> outputFromEvents(List<SpanEvent> events) {
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        for (SpanEvent event : events) {
            JsonNode content = event.attributes().get("content");
            if (event.name().equals("gen_ai.choice") && AttributeValues.present(content)) {
                ObjectNode message = messages.addObject();
                message.set("role", event.attributes().getOrDefault("role",
                        JsonNodeFactory.instance.textNode("assistant")));
                message.set("content", content);
            }
        }
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages);
    }
}
