package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.JudgeModel.JudgeModelException;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.provider.Operation;
import java.util.List;
import java.util.Optional;

/**
 * An agent that is a chat endpoint of this server's AI gateway, in the simulation's workspace: the conversation goes
 * as the chat's messages (the case's context as extra request fields), called in process, with the endpoint's
 * fallbacks, limits and usage tracking as for any caller.
 */
final class GatewayAgent implements ConversationAgent {
    /** Who the gateway's usage and budgets see calling. */
    static final String CALLER = "osprey-simulation";
    private final Gateway gateway;
    private final String endpoint;
    private final String workspace;

    GatewayAgent(Gateway gateway, String endpoint, String workspace) {
        this.gateway = gateway;
        this.endpoint = endpoint;
        this.workspace = workspace;
    }

    @Override
    public String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context) {
        ObjectNode body = context.deepCopy();
        body.put("model", endpoint);
        ArrayNode list = body.putArray("messages");
        messages.forEach(m -> list.addObject().put("role", m.role()).put("content", m.content()));
        try {
            Gateway.Reply reply = gateway.invoke(new Invocation(endpoint, Operation.CHAT, body, CALLER, false,
                    Optional.empty(), workspace));
            return OpenAiJudgeModel.reply("gateway endpoint " + endpoint, reply.status(), reply.body());
        } catch (GatewayException e) {
            throw new JudgeModelException("Gateway endpoint " + endpoint + " answered HTTP " + e.status() + ": "
                    + e.getMessage(), e.status() == 429 || e.status() >= 500);
        }
    }
}
