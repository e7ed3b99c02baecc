package dev.osprey.server.eval;

import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.JudgeModel.JudgeModelException;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.provider.Operation;
import java.util.Optional;

/**
 * A judge whose model is an endpoint of this server's AI gateway, called in process: the judge brings no
 * credentials to the server (auth on or off), and the endpoint's fallbacks, limits, budgets and usage traces apply as
 * to any call. The endpoint must be in the workspace the judge runs for, so a job never spends another workspace's
 * provider credentials.
 */
final class GatewayJudgeModel implements JudgeModel {
    /** Who the gateway's usage and budgets see calling. */
    static final String CALLER = "osprey-judge";
    private final Gateway gateway;
    private final String endpoint;
    private final String workspace;
    private final String uri;

    GatewayJudgeModel(Gateway gateway, String endpoint, String workspace, String uri) {
        this.gateway = gateway;
        this.endpoint = endpoint;
        this.workspace = workspace;
        this.uri = uri;
    }

    @Override
    public String name() {
        return uri;
    }

    @Override
    public String complete(String system, String user) {
        if (gateway.config().endpoint(workspace, endpoint).isEmpty()) {
            throw new JudgeModelException("Judge model " + uri + ": no gateway endpoint '" + endpoint
                    + "' in workspace '" + workspace + "'.", false);
        }
        try {
            Gateway.Reply reply = gateway.invoke(new Invocation(endpoint, Operation.CHAT, OpenAiJudgeModel.request(
                    endpoint, system, user), CALLER, false, Optional.empty(), workspace));
            return OpenAiJudgeModel.reply(uri, reply.status(), reply.body());
        } catch (GatewayException e) {
            throw new JudgeModelException("Judge model " + uri + " answered HTTP " + e.status() + ": "
                    + e.getMessage(), e.status() == 429 || e.status() >= 500);
        }
    }
}
