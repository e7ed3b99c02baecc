package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;

/**
 * Legacy text completions for providers that only chat (Anthropic, Gemini, Bedrock): the prompt becomes one user
 * message, and each chat choice's message content becomes the completion's {@code text}.
 */
public final class CompletionsAsChat {
    private static final String[] CARRIED = {"max_tokens", "temperature", "top_p", "stop", "n", "user"};

    private CompletionsAsChat() {}

    /** Whether a provider answers completions only through this translation. */
    public static boolean needed(ProviderAdapter adapter, Operation operation) {
        return operation == Operation.COMPLETIONS && !adapter.supports(Operation.COMPLETIONS)
                && adapter.supports(Operation.CHAT);
    }

    public static ObjectNode chatRequest(ObjectNode completion) {
        ObjectNode chat = Json.object();
        JsonNode prompt = completion.path("prompt");
        String text = prompt.isArray() ? prompt.path(0).asText("") : prompt.asText("");
        chat.putArray("messages").addObject().put("role", "user").put("content", text);
        for (String field : CARRIED) {
            if (completion.hasNonNull(field)) {
                chat.set(field, completion.get(field));
            }
        }
        return chat;
    }

    public static ObjectNode completionResponse(JsonNode chat) {
        ObjectNode out = Json.object();
        out.put("id", chat.path("id").asText());
        out.put("object", "text_completion");
        out.put("created", chat.path("created").asLong());
        out.put("model", chat.path("model").asText());
        ArrayNode choices = out.putArray("choices");
        for (JsonNode c : chat.path("choices")) {
            ObjectNode choice = choices.addObject().put("index", c.path("index").asInt())
                    .put("text", c.path("message").path("content").asText(""));
            choice.putNull("logprobs");
            choice.set("finish_reason", c.path("finish_reason"));
        }
        out.set("usage", chat.path("usage"));
        return out;
    }
}
