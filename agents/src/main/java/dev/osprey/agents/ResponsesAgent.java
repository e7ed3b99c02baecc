package dev.osprey.agents;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;

/**
 * A Java agent behind MLflow's agent server protocol (MLflow's {@code ResponsesAgent}): it answers a Responses API
 * request with a Responses API response ({@code output} items, e.g. {@link Responses#text}), and may stream its
 * answer as Responses API events. Implementations need a public no-argument constructor to be served by
 * {@code osprey agents serve}.
 */
public interface ResponsesAgent {

    /** The whole answer: an object with an {@code output} list. */
    ObjectNode predict(AgentRequest request) throws Exception;

    /**
     * The answer as events, each with a {@code type} ({@code response.output_text.delta},
     * {@code response.output_item.done}, ...). By default the whole answer from {@link #predict}, as a text delta per
     * message, each output item done, and {@code response.completed}.
     */
    default void predictStream(AgentRequest request, Consumer<ObjectNode> events) throws Exception {
        Responses.streamWhole(predict(request), events);
    }
}
