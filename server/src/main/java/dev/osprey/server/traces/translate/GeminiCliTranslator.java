package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * Gemini CLI: GenAI keys with operation names of its own ({@code llm_call}, {@code tool_call}, {@code agent_call}),
 * recognised by {@code gen_ai.agent.name = gemini-cli}. Its messages are wrapped in the Gemini SDK's shapes
 * ({@code {"contents": [...]}} in, {@code {"candidates": [{"content": ...}]}} out) so the chat view renders them.
 */
final class GeminiCliTranslator extends GenAiTranslator {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    GeminiCliTranslator() {
        super("gemini-cli");
        kinds(OPERATION, Map.of("llm_call", Families.LLM, "tool_call", Families.TOOL, "agent_call",
                Families.AGENT));
    }

    private static boolean isGeminiCli(Map<String, JsonNode> attributes) {
        JsonNode agent = attributes.get("gen_ai.agent.name");
        return agent != null && agent.isTextual() && agent.textValue().equals("gemini-cli");
    }

    @Override
    public Optional<String> spanType(Map<String, JsonNode> attributes) {
        return isGeminiCli(attributes) ? super.spanType(attributes) : Optional.empty();
    }

    @Override
    public Optional<String> messageFormat(Map<String, JsonNode> attributes) {
        return isGeminiCli(attributes) ? Optional.of("gemini") : Optional.empty();
    }

    @Override
    public Optional<JsonNode> input(Map<String, JsonNode> attributes) {
        if (!isGeminiCli(attributes)) {
            return Optional.empty();
        }
        boolean systemPrompt = attributes.get(OPERATION) != null
                && attributes.get(OPERATION).asText().equals("system_prompt");
        return super.input(attributes).map(value -> wrapInput(value, systemPrompt));
    }

    private static JsonNode wrapInput(JsonNode value, boolean systemPrompt) {
        if (value.isObject() && value.has("contents")) {
            return value;
        }
        if (value.isArray() && systemPrompt) {
            ArrayNode rewritten = NODES.arrayNode();
            for (JsonNode item : value) {
                boolean user = item.isObject() && item.path("role").asText().equals("user");
                rewritten.add(user ? ((ObjectNode) item.deepCopy()).put("role", "system") : item);
            }
            value = rewritten;
        }
        return value.isArray() || value.isTextual() ? NODES.objectNode().set("contents", value) : value;
    }

    @Override
    public Optional<JsonNode> output(Map<String, JsonNode> attributes) {
        if (!isGeminiCli(attributes)) {
            return Optional.empty();
        }
        return super.output(attributes).map(GeminiCliTranslator::wrapOutput);
    }

    /** One candidate holding the parts of every streamed content object, as the chat view expects. */
    private static JsonNode wrapOutput(JsonNode value) {
        if (!value.isArray()) {
            return value;
        }
        ArrayNode parts = NODES.arrayNode();
        for (JsonNode item : value) {
            if (item.path("parts").isArray()) {
                parts.addAll((ArrayNode) item.get("parts"));
            }
        }
        if (parts.isEmpty()) {
            return value;
        }
        ObjectNode wrapped = NODES.objectNode();
        wrapped.putArray("candidates").addObject().putObject("content").put("role", "model").set("parts", parts);
        return wrapped;
    }
}
