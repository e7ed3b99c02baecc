package dev.osprey.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * A ResponsesAgent request (MLflow's {@code ResponsesAgentRequest}, the OpenAI Responses API's request): the
 * {@code input} items — messages ({@code role}, {@code content}) and earlier output items — and the optional
 * {@code custom_inputs} and {@code context} ({@code conversation_id}, {@code user_id}).
 *
 * @param raw the whole request, for the Responses API parameters an agent may read ({@code temperature}, ...)
 */
public record AgentRequest(ArrayNode input, Optional<ObjectNode> customInputs, Optional<ObjectNode> context,
        ObjectNode raw) {

    /** The text of the last user message: what most agents answer. Empty when there is none. */
    public String lastUserText() {
        for (int i = input.size() - 1; i >= 0; i--) {
            JsonNode item = input.get(i);
            if (item.path("role").asText().equals("user")) {
                return text(item.path("content"));
            }
        }
        return "";
    }

    /** The conversation id from {@code context}, when the caller gave one (MLflow's session). */
    public Optional<String> conversationId() {
        return context.map(c -> c.path("conversation_id").asText("")).filter(s -> !s.isEmpty());
    }

    /** A message's content: a string, or the text parts of a list. */
    static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("text").isTextual()) {
                out.append(part.path("text").asText());
            }
        }
        return out.toString();
    }
}
