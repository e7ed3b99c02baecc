package dev.osprey.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.protocol.Json;

/** The one shape of every error answer: {@code {"error_code": ..., "message": ...}}. */
public final class ErrorResponses {
    private ErrorResponses() {}

    /** Answers {@code res} with the error JSON and the given status. */
    public static void send(io.helidon.webserver.http.ServerResponse res, int status, ErrorCode code,
            String message) {
        res.status(io.helidon.http.Status.create(status));
        res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body(code, message));
    }

    private static byte[] body(ErrorCode code, String message) {
        ObjectNode node = Json.object();
        node.put("error_code", code.name());
        node.put("message", message);
        return Json.write(node);
    }
}
