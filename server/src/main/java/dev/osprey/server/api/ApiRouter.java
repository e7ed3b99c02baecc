package dev.osprey.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dispatches every API call through one hash lookup on (method, path), decodes the request the way MLflow does
 * (spec/README.md "Request decoding"), and turns every failure into MLflow's error JSON. A route that does not
 * exist is 404 {@code ENDPOINT_NOT_FOUND}, which clients' version fallbacks key on; anything unexpected is logged
 * with a request id and answered 500 {@code INTERNAL_ERROR} without internals (by {@link Failures}).
 */
public final class ApiRouter implements Handler {
    /** JSON API bodies are read whole; 32 MB is far above any legitimate one (log-batch allows 1 MB). */
    public static final int MAX_JSON_BODY = 32 * 1024 * 1024;

    private final Map<String, ApiHandler> routes = new HashMap<>();
    private final Map<String, String> methodsByPath = new HashMap<>();
    /** Routes with {placeholders}, tried in order after the exact lookup misses. */
    private final List<RouteTemplate> templates = new java.util.ArrayList<>();
    /** The few endpoints that answer something else than 200 on success, by their mounted handler. */
    private final Map<ApiHandler, Integer> successStatus = new java.util.IdentityHashMap<>();

    /** Mounts each endpoint under {@code /api/N.0} and {@code <prefix>/ajax-api/N.0}. */
    private final List<Endpoint> endpoints;
    /** The raw request of the call on this thread, for the guard (who is calling). */
    private static final ThreadLocal<ServerRequest> CURRENT = new ThreadLocal<>();

    public ApiRouter(List<Endpoint> endpoints, String staticPrefix) {
        this(endpoints, staticPrefix, ApiGuard.OPEN);
    }

    /** Mounts each endpoint; every call goes through the guard (authorization) before its handler. */
    public ApiRouter(List<Endpoint> endpoints, String staticPrefix, ApiGuard guard) {
        this.endpoints = List.copyOf(endpoints);
        for (Endpoint e : endpoints) {
            String version = "/" + e.majorVersion() + ".0";
            ApiHandler guarded = guard == ApiGuard.OPEN ? e.handler() : r -> guard.invoke(e, r, CURRENT.get());
            if (e.successStatus() != 200) {
                successStatus.put(guarded, e.successStatus());
            }
            add(e.method(), "/api" + version + e.path(), guarded);
            add(e.method(), staticPrefix + "/ajax-api" + version + e.path(), guarded);
        }
    }

    /** Every endpoint this router serves (each under both prefixes). */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    private void add(String method, String path, ApiHandler handler) {
        if (RouteTemplate.isTemplate(path)) {
            templates.add(RouteTemplate.of(method, path, handler));
            return;
        }
        if (routes.put(method + " " + path, handler) != null) {
            throw new IllegalStateException("Route declared twice: " + method + " " + path);
        }
        methodsByPath.merge(path, method, (a, b) -> a + ", " + b);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String method = req.prologue().method().text();
        String path = req.path().path();
        ApiHandler handler = routes.get(method + " " + path);
        Map<String, String> pathParams = Map.of();
        try {
            if (handler == null && !templates.isEmpty()) {
                String[] raw = req.path().rawPath().substring(1).split("/", -1);
                StringBuilder allowedByTemplate = new StringBuilder();
                for (RouteTemplate t : templates) {
                    var match = t.match(raw);
                    if (match.isEmpty()) {
                        continue;
                    }
                    if (t.method().equals(method)) {
                        handler = t.handler();
                        pathParams = match.get();
                        break;
                    }
                    allowedByTemplate.append(allowedByTemplate.isEmpty() ? "" : ", ").append(t.method());
                }
                if (handler == null && !allowedByTemplate.isEmpty() && !methodsByPath.containsKey(path)) {
                    res.header(HeaderNames.ALLOW, allowedByTemplate.toString());
                    error(res, 405, ErrorCode.ENDPOINT_NOT_FOUND, "Method " + method + " is not allowed for " + path
                            + ". Use " + allowedByTemplate + ".");
                    return;
                }
            }
            if (handler == null) {
                String allowed = methodsByPath.get(path);
                if (allowed != null) {
                    res.header(HeaderNames.ALLOW, allowed);
                    error(res, 405, ErrorCode.ENDPOINT_NOT_FOUND, "Method " + method + " is not allowed for " + path
                            + ". Use " + allowed + ".");
                } else {
                    error(res, 404, ErrorCode.ENDPOINT_NOT_FOUND, "No API endpoint " + method + " " + path
                            + " on this server.");
                }
                return;
            }
            ApiRequest request = decode(req, method, path).withPathParams(pathParams);
            JsonNode answer;
            CURRENT.set(req);
            try {
                answer = handler.handle(request);
            } finally {
                CURRENT.remove();
            }
            int status = successStatus.getOrDefault(handler, 200);
            if (status == 204) {
                res.status(io.helidon.http.Status.NO_CONTENT_204).send();
                return;
            }
            res.status(io.helidon.http.Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.write(answer));
        } catch (OspreyException e) {
            error(res, e.errorCode().httpStatus(), e.errorCode(), e.getMessage());
        } catch (RuntimeException e) {
            Failures.serverFailure(req, res, e);
        }
    }

    /**
     * Runs an endpoint in process as part of the call {@code raw} — as its user, in its workspace, through the same
     * authorization — and returns its answer (GraphQL fields resolve this way). Failures are thrown as the endpoint
     * threw them.
     *
     * @param path the endpoint's full path, such as {@code /api/2.0/mlflow/runs/get}
     */
    public JsonNode call(ServerRequest raw, String method, String path, Message message) {
        ApiHandler handler = routes.get(method + " " + path);
        if (handler == null) {
            throw new IllegalArgumentException("No API endpoint " + method + " " + path);
        }
        ServerRequest outer = CURRENT.get();
        CURRENT.set(raw);
        try {
            return handler.handle(new ApiRequest(method, path, message, 0));
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    private static void error(ServerResponse res, int status, ErrorCode code, String message) {
        ErrorResponses.send(res, status, code, message);
    }

    private static ApiRequest decode(ServerRequest req, String method, String path) {
        if (method.equals("GET")) {
            return new ApiRequest(method, path, Message.ofQuery(query(req)), 0);
        }
        if (method.equals("POST") || method.equals("PUT")) {
            String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
            if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw OspreyException.invalid("Bad Request. Content-Type must be 'application/json', got '" + type
                        + "'.");
            }
        }
        byte[] body = readBody(req);
        if (body.length == 0 && !method.equals("POST") && !method.equals("PUT")) {
            return new ApiRequest(method, path, Message.ofQuery(query(req)), 0);
        }
        return new ApiRequest(method, path, Message.ofJson(parseObject(body)), body.length);
    }

    private static Map<String, List<String>> query(ServerRequest req) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            out.put(name, req.query().all(name));
        }
        return out;
    }

    private static byte[] readBody(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_JSON_BODY + 1);
            if (body.length > MAX_JSON_BODY) {
                throw OspreyException.invalid("Request body exceeds " + MAX_JSON_BODY + " bytes.");
            }
            return body;
        } catch (IOException e) {
            throw OspreyException.invalid("Could not read the request body: " + e.getMessage());
        }
    }

    /** The body as a JSON object: empty means {}, a JSON string holding JSON (old clients) is decoded again. */
    static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            return Json.object();
        }
        try {
            JsonNode node = Json.read(body);
            if (node.isTextual()) {
                node = Json.read(node.textValue());
            }
            if (node == null || node.isMissingNode() || node.isNull()) {
                return Json.object();
            }
            if (!(node instanceof ObjectNode object)) {
                throw OspreyException.invalid("Malformed request: the body must be a JSON object, got "
                        + node.getNodeType().name().toLowerCase(Locale.ROOT) + ".");
            }
            return object;
        } catch (IOException e) {
            String detail = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw OspreyException.invalid("Malformed request: the body is not valid JSON (" + detail + ").");
        }
    }
}
