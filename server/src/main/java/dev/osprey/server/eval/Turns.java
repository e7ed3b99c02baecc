package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;

/** A trace's inputs or outputs as the text of one conversation turn. */
final class Turns {
    private Turns() {}

    /**
     * Plain text as is; a chat request (its {@code messages}, or the {@code input} of MLflow's simulator) or answer by
     * its last message's content; an object with one text field by that field (MLflow's {@code {"question": ...}}
     * inputs); anything else as JSON.
     */
    static String text(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return "";
        }
        if (value.isTextual()) {
            return value.asText();
        }
        JsonNode messages = value.path("messages").isArray() ? value.path("messages") : value.path("input");
        if (messages.isArray() && !messages.isEmpty()) {
            return text(messages.get(messages.size() - 1).path("content"));
        }
        JsonNode choices = value.path("choices");
        if (choices.isArray() && !choices.isEmpty()) {
            return text(choices.get(0).path("message").path("content"));
        }
        if (value.isObject() && value.size() == 1 && value.elements().next().isTextual()) {
            return value.elements().next().asText();
        }
        return value.toString();
    }
}
