package dev.osprey.server.graphql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRouter;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.language.IntValue;
import graphql.language.StringValue;
import graphql.schema.Coercing;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLScalarType;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * MLflow's GraphQL API ({@code graphql/mlflow.graphqls}): each root field runs the REST endpoint of the same name in
 * process, as the caller and in the caller's workspace ({@link ApiRouter#call}), so authorization and workspaces
 * apply field by field exactly as they do to REST. Answers are the endpoints' JSON with camelCase names, which is
 * how graphene maps MLflow's protos.
 */
final class MlflowGraphql {
    /** The raw request of the GraphQL call, in the execution's context. */
    static final String RAW_REQUEST = "raw";
    private final ApiRouter api;
    private final GraphQL graphql;

    MlflowGraphql(ApiRouter api) {
        this.api = api;
        RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
                .scalar(LONG_STRING)
                .type("QueryType", t -> t
                        .dataFetcher("mlflowGetExperiment", rest("GET", "/api/2.0/mlflow/experiments/get"))
                        .dataFetcher("mlflowGetMetricHistoryBulkInterval",
                                rest("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval"))
                        .dataFetcher("mlflowGetRun", rest("GET", "/api/2.0/mlflow/runs/get"))
                        .dataFetcher("mlflowListArtifacts", rest("GET", "/api/2.0/mlflow/artifacts/list"))
                        .dataFetcher("mlflowSearchModelVersions", rest("GET", "/api/2.0/mlflow/model-versions/search"))
                        .dataFetcher("mlflowSearchRuns", rest("POST", "/api/2.0/mlflow/runs/search"))
                        .dataFetcher("test", MlflowGraphql::echo))
                .type("MutationType", t -> t
                        .dataFetcher("mlflowSearchDatasets", rest("POST", "/api/2.0/mlflow/experiments/search-datasets"))
                        .dataFetcher("mlflowSearchRuns", rest("POST", "/api/2.0/mlflow/runs/search"))
                        .dataFetcher("testMutation", MlflowGraphql::echo))
                .type("MlflowRunExtension", t -> t
                        .dataFetcher("experiment", this::experimentOfRun)
                        .dataFetcher("modelVersions", this::modelVersionsOfRun))
                .type("MlflowMetricExtension", t -> t.dataFetcher("value", MlflowGraphql::finiteValue))
                .type("MlflowMetricWithRunId", t -> t.dataFetcher("value", MlflowGraphql::finiteValue))
                .type("MlflowModelMetric", t -> t.dataFetcher("value", MlflowGraphql::finiteValue))
                .build();
        this.graphql = GraphQL.newGraphQL(new SchemaGenerator().makeExecutableSchema(new SchemaParser()
                .parse(schemaText()), wiring)).defaultDataFetcherExceptionHandler(MESSAGE_ONLY).build();
    }

    ExecutionResult execute(ServerRequest raw, String query, Map<String, Object> variables,
            java.util.Optional<String> operationName) {
        ExecutionInput.Builder input = ExecutionInput.newExecutionInput(query).variables(variables)
                .graphQLContext(Map.of(RAW_REQUEST, raw));
        operationName.ifPresent(input::operationName);
        return graphql.execute(input.build());
    }

    private static String schemaText() {
        try (InputStream in = MlflowGraphql.class.getResourceAsStream("/graphql/mlflow.graphqls")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- fetchers

    /**
     * The endpoint's answer as a plain tree: endpoints may embed pre-written JSON (metric lists are written once, as
     * raw values), which GraphQL must see as objects.
     */
    private JsonNode call(DataFetchingEnvironment env, String method, String path, ObjectNode body) {
        ServerRequest raw = env.getGraphQlContext().get(RAW_REQUEST);
        JsonNode answer = api.call(raw, method, path, Message.ofJson(body));
        try {
            return Json.read(Json.write(answer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A root field: its {@code input} as the endpoint's request (snake_case), the endpoint's answer. */
    private DataFetcher<Object> rest(String method, String path) {
        return env -> {
            Map<String, Object> input = env.getArgumentOrDefault("input", Map.of());
            return toGraphql(call(env, method, path, toRest(input)));
        };
    }

    private Object experimentOfRun(DataFetchingEnvironment env) {
        Object id = info(env).get("experimentId");
        if (id == null) {
            return null;
        }
        JsonNode answer = call(env, "GET", "/api/2.0/mlflow/experiments/get", Json.object()
                .put("experiment_id", id.toString()));
        return toGraphql(answer.path("experiment"));
    }

    private Object modelVersionsOfRun(DataFetchingEnvironment env) {
        Object id = info(env).get("runId");
        if (id == null) {
            return List.of();
        }
        JsonNode answer = call(env, "GET", "/api/2.0/mlflow/model-versions/search", Json.object()
                .put("filter", "run_id='" + id + "'"));
        Object versions = toGraphql(answer.path("model_versions"));
        return versions == null ? List.of() : versions;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> info(DataFetchingEnvironment env) {
        Map<String, Object> run = env.getSource();
        Object info = run == null ? null : run.get("info");
        return info instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Object echo(DataFetchingEnvironment env) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("output", env.getArgument("inputString"));
        return out;
    }

    /** MLflow answers a NaN metric as null: GraphQL's Float cannot carry it. */
    private static Object finiteValue(DataFetchingEnvironment env) {
        Map<String, Object> metric = env.getSource();
        Object value = metric == null ? null : metric.get("value");
        return value instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }

    // ---------------------------------------------------------------- names and values

    static String camel(String snake) {
        StringBuilder out = new StringBuilder(snake.length());
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = out.length() > 0;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    static String snake(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** An endpoint's JSON as GraphQL values: objects as maps with camelCase keys. */
    static Object toGraphql(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            node.properties().forEach(e -> out.put(camel(e.getKey()), toGraphql(e.getValue())));
            return out;
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>(node.size());
            node.forEach(item -> out.add(toGraphql(item)));
            return out;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        String text = node.asText();
        return switch (text) {
            case "NaN" -> Double.NaN; // the REST answers' encoding of non-finite metric values
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> text;
        };
    }

    /** GraphQL input as an endpoint's request body: snake_case names, values as JSON. */
    static ObjectNode toRest(Map<String, Object> input) {
        ObjectNode out = Json.object();
        input.forEach((key, value) -> {
            if (value != null) {
                out.set(snake(key), Json.MAPPER.valueToTree(value));
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- scalar and errors

    /** MLflow's LongString: 64-bit integers written as strings so JavaScript keeps every digit. */
    static final GraphQLScalarType LONG_STRING = GraphQLScalarType.newScalar().name("LongString")
            .description("Long converted to string to prevent truncation to max integer in JavaScript")
            .coercing(new Coercing<Object, String>() {
                @Override
                public String serialize(Object value) {
                    return value instanceof Double d ? Long.toString(d.longValue()) : String.valueOf(value);
                }

                @Override
                public Object parseValue(Object input) {
                    try {
                        return Long.parseLong(input.toString().trim());
                    } catch (NumberFormatException e) {
                        throw new graphql.schema.CoercingParseValueException("Not a 64-bit integer: " + input);
                    }
                }

                @Override
                public Object parseLiteral(Object input) {
                    if (input instanceof IntValue i) {
                        return i.getValue().longValue();
                    }
                    if (input instanceof StringValue s) {
                        return parseValue(s.getValue());
                    }
                    throw new graphql.schema.CoercingParseLiteralException("Not a 64-bit integer: " + input);
                }
            }).build();

    /** A field whose endpoint failed is null, with the endpoint's own message as the error (as MLflow's). */
    private static final DataFetcherExceptionHandler MESSAGE_ONLY = params -> {
        Throwable cause = params.getException();
        String message = cause instanceof dev.osprey.core.OspreyException o ? o.getMessage()
                : "Internal error while fetching " + params.getPath();
        GraphQLError error = GraphqlErrorBuilder.newError(params.getDataFetchingEnvironment()).message(message)
                .build();
        return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(error).build());
    };
}
