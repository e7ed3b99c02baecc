package dev.osprey.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.protocol.Json;

/** The one shape of every error answer: {@code {"error_code": ..., "message": ...}}. */
public final class ErrorResponses {
    private ErrorResponses() {}

    public static byte[] body(ErrorCode code, String message) {
        ObjectNode node = Json.object();
        node.put("error_code", code.name());
        node.put("message", message);
        return Json.write(node);
    }
}
