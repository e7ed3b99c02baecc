package dev.osprey.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.EventSink;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.GatewayException;
import dev.osprey.gateway.Invocation;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's invocation routes under {@code /gateway} (spec/genai.md §6.2): OpenAI-compatible unified routes
 * ({@code model} names the endpoint), MLflow's per-endpoint route, and provider-native passthrough routes. Errors are
 * FastAPI-style {@code {"detail": ...}} bodies, as MLflow's gateway answers.
 */
public final class GatewayHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    /** Requests above this are refused with 413 before any parsing (images inline in messages fit). */
    public static final int MAX_BODY_BYTES = 32 * 1024 * 1024;
    private static final HeaderName DURATION = HeaderNames.create("X-MLflow-Gateway-Duration-Ms");
    private static final HeaderName OVERHEAD = HeaderNames.create("X-MLflow-Gateway-Overhead-Duration-Ms");
    private static final String UNIFIED = "/gateway/mlflow/v1/";
    private final Gateway gateway;
    private final Access access;

    /** Who is calling and which endpoints they may invoke, as the auth layer says. */
    public interface Access {
        /** The authenticated user (empty without auth: the body's {@code user} field is used then). */
        Optional<String> user(ServerRequest req);

        boolean mayInvoke(ServerRequest req, String endpointName);

        /** Whether the endpoint is in the request's workspace: others are answered as if they did not exist. */
        default boolean visible(ServerRequest req, String endpointName) {
            return true;
        }

        /** No auth: anyone invokes anything. */
        Access OPEN = new Access() {
            @Override
            public Optional<String> user(ServerRequest req) {
                return Optional.empty();
            }

            @Override
            public boolean mayInvoke(ServerRequest req, String endpointName) {
                return true;
            }
        };
    }

    public GatewayHandler(Gateway gateway, Access access) {
        this.gateway = gateway;
        this.access = access;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        try {
            if (req.prologue().method() == Method.GET && path.equals(UNIFIED + "models")) {
                send(res, 200, Json.write(models(gateway.config(), name -> access.visible(req, name)
                        && access.mayInvoke(req, name))));
                return;
            }
            if (req.prologue().method() != Method.POST) {
                throw new GatewayException(405, "Method Not Allowed");
            }
            Invocation inv = invocation(path, read(req), req);
            if (!access.visible(req, inv.endpointName())) {
                throw new GatewayException(404, "Endpoint '" + inv.endpointName() + "' does not exist.");
            }
            if (!access.mayInvoke(req, inv.endpointName())) {
                throw new GatewayException(403, "Permission denied");
            }
            if (inv.stream()) {
                stream(inv, res);
            } else {
                Gateway.Reply reply = gateway.invoke(inv);
                res.header(DURATION, String.valueOf(reply.durationMs()));
                res.header(OVERHEAD, String.valueOf(reply.overheadMs()));
                send(res, reply.status(), reply.body());
            }
        } catch (GatewayException e) {
            if (!res.isSent()) {
                e.retryAfterSeconds().ifPresent(s -> res.header(HeaderNames.RETRY_AFTER, String.valueOf(s)));
                send(res, e.status(), Json.write(Json.object().put("detail", e.getMessage())));
            }
        } catch (UncheckedIOException e) {
            LOG.debug("Gateway client went away: {}", e.getMessage());
        } catch (RuntimeException e) {
            if (dev.osprey.server.api.Failures.malformedBody(e)) {
                dev.osprey.server.api.Failures.serverFailure(req, res, e); // the client's framing: 400
                return;
            }
            LOG.error("Gateway call {} failed", path, e);
            if (!res.isSent()) {
                send(res, 500, Json.write(Json.object().put("detail", "Internal error in the gateway.")));
            }
        }
    }

    private static ObjectNode models(GatewayConfigService config, java.util.function.Predicate<String> usable) {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (GatewayConfigService.ResolvedEndpoint e : config.snapshot().all()) {
            if (!usable.test(e.endpoint().name())) {
                continue;
            }
            data.addObject().put("id", e.endpoint().name()).put("object", "model")
                    .put("created", e.endpoint().audit().createdAt() / 1000).put("owned_by", "osprey");
        }
        return out;
    }

    private Invocation invocation(String path, ObjectNode body, ServerRequest req) {
        boolean stream = body.path("stream").asBoolean(false);
        if (path.startsWith(UNIFIED)) {
            Operation op = switch (path.substring(UNIFIED.length())) {
                case "chat/completions" -> Operation.CHAT;
                case "embeddings" -> Operation.EMBEDDINGS;
                case "completions" -> Operation.COMPLETIONS;
                default -> throw new GatewayException(404, "Not Found");
            };
            String endpoint = modelField(body);
            body.remove("model");
            return new Invocation(endpoint, op, body, user(req, body), stream, Optional.empty());
        }
        if (path.startsWith("/gateway/openai/v1/")) {
            String rest = path.substring("/gateway/openai/v1/".length());
            if (!rest.equals("chat/completions") && !rest.equals("embeddings") && !rest.equals("responses")) {
                throw new GatewayException(404, "Not Found");
            }
            return new Invocation(modelField(body), rest.equals("embeddings") ? Operation.EMBEDDINGS : Operation.CHAT,
                    body, user(req, body), stream, Optional.of(new Invocation.Passthrough("openai", rest)));
        }
        if (path.equals("/gateway/anthropic/v1/messages")) {
            return new Invocation(modelField(body), Operation.CHAT, body, user(req, body), stream,
                    Optional.of(new Invocation.Passthrough("anthropic", "messages")));
        }
        String gemini = "/gateway/gemini/v1beta/models/";
        if (path.startsWith(gemini)) {
            String rest = path.substring(gemini.length());
            int colon = rest.lastIndexOf(':');
            String action = colon < 0 ? "" : rest.substring(colon + 1);
            if (colon <= 0 || (!action.equals("generateContent") && !action.equals("streamGenerateContent"))) {
                throw new GatewayException(404, "Not Found");
            }
            return new Invocation(rest.substring(0, colon), Operation.CHAT, body, user(req, body),
                    action.equals("streamGenerateContent"), Optional.of(new Invocation.Passthrough("gemini",
                            action)));
        }
        String suffix = "/mlflow/invocations";
        if (path.endsWith(suffix) && path.length() > "/gateway/".length() + suffix.length()) {
            String endpoint = path.substring("/gateway/".length(), path.length() - suffix.length());
            Operation op;
            if (body.has("messages")) {
                op = Operation.CHAT;
            } else if (body.has("input")) {
                op = Operation.EMBEDDINGS;
            } else {
                throw new GatewayException(400, "Invalid request: the body must contain 'messages' (chat) or "
                        + "'input' (embeddings).");
            }
            return new Invocation(endpoint, op, body, user(req, body), stream, Optional.empty());
        }
        throw new GatewayException(404, "Not Found");
    }

    private static String modelField(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            throw new GatewayException(400, "Missing required 'model' parameter in request body");
        }
        return model.asText();
    }

    private String user(ServerRequest req, ObjectNode body) {
        return access.user(req)
                .or(() -> Optional.ofNullable(body.get("user")).filter(JsonNode::isTextual).map(JsonNode::asText))
                .filter(u -> !u.isBlank()).orElse("anonymous");
    }

    private static ObjectNode read(ServerRequest req) {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new GatewayException(400, "Could not read the request body.");
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new GatewayException(413, "Request body exceeds the gateway limit of " + MAX_BODY_BYTES + " bytes.");
        }
        try {
            JsonNode node = Json.read(bytes);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new GatewayException(400, "The request body must be a JSON object.");
    }

    private void stream(Invocation inv, ServerResponse res) {
        OutputStream[] out = new OutputStream[1];
        try {
            gateway.stream(inv, new EventSink() {
                @Override
                public void open() {
                    res.status(Status.OK_200);
                    res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
                    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
                    out[0] = res.outputStream();
                }

                @Override
                public void send(String event, String data) throws IOException {
                    StringBuilder frame = new StringBuilder(data.length() + 32);
                    if (!event.isEmpty()) {
                        frame.append("event: ").append(event).append('\n');
                    }
                    frame.append("data: ").append(data).append("\n\n");
                    out[0].write(frame.toString().getBytes(StandardCharsets.UTF_8));
                    out[0].flush();
                }
            });
            if (out[0] != null) {
                out[0].close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(ServerResponse res, int status, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
