package dev.osprey.server.api;

import dev.osprey.protocol.Message;

/** A decoded API call: its fields (from the JSON body or the query string) and the raw body size. */
public record ApiRequest(String method, String path, Message message, long bodySize) {}
