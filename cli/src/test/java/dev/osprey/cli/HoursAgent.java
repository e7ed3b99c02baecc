package dev.osprey.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.agents.AgentRequest;
import dev.osprey.agents.Responses;
import dev.osprey.agents.ResponsesAgent;

/** A store assistant served by {@code osprey agents serve} in the CLI's tests. */
public final class HoursAgent implements ResponsesAgent {
    @Override
    public ObjectNode predict(AgentRequest request) {
        return Responses.text(request.lastUserText().contains("open") ? "We are open 9 to 6." : "Ask me anything.");
    }
}
