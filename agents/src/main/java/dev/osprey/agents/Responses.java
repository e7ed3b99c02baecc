package dev.osprey.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.util.UUID;
import java.util.function.Consumer;

/** Building Responses API answers and events as MLflow's ResponsesAgent helpers do. */
public final class Responses {
    private Responses() {}

    /** An assistant message output item with one text part. */
    public static ObjectNode textItem(String text) {
        ObjectNode item = Json.object().put("type", "message").put("id", "msg_" + id()).put("role", "assistant")
                .put("status", "completed");
        item.putArray("content").addObject().put("type", "output_text").put("text", text).putArray("annotations");
        return item;
    }

    /** A complete response holding one assistant message. */
    public static ObjectNode text(String text) {
        ObjectNode response = Json.object().put("object", "response");
        response.putArray("output").add(textItem(text));
        return response;
    }

    private static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * Fills what the OpenAI clients read from a response that an agent left out: an id, {@code created_at}, the
     * model, {@code status}, {@code object}.
     */
    static ObjectNode complete(ObjectNode response, String model) {
        if (!response.hasNonNull("id")) {
            response.put("id", "resp_" + id());
        }
        if (!response.hasNonNull("created_at")) {
            response.put("created_at", System.currentTimeMillis() / 1000);
        }
        if (!response.hasNonNull("model")) {
            response.put("model", model);
        }
        if (!response.hasNonNull("status")) {
            response.put("status", "completed");
        }
        response.put("object", "response");
        if (!response.has("parallel_tool_calls")) {
            response.put("parallel_tool_calls", false);
        }
        if (!response.has("tools")) {
            response.putArray("tools");
        }
        if (!response.has("tool_choice")) {
            response.put("tool_choice", "auto");
        }
        return response;
    }

    /** A whole response as stream events: a text delta per message part, each item done, then completed. */
    static void streamWhole(ObjectNode response, Consumer<ObjectNode> events) {
        JsonNode output = response.path("output");
        int index = 0;
        for (JsonNode item : output) {
            if (item.path("type").asText().equals("message")) {
                for (JsonNode part : item.path("content")) {
                    if (part.path("type").asText().equals("output_text")) {
                        events.accept(Json.object().put("type", "response.output_text.delta")
                                .put("item_id", item.path("id").asText()).put("output_index", index)
                                .put("content_index", 0).put("delta", part.path("text").asText()));
                    }
                }
            }
            ObjectNode done = Json.object().put("type", "response.output_item.done").put("output_index", index);
            done.set("item", item);
            events.accept(done);
            index++;
        }
        ObjectNode completed = Json.object().put("type", "response.completed");
        completed.set("response", response);
        events.accept(completed);
    }

    /** The text of a response's assistant messages, joined (the OpenAI SDKs' {@code output_text}). */
    public static String outputText(JsonNode response) {
        StringBuilder out = new StringBuilder();
        for (JsonNode item : response.path("output")) {
            if (item.path("type").asText().equals("message")) {
                out.append(AgentRequest.text(item.path("content")));
            }
        }
        return out.toString();
    }

    static ArrayNode array() {
        return Json.MAPPER.createArrayNode();
    }
}
