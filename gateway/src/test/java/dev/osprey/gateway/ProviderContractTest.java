package dev.osprey.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.provider.Operation;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every provider adapter passes against a mock server speaking that provider's exact wire format:
 * plain and streamed chat, tool calls both ways, usage, credentials in the provider's own header, errors mapped
 * with the provider's message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderContractTest {
    private MockProvider mock;
    private GatewayFixture fx;

    @BeforeAll
    void start() throws IOException {
        mock = new MockProvider();
        fx = new GatewayFixture();
    }

    @AfterAll
    void stop() {
        fx.close();
        mock.close();
    }

    private static String key(String provider) {
        return "sk-contract-" + provider + "-0123456789abcdef";
    }

    static final String AWS_KEY_ID = "AKIAOSPREYTEST000001";
    static final String AWS_SECRET = "osprey/test/secret/access/key/0123456789";

    private String base(String provider) {
        return switch (provider) {
            case "gemini" -> mock.baseUrl() + "/v1beta";
            case "azure", "bedrock" -> mock.baseUrl();
            default -> mock.baseUrl() + "/v1";
        };
    }

    private String endpoint(String provider) {
        String name = provider + "-" + System.nanoTime();
        String model = provider.equals("bedrock")
                ? fx.model(provider, "anthropic.claude-3-haiku-20240307-v1:0", java.util.Map.of("aws_access_key_id",
                        AWS_KEY_ID, "aws_secret_access_key", AWS_SECRET), base(provider))
                : fx.model(provider, provider + "-model", key(provider), base(provider));
        fx.endpoint(name, List.of(model), List.of(), Json.object());
        return name;
    }

    private JsonNode invoke(String endpoint, ObjectNode body) throws IOException {
        return Json.read(fx.gateway.invoke(new Invocation(endpoint, Operation.CHAT, body, "tester", false,
                Optional.empty())).body());
    }

    private List<JsonNode> stream(String endpoint, ObjectNode body) throws IOException {
        List<JsonNode> chunks = new ArrayList<>();
        boolean[] opened = new boolean[1];
        fx.gateway.stream(new Invocation(endpoint, Operation.CHAT, body.put("stream", true), "tester", true,
                Optional.empty()), new EventSink() {
                    @Override
                    public void open() {
                        opened[0] = true;
                    }

                    @Override
                    public void send(String event, String data) throws IOException {
                        assertThat(opened[0]).isTrue();
                        if (!data.equals("[DONE]")) {
                            chunks.add(Json.read(data));
                        }
                    }
                });
        return chunks;
    }

    private void assertCredentials(String provider) {
        MockProvider.Received r = mock.last();
        switch (provider) {
            case "anthropic" -> {
                assertThat(r.header("x-api-key")).isEqualTo(key(provider));
                assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
                assertThat(r.header("Authorization")).isEmpty();
            }
            case "gemini" -> {
                assertThat(r.header("x-goog-api-key")).isEqualTo(key(provider));
                assertThat(r.path()).contains("/models/gemini-model:");
            }
            case "bedrock" -> {
                assertThat(r.header("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + AWS_KEY_ID + "/")
                        .contains("/us-east-1/bedrock/aws4_request").doesNotContain(AWS_SECRET);
                assertThat(r.path()).startsWith("/model/anthropic.claude-3-haiku-20240307-v1:0/converse");
                assertThat(SigV4Check.expectedAuthorization(r, mock.baseUrl(), AWS_KEY_ID, AWS_SECRET))
                        .isEqualTo(r.header("Authorization"));
            }
            case "azure" -> {
                assertThat(r.header("api-key")).isEqualTo(key(provider));
                assertThat(r.path()).startsWith("/openai/deployments/azure-model/chat/completions?api-version=");
            }
            default -> {
                assertThat(r.header("Authorization")).isEqualTo("Bearer " + key(provider));
                assertThat(r.body().path("model").asText()).isEqualTo(provider + "-model");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "mistral", "openai_compatible", "anthropic", "gemini", "bedrock"})
    void chat_answersInOpenAiShapeWithUsage(String provider) throws IOException {
        String endpoint = endpoint(provider);
        ObjectNode body = GatewayFixture.chat("hi there");
        body.withArray("messages").insertObject(0).put("role", "system").put("content", "be brief");
        body.put("max_tokens", 50).put("temperature", 0.2);
        JsonNode answer = invoke(endpoint, body);

        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("choices").path(0).path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isEqualTo("echo: hi there");
        assertThat(answer.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(MockProvider.PROMPT_TOKENS);
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(MockProvider.COMPLETION_TOKENS);
        assertCredentials(provider);
        JsonNode sent = mock.last().body();
        switch (provider) {
            case "anthropic" -> {
                assertThat(sent.path("system").asText()).isEqualTo("be brief");
                assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
                assertThat(sent.path("messages")).hasSize(1);
            }
            case "gemini" -> {
                assertThat(sent.path("systemInstruction").path("parts").path(0).path("text").asText())
                        .isEqualTo("be brief");
                assertThat(sent.path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(50);
            }
            case "bedrock" -> {
                assertThat(sent.path("system").path(0).path("text").asText()).isEqualTo("be brief");
                assertThat(sent.path("inferenceConfig").path("maxTokens").asInt()).isEqualTo(50);
                assertThat(sent.path("messages")).hasSize(1);
            }
            default -> assertThat(sent.path("messages")).hasSize(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "mistral", "anthropic", "gemini", "bedrock"})
    void stream_deliversEveryDeltaInOrderThenTheFinishReason(String provider) throws IOException {
        String endpoint = endpoint(provider);
        List<JsonNode> chunks = stream(endpoint, GatewayFixture.chat("hi"));

        StringBuilder text = new StringBuilder();
        int contentDeltas = 0;
        for (JsonNode c : chunks) {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            String piece = c.path("choices").path(0).path("delta").path("content").asText("");
            if (!piece.isEmpty()) {
                contentDeltas++;
                text.append(piece);
            }
        }
        assertThat(text.toString()).isEqualTo(String.join("", MockProvider.STREAM_PIECES));
        assertThat(contentDeltas).isEqualTo(MockProvider.STREAM_PIECES.size());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(last.has("usage") && !last.path("usage").isNull())
                .as("no usage chunk unless the caller asked").isFalse();
        assertCredentials(provider);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini", "bedrock"})
    void stream_withIncludeUsage_reportsTokens(String provider) throws IOException {
        String endpoint = endpoint(provider);
        ObjectNode body = GatewayFixture.chat("hi");
        body.putObject("stream_options").put("include_usage", true);
        List<JsonNode> chunks = stream(endpoint, body);
        JsonNode usage = chunks.stream().filter(c -> c.path("usage").isObject()).reduce((a, b) -> b)
                .orElseThrow().path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(MockProvider.PROMPT_TOKENS);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(MockProvider.COMPLETION_TOKENS);
    }

    private static ObjectNode withTool(ObjectNode body) {
        ObjectNode fn = body.putArray("tools").addObject().put("type", "function").putObject("function")
                .put("name", "get_weather").put("description", "Weather in a city");
        fn.putObject("parameters").put("type", "object").putObject("properties").putObject("city")
                .put("type", "string");
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini", "bedrock"})
    void toolCalls_translateBothWays(String provider) throws IOException {
        mock.callTool(true);
        try {
            String endpoint = endpoint(provider);
            JsonNode answer = invoke(endpoint, withTool(GatewayFixture.chat("weather in Paris?")));
            JsonNode call = answer.path("choices").path(0).path("message").path("tool_calls").path(0);
            assertThat(call.path("type").asText()).isEqualTo("function");
            assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(Json.read(call.path("function").path("arguments").asText()).path("city").asText())
                    .isEqualTo("Paris");
            assertThat(answer.path("choices").path(0).path("finish_reason").asText()).isEqualTo("tool_calls");
            JsonNode sentTools = mock.last().body().path("tools");
            switch (provider) {
                case "anthropic" -> assertThat(sentTools.path(0).path("input_schema").path("type").asText())
                        .isEqualTo("object");
                case "gemini" -> assertThat(sentTools.path(0).path("functionDeclarations").path(0).path("name")
                        .asText()).isEqualTo("get_weather");
                case "bedrock" -> assertThat(mock.last().body().at("/toolConfig/tools/0/toolSpec/inputSchema/json/type")
                        .asText()).isEqualTo("object");
                default -> assertThat(sentTools.path(0).path("function").path("name").asText())
                        .isEqualTo("get_weather");
            }

            // The tool's answer goes back in the provider's format.
            ObjectNode followUp = withTool(GatewayFixture.chat("weather in Paris?"));
            ObjectNode assistant = followUp.withArray("messages").addObject().put("role", "assistant");
            assistant.putNull("content");
            assistant.putArray("tool_calls").add(call);
            followUp.withArray("messages").addObject().put("role", "tool")
                    .put("tool_call_id", call.path("id").asText()).put("content", "18C and sunny");
            mock.callTool(false);
            invoke(endpoint, followUp);
            String sent = mock.last().body().toString();
            assertThat(sent).contains("18C and sunny");
            if (provider.equals("anthropic")) {
                assertThat(sent).contains("\"tool_result\"").contains("\"tool_use\"");
            } else if (provider.equals("gemini")) {
                assertThat(sent).contains("\"functionResponse\"").contains("\"functionCall\"");
            } else if (provider.equals("bedrock")) {
                assertThat(sent).contains("\"toolResult\"").contains("\"toolUse\"");
            }
        } finally {
            mock.callTool(false);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "bedrock"})
    void streamedToolCall_assemblesToTheArguments(String provider) throws IOException {
        mock.callTool(true);
        try {
            List<JsonNode> chunks = stream(endpoint(provider), withTool(GatewayFixture.chat("weather?")));
            StringBuilder arguments = new StringBuilder();
            String name = "";
            for (JsonNode c : chunks) {
                JsonNode call = c.path("choices").path(0).path("delta").path("tool_calls").path(0);
                name = call.path("function").path("name").asText(name);
                arguments.append(call.path("function").path("arguments").asText(""));
            }
            assertThat(name).isEqualTo("get_weather");
            assertThat(Json.read(arguments.toString()).path("city").asText()).isEqualTo("Paris");
            assertThat(chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText())
                    .isEqualTo("tool_calls");
        } finally {
            mock.callTool(false);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini", "bedrock"})
    void providerErrors_keepStatusAndMessage(String provider) {
        String endpoint = endpoint(provider);
        mock.failNext(1, 400);
        assertThatThrownBy(() -> invoke(endpoint, GatewayFixture.chat("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("Mock failure 400").contains(provider);
                });
        mock.failNext(1, 429);
        assertThatThrownBy(() -> invoke(endpoint, GatewayFixture.chat("hi")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(429));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "mistral", "gemini"})
    void embeddings_answerInOpenAiShape(String provider) throws IOException {
        String endpoint = endpoint(provider);
        ObjectNode body = Json.object();
        body.putArray("input").add("one").add("two");
        JsonNode answer = Json.read(fx.gateway.invoke(new Invocation(endpoint, Operation.EMBEDDINGS, body, "tester",
                false, Optional.empty())).body());
        assertThat(answer.path("data")).hasSize(2);
        assertThat(answer.path("data").path(1).path("index").asInt()).isEqualTo(1);
        assertThat(answer.path("data").path(0).path("embedding").isArray()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini", "bedrock"})
    void completions_answerInTextCompletionShape(String provider) throws IOException {
        String endpoint = endpoint(provider);
        ObjectNode body = Json.object().put("prompt", "complete me").put("max_tokens", 20);
        JsonNode answer = Json.read(fx.gateway.invoke(new Invocation(endpoint, Operation.COMPLETIONS, body, "tester",
                false, Optional.empty())).body());
        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("choices").path(0).path("text").asText()).isEqualTo("echo: complete me");
        if (!provider.equals("openai")) {
            assertThat(answer.path("usage").path("completion_tokens").asInt())
                    .isEqualTo(MockProvider.COMPLETION_TOKENS);
            assertThatThrownBy(() -> fx.gateway.invoke(new Invocation(endpoint, Operation.COMPLETIONS,
                    body.deepCopy().put("stream", true), "tester", true, Optional.empty())))
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    @org.junit.jupiter.api.Test
    void bedrock_embedsOneInputPerCallWithTitansShape() throws IOException {
        String endpoint = endpoint("bedrock");
        ObjectNode body = Json.object();
        body.putArray("input").add("four");
        JsonNode answer = Json.read(fx.gateway.invoke(new Invocation(endpoint, Operation.EMBEDDINGS, body, "t",
                false, Optional.empty())).body());
        assertThat(answer.at("/data/0/embedding/1").asInt()).isEqualTo(4);
        assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(MockProvider.PROMPT_TOKENS);
        assertThat(mock.last().rawPath()).endsWith("/invoke");
        assertThat(SigV4Check.expectedAuthorization(mock.last(), mock.baseUrl(), AWS_KEY_ID, AWS_SECRET))
                .isEqualTo(mock.last().header("Authorization"));
        body.withArray("input").add("five");
        assertThatThrownBy(() -> fx.gateway.invoke(new Invocation(endpoint, Operation.EMBEDDINGS, body, "t", false,
                Optional.empty()))).isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.getMessage()).contains("one input"));
    }

    @org.junit.jupiter.api.Test
    void anthropic_refusesEmbeddingsAsAClientError() {
        String endpoint = endpoint("anthropic");
        ObjectNode body = Json.object().put("input", "x");
        assertThatThrownBy(() -> fx.gateway.invoke(new Invocation(endpoint, Operation.EMBEDDINGS, body, "t", false,
                Optional.empty()))).isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.status()).isEqualTo(400));
    }
}
