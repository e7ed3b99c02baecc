package dev.osprey.server.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ApiRouter;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.language.Document;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's {@code /graphql} (GET and POST): {@code query}, {@code variables} and {@code operationName} in, MLflow's
 * answer out — {@code {"data": ..., "errors": [messages] or null}} with status 200. A request over MLflow's safety
 * limits ({@link QuerySafety}) runs nothing. The schema is built on first use: it costs start-up time otherwise.
 */
public final class GraphqlHandler implements Handler {
    /** GraphQL bodies are queries, not data: MLflow's UI sends a few kilobytes. */
    private static final int MAX_BODY = 1024 * 1024;
    private final ApiRouter api;
    private volatile MlflowGraphql graphql;

    public GraphqlHandler(ApiRouter api) {
        this.api = api;
    }

    private MlflowGraphql graphql() {
        MlflowGraphql g = graphql;
        if (g == null) {
            synchronized (this) {
                if (graphql == null) {
                    graphql = new MlflowGraphql(api);
                }
                g = graphql;
            }
        }
        return g;
    }

    private record Request(String query, Map<String, Object> variables, Optional<String> operationName) {}

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Request r = read(req);
        ObjectNode out = Json.object();
        Document document;
        try {
            document = Parser.parse(r.query());
        } catch (InvalidSyntaxException e) {
            answer(res, out, null, e.getMessage());
            return;
        }
        Optional<String> refused = QuerySafety.refusal(document);
        if (refused.isPresent()) {
            answer(res, out, null, refused.get());
            return;
        }
        ExecutionResult result = graphql().execute(req, r.query(), r.variables(), r.operationName());
        out.set("data", Json.MAPPER.valueToTree(result.getData()));
        if (result.getErrors().isEmpty()) {
            out.putNull("errors");
        } else {
            ArrayNode errors = out.putArray("errors");
            result.getErrors().stream().map(GraphQLError::getMessage).forEach(errors::add);
        }
        send(res, out);
    }

    private static void answer(ServerResponse res, ObjectNode out, Object data, String error) {
        out.set("data", Json.MAPPER.valueToTree(data));
        out.putArray("errors").add(error);
        send(res, out);
    }

    private static void send(ServerResponse res, ObjectNode out) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(out));
    }

    /** The query, variables and operation name from the JSON body (POST) or the query string (GET). */
    private static Request read(ServerRequest req) {
        JsonNode body;
        if (req.prologue().method() == Method.POST) {
            byte[] bytes;
            try (var in = req.content().inputStream()) {
                bytes = in.readNBytes(MAX_BODY + 1);
            } catch (IOException e) {
                throw new OspreyException(ErrorCode.INVALID_PARAMETER_VALUE, "Could not read the request body.");
            }
            if (bytes.length > MAX_BODY) {
                throw OspreyException.invalid("A GraphQL request body may be at most " + MAX_BODY + " bytes.");
            }
            try {
                body = Json.read(bytes);
            } catch (IOException e) {
                throw OspreyException.invalid("The GraphQL request body is not JSON: send {\"query\": ..., "
                        + "\"variables\": {...}}.");
            }
        } else {
            ObjectNode fromQuery = Json.object();
            req.query().first("query").ifPresent(q -> fromQuery.put("query", q));
            req.query().first("operationName").ifPresent(o -> fromQuery.put("operationName", o));
            Optional<String> variables = req.query().first("variables").asOptional();
            if (variables.isPresent()) {
                try {
                    fromQuery.set("variables", Json.read(variables.get().getBytes(
                            java.nio.charset.StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    throw OspreyException.invalid("'variables' must be a JSON object.");
                }
            }
            body = fromQuery;
        }
        String query = body.path("query").asText("");
        if (query.isBlank()) {
            throw OspreyException.invalid("Missing value for required parameter 'query'.");
        }
        JsonNode variables = body.path("variables");
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = variables.isObject() ? Json.MAPPER.convertValue(variables, Map.class) : Map.of();
        Optional<String> operation = Optional.of(body.path("operationName").asText("")).filter(s -> !s.isEmpty());
        return new Request(query, vars, operation);
    }
}
