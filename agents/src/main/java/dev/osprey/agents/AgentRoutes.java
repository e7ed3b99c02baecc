package dev.osprey.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.tracing.SpanType;
import dev.osprey.tracing.TracedSpan;
import dev.osprey.tracing.Tracing;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLflow's agent server routes for a {@link ResponsesAgent}, to mount in any Helidon routing: {@code POST
 * /invocations} and {@code /responses} (the OpenAI clients' {@code responses.create}), streamed as server-sent events
 * ending in {@code [DONE]} when the request says {@code "stream": true}; {@code GET /agent/info} and {@code /health}.
 * Each call is one trace when tracing is on — a root AGENT span continuing the caller's W3C trace, under which the
 * agent's own spans nest — and {@code x-mlflow-return-trace-id: true} puts its id in the answer. Bad requests are 400s
 * and the agent's failures 500s, with FastAPI's {@code {"detail": ...}} as MLflow's server answers them.
 */
public final class AgentRoutes implements HttpService {
    public static final String RETURN_TRACE_HEADER = "x-mlflow-return-trace-id";
    private static final Logger LOG = LoggerFactory.getLogger(AgentRoutes.class);
    private final ResponsesAgent agent;
    private final Optional<Tracing> tracing;
    private final String name;

    /**
     * @param tracing where each call's trace goes; empty: calls are not traced
     * @param name the app name {@code /agent/info} reports (MLflow's default: {@code mlflow_agent_server})
     */
    public AgentRoutes(ResponsesAgent agent, Optional<Tracing> tracing, String name) {
        this.agent = agent;
        this.tracing = tracing;
        this.name = name;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/invocations", this::invoke)
                .post("/responses", this::invoke)
                .get("/agent/info", (req, res) -> json(res, 200, Json.object().put("name", name)
                        .put("use_case", "agent").put("mlflow_version", AgentServer.MLFLOW_VERSION)
                        .put("agent_api", "responses")))
                .get("/health", (req, res) -> json(res, 200, Json.object().put("status", "healthy")));
    }

    private static void json(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(body));
    }

    private static void detail(ServerResponse res, int status, String detail) {
        json(res, status, Json.object().put("detail", detail));
    }

    private void invoke(ServerRequest req, ServerResponse res) {
        ObjectNode body;
        try (InputStream in = req.content().inputStream()) {
            JsonNode parsed = Json.read(in.readAllBytes());
            if (!(parsed instanceof ObjectNode o)) {
                detail(res, 400, "Invalid JSON in request body: expected a JSON object");
                return;
            }
            body = o;
        } catch (IOException e) {
            detail(res, 400, "Invalid JSON in request body: " + e.getMessage());
            return;
        }
        boolean stream = body.path("stream").asBoolean(false);
        body.remove("stream");
        boolean returnTraceId = req.headers().first(HeaderNames.create(RETURN_TRACE_HEADER)).map(v -> v
                .equalsIgnoreCase("true")).orElse(false);
        AgentRequest request;
        try {
            request = validate(body);
        } catch (IllegalArgumentException e) {
            detail(res, 400, "Invalid parameters for ResponsesAgent: " + e.getMessage());
            return;
        }
        Map<String, String> headers = new HashMap<>();
        req.headers().first(HeaderNames.create("traceparent")).ifPresent(v -> headers.put("traceparent", v));
        req.headers().first(HeaderNames.create("tracestate")).ifPresent(v -> headers.put("tracestate", v));
        if (tracing.isEmpty()) {
            handle(request, body, stream, returnTraceId, Optional.empty(), res);
            return;
        }
        tracing.get().continueTrace(headers, t -> {
            TracedSpan span = t.startSpan("predict" + (stream ? "_stream" : ""), SpanType.AGENT);
            try (Scope ignored = span.otel().makeCurrent()) {
                span.setInputs(body);
                span.setAttribute("mlflow.message.format", "openai");
                handle(request, body, stream, returnTraceId, Optional.of(span), res);
            } finally {
                span.end();
            }
            return null;
        });
    }

    /** MLflow's request model: {@code input} is a list of messages ({@code role} and content) or output items. */
    static AgentRequest validate(ObjectNode body) {
        if (body.path("input").isTextual()) {
            // The OpenAI clients' shorthand (input: "text"), which MLflow's pydantic model refuses: one user message.
            String text = body.path("input").asText();
            body.putArray("input").addObject().put("role", "user").put("content", text);
        }
        JsonNode input = body.path("input");
        if (!input.isArray()) {
            throw new IllegalArgumentException("'input' is required: a list of messages ({\"role\": ..., "
                    + "\"content\": ...}) or output items.");
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            if (!item.isObject()) {
                throw new IllegalArgumentException("input[" + i + "] must be an object.");
            }
            if (item.has("role")) {
                JsonNode content = item.path("content");
                if (!content.isTextual() && !content.isArray()) {
                    throw new IllegalArgumentException("input[" + i + "].content must be a string or a list of "
                            + "content parts.");
                }
            } else if (!item.path("type").isTextual()) {
                throw new IllegalArgumentException("input[" + i + "] is neither a message (role, content) nor an "
                        + "output item (type).");
            }
        }
        for (String field : List.of("custom_inputs", "context")) {
            if (body.has(field) && !body.get(field).isNull() && !body.get(field).isObject()) {
                throw new IllegalArgumentException("'" + field + "' must be an object.");
            }
        }
        return new AgentRequest((ArrayNode) input, object(body, "custom_inputs"), object(body, "context"), body);
    }

    private static Optional<ObjectNode> object(ObjectNode body, String field) {
        return body.get(field) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    }

    private void handle(AgentRequest request, ObjectNode body, boolean stream, boolean returnTraceId,
            Optional<TracedSpan> span, ServerResponse res) {
        String model = body.path("model").asText(name);
        if (!stream) {
            ObjectNode result;
            try {
                result = agent.predict(request);
                if (result == null || !result.path("output").isArray()) {
                    throw new IllegalStateException("Invalid data for ResponsesAgentResponse: 'output' (a list of "
                            + "output items) is required");
                }
            } catch (Exception e) {
                LOG.warn("The agent failed", e);
                span.ifPresent(s -> s.setError(e));
                detail(res, 500, String.valueOf(e.getMessage()));
                return;
            }
            Responses.complete(result, model);
            if (returnTraceId && span.isPresent()) {
                ObjectNode metadata = result.has("metadata") && result.get("metadata").isObject()
                        ? (ObjectNode) result.get("metadata") : result.putObject("metadata");
                metadata.put("trace_id", span.get().traceId());
            }
            span.ifPresent(s -> s.setOutputs(result));
            json(res, 200, result);
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        List<ObjectNode> items = new ArrayList<>();
        ObjectNode[] completed = new ObjectNode[1];
        try (OutputStream out = res.outputStream()) {
            try {
                agent.predictStream(request, event -> {
                    if (!event.path("type").isTextual()) {
                        throw new IllegalArgumentException("Invalid data for ResponsesAgentStreamEvent: 'type' is "
                                + "required");
                    }
                    if (event.path("type").asText().equals("response.output_item.done")
                            && event.get("item") instanceof ObjectNode item) {
                        items.add(item);
                    }
                    if (event.path("type").asText().equals("response.completed")
                            && event.get("response") instanceof ObjectNode r) {
                        completed[0] = Responses.complete(r, model);
                    }
                    write(out, event);
                });
                if (returnTraceId && span.isPresent()) {
                    write(out, Json.object().put("trace_id", span.get().traceId()));
                }
            } catch (Exception e) {
                LOG.warn("The agent failed while streaming", e);
                span.ifPresent(s -> s.setError(e));
                write(out, Json.object().put("error", String.valueOf(e.getMessage())));
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("The client went away during a stream", e);
        }
        span.ifPresent(s -> {
            if (completed[0] != null) {
                s.setOutputs(completed[0]);
            } else {
                ObjectNode reduced = Json.object().put("object", "response");
                reduced.putArray("output").addAll(items);
                s.setOutputs(reduced);
            }
        });
    }

    private static void write(OutputStream out, JsonNode event) {
        try {
            out.write(("data: " + Json.writeString(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
