package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.osprey.gateway.MockProvider;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The AI gateway through the real server: configuration over REST, the official openai-java SDK and LangChain4j's
 * OpenAI models pointed at {@code /gateway/mlflow/v1}, fallbacks, 429s, traces and usage, and — last — a search for
 * the provider keys in every response, log line and database byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayApiTest {
    private static final String G = "/api/3.0/mlflow/gateway";
    private static final String HEALTHY_KEY = "sk-healthy-PLAINTEXT-1234567890abcdef";
    private static final String FAILING_KEY = "sk-failing-PLAINTEXT-fedcba0987654321";
    private final List<String> responses = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private OspreyServer server;
    private RestClient api;
    private Path dir;
    private MockProvider healthy;
    private MockProvider failing;
    private String healthyModel;
    private String failingModel;
    private com.sun.net.httpserver.HttpServer hooks;
    private final java.util.concurrent.BlockingQueue<String> deliveries = new java.util.concurrent.LinkedBlockingQueue<>();

    @BeforeAll
    void start() throws IOException {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        healthy = new MockProvider();
        failing = new MockProvider().failNext(1_000_000, 503);
        hooks = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/hook", exchange -> {
            deliveries.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        hooks.start();
        System.setProperty("osprey.webhook.allowedHosts", "127.0.0.1:" + hooks.getAddress().getPort());
        dir = Files.createTempDirectory("osprey-gateway");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts").toString(), true, "", true, false)
                .withGateway(new ServerConfig.GatewayOptions(true,
                        Optional.of(KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test")))));
        api = new RestClient(server.baseUrl());
        healthyModel = modelDefinition("healthy", HEALTHY_KEY, healthy, "gpt-healthy");
        failingModel = modelDefinition("failing", FAILING_KEY, failing, "gpt-failing");
    }

    @AfterAll
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        server.close();
        healthy.close();
        failing.close();
        hooks.stop(0);
        System.clearProperty("osprey.webhook.allowedHosts");
    }

    private RestClient.Reply send(String method, String path, String json) {
        RestClient.Reply reply = api.send(method, path, json);
        responses.add(reply.body());
        return reply;
    }

    private JsonNode ok(RestClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private String modelDefinition(String name, String apiKey, MockProvider mock, String model) {
        ObjectNode secret = Json.object().put("secret_name", name).put("provider", "openai");
        secret.putObject("secret_value").put("api_key", apiKey);
        secret.putObject("auth_config").put("api_base", mock.baseUrl() + "/v1");
        String secretId = ok(send("POST", G + "/secrets/create", secret.toString())).at("/secret/secret_id").asText();
        return ok(send("POST", G + "/model-definitions/create", Json.object().put("name", name + "-model")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", model).toString()))
                .at("/model_definition/model_definition_id").asText();
    }

    private JsonNode endpoint(String name, String primary, Optional<String> fallback, ObjectNode extra) {
        ObjectNode body = extra.deepCopy().put("name", name);
        body.putArray("model_configs").addObject().put("model_definition_id", primary).put("linkage_type", "PRIMARY")
                .put("weight", 1.0);
        fallback.ifPresent(f -> {
            body.withArray("model_configs").addObject().put("model_definition_id", f).put("linkage_type", "FALLBACK")
                    .put("fallback_order", 1);
            body.putObject("fallback_config").put("strategy", "SEQUENTIAL").put("max_attempts", 1);
        });
        return ok(send("POST", G + "/endpoints/create", body.toString())).path("endpoint");
    }

    private String gatewayBase() {
        return server.baseUrl() + "/gateway/mlflow/v1";
    }

    /** MLflow's UI draws the secret form and the model picker from these. */
    @Test
    void providerConfig_andSupportedModels() {
        JsonNode bedrock = JudgeGateway.ok(api.get("/ajax-api/3.0/mlflow/gateway/provider-config?provider=bedrock"));
        assertThat(bedrock.path("default_mode").asText()).isEqualTo("access_keys");
        assertThat(bedrock.at("/auth_modes/0/secret_fields").findValuesAsText("name"))
                .containsExactly("aws_access_key_id", "aws_secret_access_key", "aws_session_token");
        assertThat(bedrock.at("/auth_modes/0/config_fields").findValuesAsText("name")).contains("aws_region");
        JsonNode openai = JudgeGateway.ok(api.get("/ajax-api/3.0/mlflow/gateway/provider-config?provider=openai"));
        assertThat(openai.at("/auth_modes/0/secret_fields/0/name").asText()).isEqualTo("api_key");
        assertThat(openai.at("/auth_modes/0/secret_fields/0/required").asBoolean()).isTrue();
        assertThat(api.get("/ajax-api/3.0/mlflow/gateway/provider-config?provider=nope").status()).isEqualTo(400);
        assertThat(api.get("/ajax-api/3.0/mlflow/gateway/provider-config").status()).isEqualTo(400);

        JsonNode models = JudgeGateway.ok(api.get("/ajax-api/3.0/mlflow/gateway/supported-models?provider=anthropic"))
                .path("models");
        assertThat(models.findValuesAsText("provider")).isNotEmpty().containsOnly("anthropic");
        JsonNode sonnet = java.util.stream.StreamSupport.stream(models.spliterator(), false)
                .filter(m -> m.path("model").asText().equals("claude-sonnet-4")).findFirst().orElseThrow();
        assertThat(sonnet.path("input_cost_per_token").asDouble()).isEqualTo(3.0 / 1_000_000);
        assertThat(JudgeGateway.ok(api.get("/ajax-api/3.0/mlflow/gateway/supported-models")).path("models").size())
                .isGreaterThan(models.size());
    }

    @Test
    @Order(1)
    void configApi_roundTripsInMlflowsShape() {
        JsonNode secret = ok(send("GET", G + "/secrets/get?secret_name=healthy", "")).path("secret");
        assertThat(secret.path("masked_values").path("api_key").asText()).isEqualTo("sk-...cdef");
        assertThat(secret.path("auth_config").path("api_base").asText()).startsWith("http://127.0.0.1:");
        assertThat(ok(send("GET", G + "/secrets/list", "")).path("secrets")).hasSize(2);
        assertThat(ok(send("GET", "/ajax-api/3.0/mlflow/gateway/secrets/config", "")).path("secrets_available")
                .asBoolean()).isTrue();

        JsonNode endpoint = endpoint("chat", healthyModel, Optional.empty(), Json.object());
        assertThat(endpoint.path("endpoint_id").asText()).isNotEmpty();
        assertThat(endpoint.path("routing_strategy").asText()).isEqualTo("REQUEST_BASED_TRAFFIC_SPLIT");
        JsonNode mapping = endpoint.path("model_mappings").path(0);
        assertThat(mapping.path("linkage_type").asText()).isEqualTo("PRIMARY");
        assertThat(mapping.path("weight").asDouble()).isEqualTo(1.0);
        assertThat(mapping.path("model_definition").path("model_name").asText()).isEqualTo("gpt-healthy");
        assertThat(mapping.path("model_definition").path("secret_name").asText()).isEqualTo("healthy");
        JsonNode byName = ok(send("GET", G + "/endpoints/get?name=chat", "")).path("endpoint");
        assertThat(byName.path("endpoint_id")).isEqualTo(endpoint.path("endpoint_id"));
        assertThat(ok(send("GET", G + "/endpoints/list", "")).path("endpoints")).hasSize(1);
        ok(send("POST", G + "/endpoints/set-tag", Json.object().put("endpoint_id", endpoint.path("endpoint_id")
                .asText()).put("key", "team").put("value", "search").toString()));
        assertThat(ok(send("GET", G + "/endpoints/get?name=chat", "")).at("/endpoint/tags/0/value").asText())
                .isEqualTo("search");

        String endpointId = endpoint.path("endpoint_id").asText();
        ObjectNode attach = Json.object().put("endpoint_id", endpointId);
        attach.putObject("model_config").put("model_definition_id", failingModel).put("linkage_type", "FALLBACK")
                .put("fallback_order", 1);
        JsonNode attached = ok(send("POST", G + "/endpoints/models/attach", attach.toString())).path("mapping");
        assertThat(attached.path("endpoint_id").asText()).isEqualTo(endpointId);
        assertThat(attached.path("linkage_type").asText()).isEqualTo("FALLBACK");
        assertThat(attached.at("/model_definition/model_name").asText()).isEqualTo("gpt-failing");
        ok(send("POST", G + "/endpoints/models/detach", Json.object().put("endpoint_id", endpointId)
                .put("model_definition_id", failingModel).toString()));
        assertThat(ok(send("GET", G + "/endpoints/get?name=chat", "")).path("endpoint").path("model_mappings"))
                .hasSize(1);
        String binding = Json.object().put("endpoint_id", endpointId).put("resource_type", "scorer_job")
                .put("resource_id", "job-1").toString();
        JsonNode bound = ok(send("POST", G + "/endpoints/bindings/create", binding)).path("binding");
        assertThat(bound.path("resource_id").asText()).isEqualTo("job-1");
        assertThat(send("POST", G + "/endpoints/bindings/create", binding).errorCode())
                .isEqualTo("RESOURCE_ALREADY_EXISTS");
        assertThat(ok(send("GET", G + "/endpoints/bindings/list?endpoint_id=" + endpointId, "")).path("bindings"))
                .hasSize(1);
        ok(send("DELETE", G + "/endpoints/bindings/delete", binding));
        assertThat(ok(send("GET", G + "/endpoints/bindings/list", "")).path("bindings")).isEmpty();
        assertThat(send("DELETE", G + "/endpoints/bindings/delete", binding).status()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void configApi_badInputGetsMlflowErrors() {
        RestClient.Reply missing = send("POST", G + "/secrets/create", "{\"secret_value\": {\"api_key\": \"x\"}}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        ObjectNode duplicate = Json.object().put("secret_name", "healthy");
        duplicate.putObject("secret_value").put("api_key", "sk-other-value-000000");
        RestClient.Reply dup = send("POST", G + "/secrets/create", duplicate.toString());
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.errorCode()).isEqualTo("RESOURCE_ALREADY_EXISTS");
        RestClient.Reply provider = send("POST", G + "/model-definitions/create", Json.object().put("name", "x")
                .put("secret_id", "nope").put("provider", "openai").put("model_name", "m").toString());
        assertThat(provider.status()).isEqualTo(404);
        assertThat(provider.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        RestClient.Reply unknown = send("GET", G + "/endpoints/get?endpoint_id=nope", "");
        assertThat(unknown.status()).isEqualTo(404);
        RestClient.Reply inUse = send("DELETE", G + "/model-definitions/delete",
                Json.object().put("model_definition_id", healthyModel).toString());
        assertThat(inUse.status()).isEqualTo(400);
        assertThat(inUse.json().path("message").asText()).contains("used by endpoints");
        RestClient.Reply badName = send("POST", G + "/endpoints/create", "{\"name\": \"has space\"}");
        assertThat(badName.status()).isEqualTo(400);
        ObjectNode ssrf = Json.object().put("secret_name", "meta");
        ssrf.putObject("secret_value").put("api_key", "k");
        ssrf.putObject("auth_config").put("api_base", "ftp://example.com/v1");
        assertThat(send("POST", G + "/secrets/create", ssrf.toString()).status()).isEqualTo(400);
    }

    @Test
    @Order(3)
    void openAiJavaSdk_getsPlainAndStreamedCompletions() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gatewayBase()).apiKey("caller-own-token")
                .maxRetries(0).build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("chat")
                .addUserMessage("hello gateway").build();
        ChatCompletion completion = client.chat().completions().create(params);
        assertThat(completion.choices().get(0).message().content()).contains("echo: hello gateway");
        assertThat(completion.usage().orElseThrow().totalTokens())
                .isEqualTo(MockProvider.PROMPT_TOKENS + MockProvider.COMPLETION_TOKENS);
        MockProvider.Received upstream = healthy.last();
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + HEALTHY_KEY);
        assertThat(upstream.body().path("model").asText()).isEqualTo("gpt-healthy");

        String text;
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        text = chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
                .collect(Collectors.joining());
        assertThat(text).isEqualTo(String.join("", MockProvider.STREAM_PIECES));
        assertThat(chunks.stream().flatMap(c -> c.choices().stream())
                .filter(c -> c.delta().content().filter(s -> !s.isEmpty()).isPresent()).count())
                .isEqualTo(MockProvider.STREAM_PIECES.size());
        assertThat(healthy.last().body().path("stream").asBoolean()).isTrue();
    }

    @Test
    @Order(4)
    void langChain4jOpenAiModels_getPlainAndStreamedCompletions() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(gatewayBase()).apiKey("lc4j").modelName("chat")
                .maxRetries(0).timeout(Duration.ofSeconds(10)).build();
        assertThat(model.chat("from langchain4j")).isEqualTo("echo: from langchain4j");

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(gatewayBase())
                .apiKey("lc4j").modelName("chat").timeout(Duration.ofSeconds(10)).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partials = new StringBuilder();
        streaming.chat("stream please", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(10, TimeUnit.SECONDS);
        assertThat(partials.toString()).isEqualTo(String.join("", MockProvider.STREAM_PIECES));
        assertThat(response.aiMessage().text()).isEqualTo(String.join("", MockProvider.STREAM_PIECES));
    }

    @Test
    @Order(5)
    void failingProvider_fallsBackToAHealthyOne() {
        endpoint("resilient", failingModel, Optional.of(healthyModel), Json.object());
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gatewayBase()).apiKey("x").maxRetries(0).build();
        int failedBefore = failing.calls();
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("resilient").addUserMessage("are you there").build());
        assertThat(completion.model()).isEqualTo("gpt-healthy");
        assertThat(failing.calls()).isEqualTo(failedBefore + 1);
    }

    @Test
    @Order(6)
    void rateLimit_answers429WithRetryAfter() throws Exception {
        ObjectNode extra = Json.object();
        extra.putObject("limits").put("requests_per_minute", 1);
        endpoint("limited", healthyModel, Optional.empty(), extra);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayBase() + "/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\": \"limited\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                .build();
        HttpResponse<String> first = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-MLflow-Gateway-Duration-Ms")).isPresent();
        assertThat(first.headers().firstValue("X-MLflow-Gateway-Overhead-Duration-Ms")).isPresent();
        HttpResponse<String> second = http.send(request, HttpResponse.BodyHandlers.ofString());
        responses.add(second.body());
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        assertThat(Json.read(second.body()).path("detail").asText()).contains("Rate limit exceeded");

        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gatewayBase()).apiKey("x").maxRetries(0).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("limited").addUserMessage("hi").build()))
                .isInstanceOf(RateLimitException.class);
    }

    @Test
    @Order(7)
    void otherRoutes_invocationsModelsPassthroughAndErrors() throws Exception {
        JsonNode models = ok(send("GET", "/gateway/mlflow/v1/models", ""));
        assertThat(models.path("data").findValuesAsText("id")).contains("chat", "resilient", "limited");
        JsonNode chat = ok(send("POST", "/gateway/chat/mlflow/invocations",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"via invocations\"}]}"));
        assertThat(chat.at("/choices/0/message/content").asText()).isEqualTo("echo: via invocations");
        JsonNode embeddings = ok(send("POST", "/gateway/chat/mlflow/invocations", "{\"input\": [\"a\", \"b\"]}"));
        assertThat(embeddings.path("data")).hasSize(2);
        RestClient.Reply neither = send("POST", "/gateway/chat/mlflow/invocations", "{\"prompt\": \"x\"}");
        assertThat(neither.status()).isEqualTo(400);
        assertThat(neither.json().path("detail").asText()).contains("'messages'");
        RestClient.Reply noModel = send("POST", "/gateway/mlflow/v1/chat/completions", "{\"messages\": []}");
        assertThat(noModel.status()).isEqualTo(400);
        assertThat(noModel.json().path("detail").asText())
                .isEqualTo("Missing required 'model' parameter in request body");
        RestClient.Reply unknown = send("POST", "/gateway/mlflow/v1/chat/completions",
                "{\"model\": \"nope\", \"messages\": []}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(send("POST", "/gateway/mlflow/v1/chat/completions", "not json").status()).isEqualTo(400);
        JsonNode passthrough = ok(send("POST", "/gateway/openai/v1/chat/completions",
                "{\"model\": \"chat\", \"messages\": [{\"role\": \"user\", \"content\": \"raw\"}], \"seed\": 7}"));
        assertThat(passthrough.at("/choices/0/message/content").asText()).isEqualTo("echo: raw");
        assertThat(healthy.last().body().path("seed").asInt()).isEqualTo(7);
        RestClient.Reply wrongFamily = send("POST", "/gateway/anthropic/v1/messages",
                "{\"model\": \"chat\", \"max_tokens\": 5, \"messages\": []}");
        assertThat(wrongFamily.status()).isEqualTo(400);
    }

    @Test
    @Order(8)
    void usageTracking_recordsATraceUsageAndMetrics() throws Exception {
        JsonNode endpoint = endpoint("tracked", healthyModel, Optional.empty(),
                Json.object().put("usage_tracking", true));
        String experimentId = endpoint.path("experiment_id").asText();
        assertThat(experimentId).isNotEmpty();
        ok(send("POST", "/gateway/mlflow/v1/chat/completions", "{\"model\": \"tracked\", \"user\": \"dana\", "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"trace me\"}]}"));
        server.gateway().usage().flush();
        JsonNode traces = ok(send("POST", "/api/3.0/mlflow/traces/search", Json.object().set("locations",
                Json.MAPPER.createArrayNode().add(Json.object().put("type", "MLFLOW_EXPERIMENT")
                        .set("mlflow_experiment", Json.object().put("experiment_id", experimentId)))).toString()));
        JsonNode info = traces.path("traces").path(0);
        assertThat(info.path("trace_metadata").path("mlflow.gateway.endpointId").asText())
                .isEqualTo(endpoint.path("endpoint_id").asText());
        assertThat(info.path("trace_metadata").path("mlflow.gateway.requestType").asText()).isEqualTo("chat");
        assertThat(info.path("trace_metadata").path("mlflow.trace.user").asText()).isEqualTo("dana");
        assertThat(info.path("request_preview").asText()).contains("trace me");
        assertThat(info.path("state").asText()).isEqualTo("OK");

        JsonNode usage = ok(send("GET", G + "/usage?group_by=user", ""));
        JsonNode dana = Stream.of(usage.path("usage")).flatMap(u -> java.util.stream.StreamSupport
                .stream(u.spliterator(), false)).filter(r -> r.path("key").asText().equals("dana")).findFirst()
                .orElseThrow();
        assertThat(dana.path("requests").asInt()).isEqualTo(1);
        assertThat(dana.path("total_tokens").asInt()).isEqualTo(MockProvider.PROMPT_TOKENS
                + MockProvider.COMPLETION_TOKENS);
        RestClient.Reply metrics = api.get("/metrics");
        assertThat(metrics.body()).contains("osprey_gateway_requests_total{endpoint=\"tracked\",provider=\"openai\","
                + "status=\"200\"} 1").contains("osprey_gateway_rate_limited_total");
    }

    @Test
    @Order(9)
    void streamedEvents_arePassedOnAsTheyArrive() throws Exception {
        healthy.eventGap(150);
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayBase() + "/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\": \"chat\", \"stream\": true, \"messages\": [{\"role\": \"user\", "
                                    + "\"content\": \"slowly\"}]}")).build();
            List<Long> arrivals = new ArrayList<>();
            List<String> contents = new ArrayList<>();
            long started = System.nanoTime();
            HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            try (Stream<String> lines = response.body()) {
                lines.filter(l -> l.startsWith("data: ") && l.contains("\"content\":\"") && !l.contains(
                        "\"content\":\"\"")).forEach(l -> {
                            arrivals.add((System.nanoTime() - started) / 1_000_000);
                            contents.add(l);
                        });
            }
            assertThat(contents).hasSize(MockProvider.STREAM_PIECES.size());
            // The provider waits 150 ms after each event: buffering would deliver them all at once at the end.
            assertThat(arrivals.get(arrivals.size() - 1) - arrivals.get(0)).isGreaterThanOrEqualTo(300);
        } finally {
            healthy.eventGap(0);
        }
    }

    @Test
    @Order(10)
    void alertBudget_firesTheBudgetExceededWebhookOncePerWindow() throws Exception {
        ok(send("POST", "/api/2.0/mlflow/webhooks", "{\"name\": \"budgets\", \"url\": \"http://127.0.0.1:"
                + hooks.getAddress().getPort() + "/hook\", \"events\": [{\"entity\": \"budget_policy\", "
                + "\"action\": \"exceeded\"}]}"));
        String secretId = ok(send("GET", G + "/secrets/get?secret_name=healthy", "")).at("/secret/secret_id").asText();
        String priced = ok(send("POST", G + "/model-definitions/create", Json.object().put("name", "priced")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-4o-mini").toString()))
                .at("/model_definition/model_definition_id").asText();
        String endpointId = endpoint("metered", priced, Optional.empty(), Json.object()).path("endpoint_id").asText();
        ObjectNode budget = Json.object().put("budget_amount", 0.000001).put("target_scope", "ENDPOINT")
                .put("target_value", endpointId).put("budget_action", "ALERT");
        budget.putObject("duration").put("unit", "DAYS").put("value", 1);
        String policyId = ok(send("POST", G + "/budgets/create", budget.toString())).at("/budget_policy/"
                + "budget_policy_id").asText();
        String call = "{\"model\": \"metered\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        ok(send("POST", "/gateway/mlflow/v1/chat/completions", call));
        ok(send("POST", "/gateway/mlflow/v1/chat/completions", call));
        String delivered = deliveries.poll(10, TimeUnit.SECONDS);
        assertThat(delivered).as("webhook delivery").isNotNull();
        JsonNode event = Json.read(delivered);
        assertThat(event.toString()).contains(policyId).contains("current_spend");
        assertThat(deliveries.poll(500, TimeUnit.MILLISECONDS)).as("only once per window").isNull();
        JsonNode windows = ok(send("GET", G + "/budgets/windows", ""));
        assertThat(windows.path("windows").findValuesAsText("budget_policy_id")).contains(policyId);
    }

    @Test
    @Order(11)
    void llmJudge_callsItsModelThroughTheGateway() {
        healthy.replyWith("{\"rationale\": \"Paris is right.\", \"result\": \"yes\"}");
        try {
            dev.osprey.eval.JudgeModel viaGateway = new dev.osprey.eval.OpenAiJudgeModel(gatewayBase(),
                    Optional.empty(), "chat", Duration.ofSeconds(10));
            dev.osprey.eval.EvalItem item = new dev.osprey.eval.EvalItem(Json.object().put("question",
                    "Capital of France?"), Json.MAPPER.getNodeFactory().textNode("Paris"),
                    Json.object().put("expected_response", "Paris"), Optional.empty());
            dev.osprey.eval.Feedback verdict = dev.osprey.eval.Judges.correctness(viaGateway).score(item);
            assertThat(verdict.passed()).isTrue();
            assertThat(verdict.rationale()).contains("Paris is right.");
            MockProvider.Received upstream = healthy.last();
            assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + HEALTHY_KEY);
            assertThat(upstream.body().at("/messages/1/content").asText()).contains("Capital of France?");
        } finally {
            healthy.replyWith(null);
        }
    }

    @Test
    @Order(100)
    void noProviderKeyIn_anyResponse_anyLogLine_orTheDatabaseFiles() throws IOException {
        server.gateway().usage().flush();
        for (String key : List.of(HEALTHY_KEY, FAILING_KEY)) {
            String secretPart = key.substring(key.indexOf("PLAINTEXT"));
            assertThat(responses).noneMatch(r -> r.contains(secretPart));
            assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(secretPart)
                    || (e.getThrowableProxy() != null && e.getThrowableProxy().getMessage() != null
                            && e.getThrowableProxy().getMessage().contains(secretPart)));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertThat(bytes).as(file.toString()).doesNotContain(secretPart);
                }
            }
        }
        assertThat(responses).isNotEmpty();
    }
}
