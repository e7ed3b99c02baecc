package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.SimulationClient.SimulatedSession;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.ConversationSimulator;
import dev.osprey.eval.Judges;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.LlmSimulatedUser;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.SimulationCase;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SDK's simulation against the real server: a scripted model behind the gateway plays the user, checks the goal
 * and judges the session; the agent is Java code. Each turn becomes a trace of its session on the server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulationClientTest {
    private MockProvider llm;
    private OspreyServer server;
    private OspreyClient client;
    private JudgeModel model;
    private String experiment;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String user = body.path("messages").path(1).path("content").asText();
            if (user.contains("Is the user's goal fully achieved")) {
                boolean hours = user.substring(user.lastIndexOf("assistant: ")).contains("9 to 6");
                return "{\"rationale\": \"r\", \"result\": \"" + (hours ? "yes" : "no") + "\"}";
            }
            if (user.contains("Describe it as a test case")) {
                return "{\"goal\": \"Find the Lyon store\", \"persona\": \"You are brief.\", "
                        + "\"expected_outcome\": \"the address\"}";
            }
            if (user.contains("addressed every request")) {
                return "{\"rationale\": \"all answered\", \"result\": \"yes\"}";
            }
            return user.contains("Conversation so far:") ? "When is it open?" : "Is there a store in Lyon?";
        });
        server = GatewayTestServers.start("simulate-sdk");
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        client = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build();
        model = new OpenAiJudgeModel(server.baseUrl() + "/gateway/mlflow/v1", Optional.empty(), "llm",
                Duration.ofSeconds(10));
        experiment = client.createExperiment("simulate-sdk");
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void everyTurnIsATraceOfItsSession_withExpectationsAndSessionVerdictsOnTheFirst() throws Exception {
        ConversationAgent agent = (messages, sessionId, context) -> {
            if (context.path("down").asBoolean(false)) {
                throw new IllegalStateException("connection refused");
            }
            return messages.getLast().content().contains("open") ? "Open 9 to 6." : "Yes, on the main square.";
        };
        SimulationCase ok = SimulationCase.fromJson(Json.read("{\"goal\": \"Learn the Lyon store's hours\", "
                + "\"expectations\": {\"expected_facts\": [\"9 to 6\"]}}"));
        SimulationCase down = SimulationCase.fromJson(Json.read("{\"goal\": \"Learn the hours\", \"context\": "
                + "{\"down\": true}}"));
        List<SimulatedSession> seen = new ArrayList<>();
        List<SimulatedSession> sessions = client.simulation().simulate(experiment, List.of(ok, down),
                new ConversationSimulator(new LlmSimulatedUser(model), model, 5, 2), agent,
                List.of(Judges.conversationCompleteness(model)), seen::add);

        assertThat(seen).hasSize(2);
        SimulatedSession good = sessions.stream().filter(s -> s.conversation().error().isEmpty()).findFirst()
                .orElseThrow();
        assertThat(good.conversation().goalAchieved()).isTrue();
        assertThat(good.traceIds()).hasSize(2);
        assertThat(good.feedback()).singleElement().satisfies(f -> assertThat(f.passed()).isTrue());

        JsonNode listed = get("/api/3.0/mlflow/traces/sessions?experiment_id=" + experiment);
        assertThat(listed.findValuesAsText("session_id")).contains(good.conversation().sessionId());
        JsonNode first = get("/api/3.0/mlflow/traces/" + good.traceIds().getFirst()).path("trace");
        assertThat(first.findValue("trace_metadata").path("mlflow.trace.session").asText())
                .isEqualTo(good.conversation().sessionId());
        assertThat(first.findValue("trace_metadata").path("mlflow.simulation.turn").asText()).isEqualTo("0");
        assertThat(first.findValue("assessments").findValuesAsText("assessment_name"))
                .contains("expected_facts", "conversation_completeness");
        JsonNode spans = get("/api/3.0/mlflow/traces/get?trace_id=" + good.traceIds().getFirst());
        JsonNode root = spans.findValue("spans").path(0);
        assertThat(root.path("name").asText()).as(spans.toString()).isEqualTo("simulated_turn");
        assertThat(root.toString()).as("the turn's user message is the root span's input")
                .contains(good.conversation().exchanges().getFirst().user());
        assertThat(java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(root.path("span_id")
                .asText()))).as("the span id the agent got as traceparent").isEqualTo(good.conversation().exchanges()
                .getFirst().trace().spanId());
        assertThat(good.traceIds().getFirst()).isEqualTo(good.conversation().exchanges().getFirst().trace()
                .mlflowTraceId());

        SimulatedSession failed = sessions.stream().filter(s -> s.conversation().error().isPresent()).findFirst()
                .orElseThrow();
        assertThat(failed.traceIds()).hasSize(1);
        JsonNode errorTrace = get("/api/3.0/mlflow/traces/" + failed.traceIds().getFirst()).path("trace");
        assertThat(errorTrace.findValue("state").asText()).isEqualTo("ERROR");
        assertThat(errorTrace.findValue("response_preview").asText()).contains("connection refused");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    @Test
    void theServerRunsASimulation_andItsSessionsDistillIntoADatasetItRunsAgain() throws Exception {
        client.evaluation().registerScorer(experiment, "complete", "{\"instructions_judge_pydantic_data\": {\"instructions\": "
                + "\"Has the assistant addressed every request in {{ conversation }}?\", \"model\": \"gateway:/llm\"}}");
        SimulationCase lyon = SimulationCase.fromJson(Json.read("{\"goal\": \"Learn the Lyon store's hours\"}"));
        SimulationClient.ServerRequest request = SimulationClient.ServerRequest.of(experiment, List.of(lyon), "", "")
                .withAgent(Json.object().put("type", "gateway").put("endpoint", "llm")).withUserModel("gateway:/llm")
                .judgedBy(List.of("complete")).bounded(2, 2).named("sdk-simulation");
        SimulationClient.ServerJob started = client.simulation().start(request);
        List<Long> progress = new ArrayList<>();
        SimulationClient.ServerJob done = client.simulation().await(started.jobId(), Duration.ofMillis(100),
                j -> progress.add(j.completed()));
        assertThat(done.status()).isEqualTo("SUCCEEDED");
        assertThat(done.runId()).isPresent();
        assertThat(progress.getLast()).isEqualTo(1);
        assertThat(done.result().orElseThrow().at("/summary/conversations").asLong()).isEqualTo(1);
        assertThat(done.result().orElseThrow().at("/judges/complete/passed").asLong()).isEqualTo(1);
        JsonNode conversation = client.simulation().conversations(started.jobId()).getFirst();
        assertThat(conversation.path("turns")).hasSize(2);

        List<SimulationClient.Proposal> proposals = client.simulation().distill(experiment,
                List.of(conversation.path("session_id").asText()), Optional.of("gateway:/llm"), 5);
        assertThat(proposals).singleElement().satisfies(p -> {
            assertThat(p.testCase().path("goal").asText()).isEqualTo("Find the Lyon store");
            assertThat(p.testCase().at("/expectations/expected_outcome").asText()).isEqualTo("the address");
        });
        String dataset = client.evaluation().createDataset("distilled-cases", List.of(experiment), Map.of())
                .datasetId();
        client.simulation().saveTestCases(dataset, List.of(proposals.getFirst().testCase()));
        SimulationClient.ServerJob again = client.simulation().await(client.simulation().start(request
                .fromDataset(dataset)).jobId(), Duration.ofMillis(100), j -> { });
        assertThat(again.status()).isEqualTo("SUCCEEDED");
        assertThat(client.simulation().conversations(again.jobId()).getFirst().path("goal").asText())
                .isEqualTo("Find the Lyon store");
    }
}
