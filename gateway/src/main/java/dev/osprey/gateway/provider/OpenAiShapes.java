package dev.osprey.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI-shaped pieces every translating adapter (Anthropic, Gemini, Bedrock) builds or reads, written once:
 * stream chunks, usage, tool calls, an assistant message from text and tool calls, stop sequences, the user turn
 * that tool results join.
 */
final class OpenAiShapes {
    private OpenAiShapes() {}

    /** A {@code chat.completion.chunk} with one choice; {@code finishReason} null while the answer goes on. */
    static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finishReason) {
        ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    static ObjectNode usage(long input, long output) {
        return Json.object().put("prompt_tokens", input).put("completion_tokens", output)
                .put("total_tokens", input + output);
    }

    /** Appends {@code {id, type: function, function: {name, arguments}}} to {@code calls}; returns it. */
    static ObjectNode toolCall(ArrayNode calls, String id, String name, String arguments) {
        ObjectNode call = calls.addObject().put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", arguments);
        return call;
    }

    /** Fills an assistant message: the text (null when there are only tool calls) and the tool calls. */
    static void message(ObjectNode message, CharSequence text, ArrayNode calls) {
        if (calls.isEmpty() || !text.isEmpty()) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
    }

    /** The request's {@code stop}: one string or a list, none when absent. */
    static List<String> stops(JsonNode chat) {
        JsonNode stop = chat.get("stop");
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isArray()) {
            stop.forEach(s -> out.add(s.asText()));
        } else {
            out.add(stop.asText());
        }
        return out;
    }

    /** A tool call's JSON-encoded arguments, parsed; a client error when they are not JSON. */
    static JsonNode arguments(String json) {
        try {
            return Json.read(json.isBlank() ? "{}" : json);
        } catch (IOException e) {
            throw new ProviderException(400, "A tool call's arguments are not JSON.", false);
        }
    }

    /**
     * The content list of the last message when it is the user's, else of a new user message: consecutive tool
     * results and user text form one user turn, as Anthropic and Bedrock require.
     */
    static ArrayNode userContent(ArrayNode messages) {
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && last.path("role").asText().equals("user")) {
            return (ArrayNode) last.get("content");
        }
        return messages.addObject().put("role", "user").putArray("content");
    }
}
