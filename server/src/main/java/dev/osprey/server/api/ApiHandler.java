package dev.osprey.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/** One endpoint: decode fields, call one service method, encode the answer. */
@FunctionalInterface
public interface ApiHandler {
    JsonNode handle(ApiRequest request);
}
