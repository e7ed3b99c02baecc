package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Speaks one provider's wire format on behalf of OpenAI-shaped requests: the request to send, the reply translated
 * back to OpenAI's shape, stream events translated chunk by chunk, and the provider's error message.
 */
public interface ProviderAdapter {

    /** Whether the provider serves the operation (an embeddings call to a chat-only provider is a client error). */
    boolean supports(Operation operation);

    UpstreamRequest request(Operation operation, ObjectNode openAiBody, Target target, boolean stream);

    /** Whether streamed answers come in AWS's binary event-stream framing instead of server-sent events. */
    default boolean binaryEventStream() {
        return false;
    }

    /** Whether the provider's replies already are OpenAI's shape, so their bytes can be passed on unchanged. */
    default boolean repliesInOpenAiShape() {
        return false;
    }

    /** The OpenAI-shaped answer for the provider's JSON reply. */
    ObjectNode response(Operation operation, JsonNode upstream, Target target);

    /**
     * A translator for one streamed answer.
     *
     * @param clientAskedForUsage whether the caller set {@code stream_options.include_usage}; if not, a usage-only
     *     chunk the gateway asked for on its own is not passed on
     */
    StreamTranslator stream(Operation operation, Target target, boolean clientAskedForUsage);

    /** The provider's own error message in a reply body, or the body itself. */
    default String errorMessage(JsonNode body, String raw) {
        JsonNode message = body.path("error").path("message");
        if (message.isTextual()) {
            return message.asText();
        }
        if (body.path("error").isTextual()) {
            return body.path("error").asText();
        }
        return raw.length() > 500 ? raw.substring(0, 500) : raw;
    }

    /** Usage in an OpenAI-shaped answer (what {@link #response} produced). */
    static Usage usageOf(JsonNode openAi) {
        JsonNode u = openAi.path("usage");
        return new Usage(u.path("prompt_tokens").asLong(), u.path("completion_tokens").asLong());
    }
}
