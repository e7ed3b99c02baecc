package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MLflow 3.11's gateway guardrails through a real socket: judges registered as scorers check calls to an endpoint
 * before and after its model, refuse them or have another endpoint's model rewrite them. One mock OpenAI plays the
 * guarded model, the judge and the sanitizer; what it received shows what each call let through.
 */
class GuardrailApiTest {
    private static final String G = "/api/3.0/mlflow/gateway";
    private static final String CARD = "4111 1111 1111 1111";
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;
    private String experiment;
    private String assistantId;
    private String judgeId;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-guardrails");
        llm = new MockProvider().replyBy(GuardrailApiTest::script);
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JudgeGateway.create(api, llm.baseUrl());
        judgeId = ok(api.get(G + "/endpoints/list")).at("/endpoints/0/endpoint_id").asText();
        String model = ok(api.get(G + "/model-definitions/list")).at("/model_definitions/0/model_definition_id")
                .asText();
        ObjectNode endpoint = Json.object().put("name", "assistant");
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        assistantId = ok(api.post(G + "/endpoints/create", endpoint.toString())).at("/endpoint/endpoint_id").asText();
        experiment = ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"guards\"}"))
                .path("experiment_id").asText();
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    /** The mock model: judges card numbers and rudeness, rewrites payloads, and echoes everything else. */
    private static String script(JsonNode body) {
        String prompt = body.path("messages").toString();
        if (prompt.contains("Rewrite the JSON payload")) {
            return "```json\n{\"messages\": [{\"role\": \"user\", \"content\": \"My card is [REDACTED]\"}]}\n```";
        }
        if (prompt.contains("free of card numbers")) {
            boolean card = prompt.contains(CARD);
            return "{\"result\": \"" + (card ? "no" : "yes") + "\", \"rationale\": \"" + (card
                    ? "it holds a card number" : "no card number") + "\"}";
        }
        if (prompt.contains("is polite")) {
            boolean rude = prompt.contains("go away");
            return "{\"result\": \"" + (rude ? "no" : "yes") + "\", \"rationale\": \"" + (rude ? "rude" : "fine")
                    + "\"}";
        }
        return null;
    }

    private static JsonNode ok(RestClient.Reply r) {
        return JudgeGateway.ok(r);
    }

    private String scorer(String name, String instructions) {
        String serialized = Json.object().put("name", name).set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", instructions).put("model", "gateway:/judge")).toString();
        return ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experiment)
                .put("name", name).put("serialized_scorer", serialized).toString())).path("scorer_id").asText();
    }

    private JsonNode guardrail(String name, String scorerId, String stage, String action, String actionEndpoint) {
        ObjectNode body = Json.object().put("name", name).put("scorer_id", scorerId).put("scorer_version", 1)
                .put("stage", stage).put("action", action);
        if (actionEndpoint != null) {
            body.put("action_endpoint_id", actionEndpoint);
        }
        return ok(api.post(G + "/guardrails/create", body.toString())).path("guardrail");
    }

    private JsonNode attach(String guardrailId, Integer order) {
        ObjectNode body = Json.object().put("endpoint_id", assistantId).put("guardrail_id", guardrailId);
        if (order != null) {
            body.put("execution_order", order);
        }
        return ok(api.post(G + "/guardrails/add-to-endpoint", body.toString())).path("config");
    }

    private RestClient.Reply chat(String text) {
        ObjectNode body = Json.object().put("model", "assistant");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return api.post("/gateway/mlflow/v1/chat/completions", body.toString());
    }

    private boolean modelSaw(String userText) {
        return llm.received().stream().anyMatch(r -> r.body().path("messages").size() == 1
                && r.body().at("/messages/0/content").asText().equals(userText));
    }

    @Test
    void validationBefore_refusesACardNumber_beforeTheModelSeesIt() {
        JsonNode g = guardrail("no-cards", scorer("cards", "Is {{ inputs }} free of card numbers?"), "BEFORE",
                "VALIDATION", null);
        assertThat(g.path("guardrail_id").asText()).startsWith("gr-");
        assertThat(g.at("/scorer/scorer_name").asText()).isEqualTo("cards");
        assertThat(g.at("/scorer/scorer_version").asInt()).isEqualTo(1);
        assertThat(g.path("stage").asText()).isEqualTo("BEFORE");
        attach(g.path("guardrail_id").asText(), null);

        RestClient.Reply fine = chat("Where is Paris?");
        assertThat(fine.status()).as(fine.body()).isEqualTo(200);
        assertThat(fine.json().at("/choices/0/message/content").asText()).isEqualTo("echo: Where is Paris?");

        String leaky = "My card is " + CARD;
        RestClient.Reply refused = chat(leaky);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("detail").asText())
                .isEqualTo("Guardrail 'no-cards' blocked: it holds a card number");
        assertThat(modelSaw(leaky)).as("the guarded model never got the card number").isFalse();

        // A restarted server enforces the guardrail from its very first call.
        server.close();
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        assertThat(chat(leaky).status()).as("first call after a restart").isEqualTo(400);
        assertThat(modelSaw(leaky)).isFalse();
    }

    @Test
    void sanitizationBefore_rewritesTheRequest_throughTheActionEndpoint() {
        String scorerId = scorer("cards", "Is {{ inputs }} free of card numbers?");
        RestClient.Reply noAction = api.post(G + "/guardrails/create", Json.object().put("name", "x")
                .put("scorer_id", scorerId).put("scorer_version", 1).put("stage", 1).put("action", 2).toString());
        assertThat(noAction.status()).isEqualTo(400);
        JsonNode g = guardrail("redact-cards", scorerId, "BEFORE", "SANITIZATION", judgeId);
        assertThat(g.path("action_endpoint_id").asText()).as("named as MLflow names it").isEqualTo("judge");
        attach(g.path("guardrail_id").asText(), 1);

        RestClient.Reply answer = chat("My card is " + CARD);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().at("/choices/0/message/content").asText()).isEqualTo("echo: My card is [REDACTED]");
        assertThat(modelSaw("My card is " + CARD)).isFalse();
        assertThat(modelSaw("My card is [REDACTED]")).isTrue();
    }

    @Test
    void validationAfter_refusesARudeAnswer() {
        JsonNode g = guardrail("polite", scorer("polite", "Given {{ inputs }}, the answer {{ outputs }} is polite?"),
                "AFTER", "VALIDATION", null);
        attach(g.path("guardrail_id").asText(), null);
        assertThat(chat("hello").status()).isEqualTo(200);
        RestClient.Reply rude = chat("go away");
        assertThat(rude.status()).isEqualTo(400);
        assertThat(rude.json().path("detail").asText()).isEqualTo("Guardrail 'polite' blocked: rude");
    }

    @Test
    void aJudgeThatCannotAnswer_refusesTheCall() {
        JsonNode g = guardrail("no-cards", scorer("cards", "Is {{ inputs }} free of card numbers?"), "BEFORE",
                "VALIDATION", null);
        attach(g.path("guardrail_id").asText(), null);
        int before = llm.calls();
        llm.failNext(1, 400);
        RestClient.Reply unjudged = chat("Where is Paris?");
        assertThat(unjudged.status()).as("a guardrail fails closed").isEqualTo(503);
        assertThat(unjudged.json().path("detail").asText()).startsWith("Guardrail 'no-cards' could not judge the call");
        assertThat(llm.calls() - before).as("only the judge was asked").isEqualTo(1);
    }

    @Test
    void attachments_areOrdered_reorderedListedAndGoneWithTheirGuardrail() {
        String scorerId = scorer("cards", "Is {{ inputs }} free of card numbers?");
        String a = guardrail("a", scorerId, "BEFORE", "VALIDATION", null).path("guardrail_id").asText();
        String b = guardrail("b", scorerId, "AFTER", "VALIDATION", null).path("guardrail_id").asText();
        String c = guardrail("c", scorerId, "BEFORE", "VALIDATION", null).path("guardrail_id").asText();
        attach(a, 5);
        attach(b, null);
        JsonNode config = attach(c, 2);
        assertThat(config.path("execution_order").asInt()).isEqualTo(2);
        assertThat(config.at("/guardrail/name").asText()).isEqualTo("c");
        RestClient.Reply twice = api.post(G + "/guardrails/add-to-endpoint", Json.object()
                .put("endpoint_id", assistantId).put("guardrail_id", a).toString());
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json().path("error_code").asText()).isEqualTo("RESOURCE_ALREADY_EXISTS");
        assertThat(order()).containsExactly(c, a, b);

        ok(api.send("PATCH", G + "/guardrails/update-config", Json.object().put("endpoint_id", assistantId)
                .put("guardrail_id", b).put("execution_order", 1).toString()));
        assertThat(order()).containsExactly(b, c, a);
        ok(api.send("DELETE", G + "/guardrails/remove-from-endpoint", Json.object().put("endpoint_id", assistantId)
                .put("guardrail_id", c).toString()));
        assertThat(order()).containsExactly(b, a);
        ok(api.send("DELETE", G + "/guardrails/delete", Json.object().put("guardrail_id", a).toString()));
        assertThat(order()).containsExactly(b);
        assertThat(api.get(G + "/guardrails/get?guardrail_id=" + a).status()).isEqualTo(404);

        JsonNode first = ok(api.get(G + "/guardrails/list?max_results=1"));
        assertThat(first.path("guardrails")).hasSize(1);
        JsonNode second = ok(api.get(G + "/guardrails/list?max_results=1&page_token="
                + first.path("next_page_token").asText()));
        assertThat(second.path("guardrails")).hasSize(1);
        assertThat(second.has("next_page_token")).isFalse();

        RestClient.Reply noScorer = api.post(G + "/guardrails/create", Json.object().put("name", "x")
                .put("scorer_id", "missing").put("scorer_version", 1).put("stage", "BEFORE")
                .put("action", "VALIDATION").toString());
        assertThat(noScorer.status()).isEqualTo(404);
        RestClient.Reply badStage = api.post(G + "/guardrails/create", Json.object().put("name", "x")
                .put("scorer_id", scorerId).put("scorer_version", 1).put("stage", "DURING")
                .put("action", "VALIDATION").toString());
        assertThat(badStage.status()).isEqualTo(400);
        assertThat(badStage.json().path("message").asText()).isEqualTo("Invalid stage: \"DURING\"");
    }

    private List<String> order() {
        return ok(api.get(G + "/guardrails/list-for-endpoint?endpoint_id=" + assistantId)).path("configs")
                .findValuesAsText("guardrail_id").stream().distinct().toList();
    }
}
