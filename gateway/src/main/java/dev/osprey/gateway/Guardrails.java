package dev.osprey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.config.GatewayEndpoint;

/**
 * MLflow 3.11's gateway guardrails as the gateway sees them: a check of each call before it reaches the provider
 * and of its answer before it reaches the caller. Either may pass the payload on unchanged, rewrite it, or refuse
 * the call with a {@link GatewayException} (400 for a violation). The gateway knows nothing of the judges behind
 * them; the server installs the implementation ({@link Gateway#guardWith}).
 */
public interface Guardrails {

    /** The request to send on. */
    ObjectNode beforeCall(GatewayEndpoint endpoint, Invocation call);

    /** The answer to return; not asked for streamed answers or embeddings, as in MLflow. */
    JsonNode afterCall(GatewayEndpoint endpoint, Invocation call, JsonNode answer);

    /** No guardrails: every payload passes unchanged. */
    Guardrails NONE = new Guardrails() {
        @Override
        public ObjectNode beforeCall(GatewayEndpoint endpoint, Invocation call) {
            return call.body();
        }

        @Override
        public JsonNode afterCall(GatewayEndpoint endpoint, Invocation call, JsonNode answer) {
            return answer;
        }
    };
}
