package dev.osprey.server.traces.translate;

import static dev.osprey.server.traces.translate.KeyedTranslator.Key.of;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * The Vercel AI SDK's telemetry: span type from {@code ai.operationId}; inputs and outputs from {@code ai.prompt},
 * tool-call and embedding attributes; for the model call itself ({@code doGenerate} / {@code doStream}) every
 * {@code ai.prompt.*} attribute becomes one input object and every {@code ai.response.*} one output object.
 */
final class VercelAiTranslator extends KeyedTranslator {
    private static final String OPERATION = "ai.operationId";

    VercelAiTranslator() {
        super("vercel-ai");
        kinds(OPERATION, Map.ofEntries(Map.entry("ai.generateText", Families.LLM),
                Map.entry("ai.generateText.doGenerate", Families.LLM), Map.entry("ai.toolCall", Families.TOOL),
                Map.entry("ai.streamText", Families.LLM), Map.entry("ai.streamText.doStream", Families.LLM),
                Map.entry("ai.generateObject", Families.LLM), Map.entry("ai.generateObject.doGenerate", Families.LLM),
                Map.entry("ai.streamObject", Families.LLM), Map.entry("ai.streamObject.doStream", Families.LLM),
                Map.entry("ai.embed", Families.EMBEDDING), Map.entry("ai.embed.doEmbed", Families.EMBEDDING),
                Map.entry("ai.embedMany", Families.EMBEDDING)));
        inputs(of("ai.prompt"), of("ai.toolCall.args"), of("ai.value"), of("ai.values"));
        outputs(of("ai.response.text"), of("ai.toolCall.result"), of("ai.response.object"), of("ai.embedding"),
                of("ai.embeddings"));
    }

    private static boolean isChatCall(Map<String, JsonNode> attributes) {
        JsonNode op = attributes.get(OPERATION);
        return op != null && (op.asText().equals("ai.generateText.doGenerate")
                || op.asText().equals("ai.streamText.doStream"));
    }

    @Override
    public Optional<JsonNode> input(Map<String, JsonNode> attributes) {
        if (!isChatCall(attributes)) {
            return super.input(attributes);
        }
        ObjectNode inputs = unpack(attributes, "ai.prompt.");
        if (inputs.get("tools") instanceof ArrayNode tools) {
            for (int i = 0; i < tools.size(); i++) {
                tools.set(i, decodeNested(tools.get(i)));
            }
        }
        return inputs.isEmpty() ? Optional.empty() : Optional.of(inputs);
    }

    @Override
    public Optional<JsonNode> output(Map<String, JsonNode> attributes) {
        if (!isChatCall(attributes)) {
            return super.output(attributes);
        }
        ObjectNode outputs = unpack(attributes, "ai.response.");
        return outputs.isEmpty() ? Optional.empty() : Optional.of(outputs);
    }

    @Override
    public Optional<String> messageFormat(Map<String, JsonNode> attributes) {
        return isChatCall(attributes) ? Optional.of("vercel_ai") : Optional.empty();
    }

    private static ObjectNode unpack(Map<String, JsonNode> attributes, String prefix) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        attributes.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                out.set(key.substring(prefix.length()), decodeNested(value));
            }
        });
        return out;
    }

    /** The SDK JSON-encodes some values twice; MLflow unwraps up to three layers, as here. */
    private static JsonNode decodeNested(JsonNode value) {
        JsonNode current = value;
        for (int depth = 0; depth < 2 && current.isTextual(); depth++) {
            JsonNode next = AttributeValues.decodeText(current.textValue());
            if (next.equals(current)) {
                break;
            }
            current = next;
        }
        return current;
    }
}
