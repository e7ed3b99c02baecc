package dev.osprey.server.api;

import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Message;
import java.util.Map;

/**
 * A decoded API call: its fields (from the JSON body or the query string), the values of the route's
 * {@code {placeholders}} (percent-decoded) and the raw body size.
 */
public record ApiRequest(String method, String path, Message message, long bodySize, Map<String, String> pathParams) {
    public ApiRequest {
        pathParams = Map.copyOf(pathParams);
    }

    public ApiRequest(String method, String path, Message message, long bodySize) {
        this(method, path, message, bodySize, Map.of());
    }

    /** The value of a {@code {name}} segment of the route. */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new OspreyException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, "Route has no {" + name + "}");
        }
        return value;
    }

    /** The same call with other fields (an authorization rule narrowing or paging a search). */
    public ApiRequest withMessage(Message other) {
        return new ApiRequest(method, path, other, bodySize, pathParams);
    }

    ApiRequest withPathParams(Map<String, String> params) {
        return new ApiRequest(method, path, message, bodySize, params);
    }
}
