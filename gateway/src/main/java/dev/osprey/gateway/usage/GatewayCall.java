package dev.osprey.gateway.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.gateway.provider.Usage;
import java.util.Optional;

/**
 * A finished invocation, as usage, metrics and traces see it.
 *
 * @param provider the provider that answered (or the last one tried); empty when none was tried
 * @param response the OpenAI-shaped answer when there was one (streamed answers: the assembled text as content)
 * @param error what the caller was told when the call failed
 */
public record GatewayCall(String requestId, GatewayEndpoint endpoint, Operation operation, boolean stream,
        String user, String provider, String model, long startedAtMs, long latencyMs, long overheadMs, int status,
        Usage usage, double cost, int attempts, JsonNode request, Optional<JsonNode> response,
        Optional<String> error) {}
