package dev.osprey.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conversation simulation with a model (OpenAI's wire format) playing the user and checking the goal: the user asks
 * for a store, then its opening hours; the goal is met once an answer gives the hours.
 */
class SimulationTest {
    private ScriptedLlm model;
    private ScriptedLlm agentServer;

    @BeforeEach
    void start() throws Exception {
        model = new ScriptedLlm().respond(SimulationTest::userOrCheck);
        agentServer = new ScriptedLlm();
    }

    @AfterEach
    void stop() {
        model.close();
        agentServer.close();
    }

    private static Object userOrCheck(JsonNode body) {
        String user = body.path("messages").path(1).path("content").asText();
        if (user.contains("Is the user's goal fully achieved")) {
            String last = user.substring(user.lastIndexOf("assistant: "));
            boolean hours = last.contains("9 to 6");
            return "{\"rationale\": \"" + (hours ? "hours given" : "not yet") + "\", \"result\": \""
                    + (hours ? "yes" : "no") + "\"}";
        }
        return user.contains("Conversation so far:") ? "And when is it open?" : "Do you have a store in Lyon?";
    }

    private final Map<String, Set<String>> sessions = new ConcurrentHashMap<>();

    /** A Java agent: confirms the store, gives the hours when asked (unless the case's context says it won't). */
    private ConversationAgent agent() {
        return (messages, sessionId, context) -> {
            String goal = context.path("case").asText();
            sessions.computeIfAbsent(goal, k -> ConcurrentHashMap.newKeySet()).add(sessionId);
            if (context.path("broken").asBoolean(false)) {
                throw new IllegalStateException("connection refused");
            }
            String last = messages.getLast().content();
            if (last.contains("open") && !context.path("evasive").asBoolean(false)) {
                return "Open 9 to 6, Monday to Saturday.";
            }
            return last.contains("Lyon") ? "Yes, on Rue de la République." : "I'm not sure, sorry.";
        };
    }

    private static SimulationCase caseOf(String name, String contextJson) throws Exception {
        return SimulationCase.fromJson(Json.read("{\"goal\": \"Find the opening hours of the Lyon store\", "
                + "\"persona\": \"A busy shopper\", \"context\": " + contextJson.replace("{", "{\"case\": \"" + name
                + "\", ").replace(", }", "}") + "}"));
    }

    @Test
    void theGoalCheckStopsAConversation_maxTurnsBoundsIt_andAFailingAgentEndsOnlyItsOwn() throws Exception {
        ConversationSimulator simulator = new ConversationSimulator(new LlmSimulatedUser(model.model()),
                model.model(), 3, 2);
        List<ConversationSimulator.Conversation> done = new java.util.ArrayList<>();
        List<ConversationSimulator.Conversation> out = simulator.run(List.of(caseOf("helpful", "{}"),
                caseOf("evasive", "{\"evasive\": true}"), caseOf("broken", "{\"broken\": true}")), agent(),
                done::add);

        assertThat(done).hasSize(3);
        ConversationSimulator.Conversation helpful = out.get(0);
        assertThat(helpful.goalAchieved()).isTrue();
        assertThat(helpful.turns()).extracting(EvalItem.Turn::content).containsExactly("Do you have a store in Lyon?",
                "Yes, on Rue de la République.", "And when is it open?", "Open 9 to 6, Monday to Saturday.");
        assertThat(helpful.error()).isEmpty();
        assertThat(sessions.get("helpful")).as("one session id for every turn").hasSize(1)
                .allMatch(id -> id.equals(helpful.sessionId()));

        ConversationSimulator.Conversation evasive = out.get(1);
        assertThat(evasive.goalAchieved()).isFalse();
        assertThat(evasive.turns()).as("max_turns 3: three user messages and three answers").hasSize(6);

        ConversationSimulator.Conversation broken = out.get(2);
        assertThat(broken.error()).contains("The agent failed on turn 1: connection refused");
        assertThat(broken.turns()).hasSize(1);

        String firstUserPrompt = model.requests().stream().map(r -> r.path("messages").path(1).path("content")
                .asText()).filter(p -> p.contains("Persona:")).findFirst().orElseThrow();
        assertThat(firstUserPrompt).contains("A busy shopper").contains("Find the opening hours of the Lyon store");
        assertThat(helpful.item().conversation()).hasSize(4);
    }

    @Test
    void anHttpAgent_getsTheConversationAndContext_andItsFailuresStayWithTheirConversation() throws Exception {
        agentServer.then("Yes, on Rue de la République.", "Open 9 to 6, Monday to Saturday.");
        ConversationSimulator simulator = new ConversationSimulator(new LlmSimulatedUser(model.model()),
                model.model(), 4, 1);
        OpenAiChatAgent http = new OpenAiChatAgent(agentServer.baseUrl(), Optional.empty(), "support-agent",
                Duration.ofSeconds(5));
        ConversationSimulator.Conversation ok = simulator.converse(caseOf("http", "{\"store\": \"Lyon\"}"), http,
                done -> { });
        assertThat(ok.goalAchieved()).as(ok.toString()).isTrue();
        JsonNode second = agentServer.requests().get(1);
        assertThat(second.path("messages")).hasSize(3);
        assertThat(second.path("store").asText()).as("the case's context").isEqualTo("Lyon");
        assertThat(second.path("model").asText()).isEqualTo("support-agent");
        assertThat(ok.exchanges()).hasSize(2).allSatisfy(e -> assertThat(e.goalCheck()).isPresent());
        assertThat(ok.exchanges().get(1).reply()).hasValue("Open 9 to 6, Monday to Saturday.");
        assertThat(ok.exchanges().get(0).trace()).isNotEqualTo(ok.exchanges().get(1).trace());

        agentServer.then(500);
        ConversationSimulator.Conversation failing = simulator.converse(caseOf("http500", "{}"), http,
                done -> { });
        assertThat(failing.error()).hasValueSatisfying(e -> assertThat(e).contains("answered HTTP 500"));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ConversationSimulator.Conversation unreachable = simulator.converse(caseOf("down", "{}"),
                new OpenAiChatAgent("http://127.0.0.1:" + closedPort + "/v1", Optional.empty(), "a",
                        Duration.ofSeconds(2)), done -> { });
        assertThat(unreachable.error()).hasValueSatisfying(e -> assertThat(e).contains("unreachable"));
    }

    @Test
    void casesAreChecked_asMlflowChecksThem() throws Exception {
        assertThatThrownBy(() -> SimulationCase.fromJson(Json.read("{\"persona\": \"x\"}")))
                .hasMessageContaining("needs a goal");
        assertThatThrownBy(() -> SimulationCase.fromJson(Json.read("{\"goal\": \"g\", \"context\": "
                + "{\"messages\": [], \"mlflow_session_id\": \"s\", \"ok\": 1}}")))
                .hasMessageContaining("[messages, mlflow_session_id] are reserved");
        SimulationCase c = SimulationCase.fromJson(Json.read("{\"goal\": \"g\", \"simulation_guidelines\": \"Be "
                + "terse\", \"expectations\": {\"expected_facts\": [\"9 to 6\"]}}"));
        assertThat(c.guidelines()).containsExactly("Be terse");
        assertThat(c.personaOrDefault()).isEqualTo(SimulationCase.DEFAULT_PERSONA);
        assertThat(c.expectations().path("expected_facts").get(0).asText()).isEqualTo("9 to 6");
        assertThatThrownBy(() -> new ConversationSimulator((a, b) -> "", null, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void agentsSpeakingTheResponsesApiOrStreaming_areRead_andGarbageIsTheAgentsFailure() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.List<String> traceparents = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.BiConsumer<com.sun.net.httpserver.HttpExchange, String> send = (ex, text) -> {
            try (ex) {
                byte[] out = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        server.createContext("/v1/responses", ex -> {
            JsonNode body = Json.read(ex.getRequestBody().readAllBytes());
            traceparents.add(ex.getRequestHeaders().getFirst("traceparent"));
            String last = body.path("input").path(body.path("input").size() - 1).path("content").asText();
            if (body.path("stream").asBoolean()) {
                send.accept(ex, "event: response.output_text.delta\ndata: {\"type\": \"response.output_text.delta\", "
                        + "\"delta\": \"Streamed \"}\n\nevent: response.output_text.delta\ndata: {\"type\": "
                        + "\"response.output_text.delta\", \"delta\": \"answer to " + last + "\"}\n\n");
            } else {
                send.accept(ex, "{\"output\": [{\"type\": \"message\", \"content\": [{\"type\": \"output_text\", "
                        + "\"text\": \"Answer to " + last + "\"}]}]}");
            }
        });
        server.createContext("/v1/chat/completions", ex -> {
            JsonNode body = Json.read(ex.getRequestBody().readAllBytes());
            if (body.path("garbage").asBoolean()) {
                send.accept(ex, "<html>oops</html>");
                return;
            }
            send.accept(ex, "data: {\"choices\": [{\"delta\": {\"role\": \"assistant\"}}]}\n\n"
                    + "data: {\"choices\": [{\"delta\": {\"content\": \"Chunked \"}}]}\n\n"
                    + "data: {\"choices\": [{\"delta\": {\"content\": \"reply\"}}]}\n\ndata: [DONE]\n\n");
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            List<EvalItem.Turn> hello = List.of(new EvalItem.Turn("user", "hello"));
            TraceContext trace = TraceContext.random();
            assertThat(new OpenAiChatAgent(base, Optional.empty(), "a", Duration.ofSeconds(5),
                    OpenAiChatAgent.Api.RESPONSES, false).respond(hello, "s", Json.object(), trace))
                    .isEqualTo("Answer to hello");
            assertThat(traceparents).containsExactly(trace.traceparent());
            assertThat(new OpenAiChatAgent(base, Optional.empty(), "a", Duration.ofSeconds(5),
                    OpenAiChatAgent.Api.RESPONSES, true).respond(hello, "s", Json.object()))
                    .isEqualTo("Streamed answer to hello");
            OpenAiChatAgent streamingChat = new OpenAiChatAgent(base, Optional.empty(), "a", Duration.ofSeconds(5),
                    OpenAiChatAgent.Api.CHAT_COMPLETIONS, true);
            assertThat(streamingChat.respond(hello, "s", Json.object())).isEqualTo("Chunked reply");
            assertThatThrownBy(() -> streamingChat.respond(hello, "s", Json.object().put("garbage", true)))
                    .isInstanceOf(JudgeModel.JudgeModelException.class).hasMessageContaining("stream form");
            assertThatThrownBy(() -> new OpenAiChatAgent(base, Optional.empty(), "a", Duration.ofSeconds(5))
                    .respond(hello, "s", Json.object().put("garbage", true)))
                    .isInstanceOf(JudgeModel.JudgeModelException.class);
        } finally {
            server.stop(0);
        }
    }
}
