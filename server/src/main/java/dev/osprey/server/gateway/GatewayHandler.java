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
import dev.osprey.gateway.provider.Passthrough;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.RawRoute;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's invocation routes under {@code /gateway} (spec/genai.md §6.2): OpenAI-compatible unified routes
 * ({@code model} names the endpoint), MLflow's per-endpoint route, and provider-native passthrough routes. Errors are
 * FastAPI-style {@code {"detail": ...}} bodies, as MLflow's gateway answers.
 */
public final class GatewayHandler {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    /** Requests above this are refused with 413 before any parsing (images inline in messages fit). */
    public static final int MAX_BODY_BYTES = 32 * 1024 * 1024;
    private static final HeaderName DURATION = HeaderNames.create("X-MLflow-Gateway-Duration-Ms");
    private static final HeaderName OVERHEAD = HeaderNames.create("X-MLflow-Gateway-Overhead-Duration-Ms");
    private static final String UNIFIED = "/gateway/mlflow/v1/";
    private static final String OPENAI = "/gateway/openai/v1/";
    private final Gateway gateway;
    private final Access access;

    /** Who is calling and which endpoints they may invoke, as the auth layer says. */
    public interface Access {
        /** The authenticated user (empty without auth: the body's {@code user} field is used then). */
        Optional<String> user(ServerRequest req);

        /** Whether the caller may invoke the endpoint of that name in the request's workspace. */
        boolean mayInvoke(ServerRequest req, String endpointName);

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

    /** How a route turns a request and its JSON body into an invocation. */
    @FunctionalInterface
    private interface Call {
        Invocation of(ServerRequest req, ObjectNode body);
    }

    /**
     * The invocation routes, as the raw route table mounts them (in this order): OpenAI-compatible unified routes,
     * provider passthroughs, MLflow's per-endpoint route, and a last route answering what none of them serves.
     */
    public List<RawRoute> routes() {
        return List.of(
                RawRoute.get(UNIFIED + "models", (req, res) -> answering(req, res, () -> send(res, 200,
                        Json.write(models(gateway.config(), workspace(req), name -> access.mayInvoke(req, name)))))),
                post(UNIFIED + "chat/completions", (req, body) -> unified(Operation.CHAT, req, body)),
                post(UNIFIED + "embeddings", (req, body) -> unified(Operation.EMBEDDINGS, req, body)),
                post(UNIFIED + "completions", (req, body) -> unified(Operation.COMPLETIONS, req, body)),
                post(OPENAI + "chat/completions", (req, body) -> openAi("chat/completions", Operation.CHAT, req, body)),
                post(OPENAI + "embeddings", (req, body) -> openAi("embeddings", Operation.EMBEDDINGS, req, body)),
                post(OPENAI + "responses", (req, body) -> openAi("responses", Operation.CHAT, req, body)),
                post("/gateway/anthropic/v1/messages", (req, body) -> new Invocation(modelField(body),
                        Operation.CHAT, body, user(req, body), stream(body),
                        Optional.of(new Passthrough("anthropic", "messages")))),
                post("/gateway/gemini/v1beta/models/{model_action}", this::gemini),
                post("/gateway/{endpoint}/mlflow/invocations", this::perEndpoint),
                RawRoute.any("/gateway/*", (req, res) -> answering(req, res, () -> {
                    throw req.prologue().method() == Method.POST ? new GatewayException(404, "Not Found")
                            : new GatewayException(405, "Method Not Allowed");
                })));
    }

    private RawRoute post(String pattern, Call call) {
        return RawRoute.post(pattern, (req, res) -> answering(req, res, () -> invoke(call.of(req, read(req))
                .in(workspace(req)), req, res)));
    }

    private void invoke(Invocation inv, ServerRequest req, ServerResponse res) {
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
    }

    /** Runs a route's work with the gateway's answers for failures (FastAPI-style {@code detail} bodies). */
    private static void answering(ServerRequest req, ServerResponse res, Runnable work) {
        try {
            work.run();
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
            LOG.error("Gateway call {} failed", req.path().path(), e);
            if (!res.isSent()) {
                send(res, 500, Json.write(Json.object().put("detail", "Internal error in the gateway.")));
            }
        }
    }

    /** Endpoint names are looked up in the request's workspace (names are unique per workspace). */
    private static String workspace(ServerRequest req) {
        return dev.osprey.server.workspaces.Workspaces.nameOf(req).orElse(dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    private static ObjectNode models(GatewayConfigService config, String workspace,
            java.util.function.Predicate<String> usable) {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (GatewayConfigService.ResolvedEndpoint e : config.snapshot().all()) {
            if (!e.endpoint().workspace().equals(workspace) || !usable.test(e.endpoint().name())) {
                continue;
            }
            data.addObject().put("id", e.endpoint().name()).put("object", "model")
                    .put("created", e.endpoint().audit().createdAt() / 1000).put("owned_by", "osprey");
        }
        return out;
    }

    private static boolean stream(ObjectNode body) {
        return body.path("stream").asBoolean(false);
    }

    /** {@code /gateway/mlflow/v1/...}: {@code model} names the endpoint. */
    private Invocation unified(Operation op, ServerRequest req, ObjectNode body) {
        String endpoint = modelField(body);
        body.remove("model");
        return new Invocation(endpoint, op, body, user(req, body), stream(body), Optional.empty());
    }

    private Invocation openAi(String route, Operation op, ServerRequest req, ObjectNode body) {
        return new Invocation(modelField(body), op, body, user(req, body), stream(body),
                Optional.of(new Passthrough("openai", route)));
    }

    /** {@code .../models/<endpoint>:generateContent} or {@code :streamGenerateContent}. */
    private Invocation gemini(ServerRequest req, ObjectNode body) {
        String modelAction = req.path().pathParameters().get("model_action");
        int colon = modelAction.lastIndexOf(':');
        String action = colon < 0 ? "" : modelAction.substring(colon + 1);
        if (colon <= 0 || (!action.equals("generateContent") && !action.equals("streamGenerateContent"))) {
            throw new GatewayException(404, "Not Found");
        }
        return new Invocation(modelAction.substring(0, colon), Operation.CHAT, body, user(req, body),
                action.equals("streamGenerateContent"), Optional.of(new Passthrough("gemini", action)));
    }

    /** MLflow's {@code /gateway/<endpoint>/mlflow/invocations}: chat or embeddings by the body's shape. */
    private Invocation perEndpoint(ServerRequest req, ObjectNode body) {
        Operation op;
        if (body.has("messages")) {
            op = Operation.CHAT;
        } else if (body.has("input")) {
            op = Operation.EMBEDDINGS;
        } else {
            throw new GatewayException(400, "Invalid request: the body must contain 'messages' (chat) or "
                    + "'input' (embeddings).");
        }
        return new Invocation(req.path().pathParameters().get("endpoint"), op, body, user(req, body), stream(body),
                Optional.empty());
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
