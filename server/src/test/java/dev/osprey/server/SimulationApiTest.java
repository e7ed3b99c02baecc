package dev.osprey.server;

import static dev.osprey.server.JudgeGateway.await;
import static dev.osprey.server.JudgeGateway.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conversation simulation as a server job through REST: the simulated users and goal checks are a mock OpenAI behind
 * the server's gateway endpoint {@code judge}; the agent under test is an HTTP server speaking Chat Completions that
 * traces itself (its span exported over OTLP under the {@code traceparent} it was given). Covers the goal check
 * stopping early, an agent answering garbage failing only its conversation, session judges and expectations on the
 * first trace, the run's metrics, a restart mid-run, bad input, and distilling sessions into a dataset that a second
 * simulation runs from.
 */
class SimulationApiTest {
    private static final String SIM = "/api/3.0/osprey/simulations";
    private static final String JUDGE = "{\"instructions_judge_pydantic_data\": {\"instructions\": \"Did the "
            + "assistant help in {{ conversation }}?\", \"model\": \"gateway:/judge\"}}";
    private final byte[] kek = JudgeGateway.newKek();
    private final Map<String, AtomicInteger> agentCallsBySession = new ConcurrentHashMap<>();
    private final List<Map<String, String>> agentHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long agentDelayMs;
    private Path dir;
    private MockProvider llm;
    private HttpServer agent;
    private OspreyServer server;
    private RestClient api;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-simulation");
        llm = new MockProvider().replyBy(SimulationApiTest::model);
        agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/v1/chat/completions", ex -> {
            try (ex) {
                JsonNode body = Json.read(ex.getRequestBody().readAllBytes());
                String session = ex.getRequestHeaders().getFirst("X-Mlflow-Session-Id");
                agentHeaders.add(Map.of("session", String.valueOf(session), "traceparent",
                        String.valueOf(ex.getRequestHeaders().getFirst("traceparent"))));
                int call = agentCallsBySession.computeIfAbsent(session, k -> new AtomicInteger()).incrementAndGet();
                sleep(agentDelayMs);
                byte[] out;
                if (body.path("mode").asText().equals("garbage")) {
                    out = "<html>upstream exploded</html>".getBytes(StandardCharsets.UTF_8);
                } else {
                    exportOwnSpan(body, ex.getRequestHeaders().getFirst("traceparent"));
                    ObjectNode reply = Json.object().put("id", "c").put("object", "chat.completion");
                    reply.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                            .putObject("message").put("role", "assistant").put("content", "Agent answer " + call);
                    out = Json.write(reply);
                }
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
            }
        });
        agent.start();
        boot();
        JudgeGateway.create(api, llm.baseUrl());
    }

    private void boot() {
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
        agent.stop(0);
        llm.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The agent traces itself: one span under the turn's root span, exported as an instrumented app would. */
    private void exportOwnSpan(JsonNode body, String traceparent) throws IOException {
        if (traceparent == null || !body.has("experiment")) {
            return;
        }
        String[] parts = traceparent.split("-");
        ObjectNode span = Json.object().put("traceId", parts[1]).put("spanId", "00000000000000a1")
                .put("parentSpanId", parts[2]).put("name", "agent_llm_call").put("kind", 1)
                .put("startTimeUnixNano", Long.toString(System.currentTimeMillis() * 1_000_000L))
                .put("endTimeUnixNano", Long.toString(System.currentTimeMillis() * 1_000_000L + 1000));
        ObjectNode request = Json.object();
        request.putArray("resourceSpans").addObject().putArray("scopeSpans").addObject().putArray("spans").add(span);
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    server.baseUrl() + "/v1/traces")).header("Content-Type", "application/json")
                    .header("x-mlflow-experiment-id", body.path("experiment").asText())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The mock model: plays the user (numbered messages), checks goals (met once the agent has answered twice, or
     * never for a goal saying so), judges sessions and distills test cases.
     */
    private static String model(JsonNode request) {
        String system = request.path("messages").path(0).path("content").asText();
        String prompt = request.path("messages").path(1).path("content").asText();
        if (system.contains("role-play")) {
            return "User message " + (count(prompt, "assistant: ") + 1) + " about " + prompt.replaceAll(
                    "(?s).*Goal \\(what you are after; pursue it step by step\\): ([^\\n]*).*", "$1");
        }
        if (system.contains("reached its user's goal")) {
            boolean met = !prompt.contains("never satisfied") && count(prompt, "assistant: ") >= 2;
            return "{\"result\": \"" + (met ? "yes" : "no") + "\", \"rationale\": \"checked\"}";
        }
        if (system.contains("test cases")) {
            String first = prompt.replaceAll("(?s).*?user: ([^\\n]*).*", "$1");
            return "{\"goal\": \"Reproduce: " + first.replace("\"", "") + "\", \"persona\": \"You are terse.\", "
                    + "\"simulation_guidelines\": [\"Ask one thing at a time\"], \"expected_outcome\": \"helped\"}";
        }
        return "{\"result\": \"yes\", \"rationale\": \"the assistant helped\"}";
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private String experiment(String name) {
        return ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private void registerJudge(String experimentId, String name, String serialized) {
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experimentId)
                .put("name", name).put("serialized_scorer", serialized).toString()));
    }

    private ObjectNode request(String experimentId, ArrayNode cases) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("user_model", "gateway:/judge")
                .put("max_turns", 4).put("concurrency", 2);
        body.putObject("agent").put("type", "chat_completions").put("url", "http://127.0.0.1:"
                + agent.getAddress().getPort() + "/v1").put("model", "support-agent");
        if (cases != null) {
            body.set("test_cases", cases);
        }
        body.putArray("scorers").add("helped");
        return body;
    }

    private JsonNode job(String jobId) {
        return ok(api.get(SIM + "/" + jobId)).path("job");
    }

    private JsonNode finished(String jobId) throws InterruptedException {
        await(() -> job(jobId).path("status").asText().equals("SUCCEEDED"));
        return job(jobId);
    }

    private List<JsonNode> conversations(String jobId) {
        List<JsonNode> out = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = ok(api.get(SIM + "/" + jobId + "/conversations?max_results=2"
                    + (token.isEmpty() ? "" : "&page_token=" + token)));
            page.path("conversations").forEach(out::add);
            token = page.path("next_page_token").asText("");
        } while (!token.isEmpty());
        return out;
    }

    @Test
    void aSimulation_recordsEveryTurn_stopsAtTheGoal_judgesSessions_andABadAgentFailsOnlyItsConversation()
            throws Exception {
        String exp = experiment("simulate");
        registerJudge(exp, "helped", JUDGE);
        ArrayNode cases = Json.MAPPER.createArrayNode();
        ObjectNode hours = cases.addObject().put("goal", "Learn the store hours").put("persona", "A busy parent");
        hours.putObject("context").put("experiment", exp);
        hours.putObject("expectations").put("expected_facts", "9 to 6");
        cases.addObject().put("goal", "Something never satisfied").putArray("simulation_guidelines").add("Be brief");
        cases.addObject().put("goal", "Break it").putObject("context").put("mode", "garbage");

        JsonNode started = ok(api.post(SIM, request(exp, cases).toString())).path("job");
        assertThat(started.path("job_name").asText()).isEqualTo("simulate_conversations");
        JsonNode done = finished(started.path("job_id").asText());
        JsonNode summary = done.at("/result/summary");
        assertThat(summary.path("conversations").asLong()).isEqualTo(3);
        assertThat(summary.path("goal_achieved").asLong()).isEqualTo(1);
        assertThat(summary.path("errors").asLong()).isEqualTo(1);
        assertThat(done.at("/result/judges/helped/passed").asLong()).isEqualTo(3);

        List<JsonNode> all = conversations(started.path("job_id").asText());
        assertThat(all).extracting(c -> c.path("case_index").asInt()).containsExactly(0, 1, 2);
        JsonNode first = all.get(0);
        assertThat(first.path("turns")).as("the goal check stopped it after the second answer").hasSize(2);
        assertThat(first.at("/turns/1/assistant").asText()).isEqualTo("Agent answer 2");
        assertThat(first.at("/turns/0/user").asText()).startsWith("User message 1");
        assertThat(first.at("/turns/1/goal_met").asBoolean()).isTrue();
        assertThat(first.at("/outcome/goal_check/rationale").asText()).isEqualTo("checked");
        assertThat(first.path("assessments").findValuesAsText("name")).contains("helped", "expected_facts");
        assertThat(all.get(1).path("turns")).as("max_turns bounds a goal that is never met").hasSize(4);
        assertThat(all.get(1).at("/outcome/goal_achieved").asBoolean()).isFalse();
        JsonNode broken = all.get(2);
        assertThat(broken.at("/outcome/error").asText()).contains("agent");
        assertThat(broken.at("/turns/0/state").asText()).isEqualTo("ERROR");

        String firstTrace = first.at("/turns/0/trace_id").asText();
        JsonNode info = ok(api.get("/api/3.0/mlflow/traces/" + firstTrace)).at("/trace/trace_info");
        assertThat(info.at("/trace_metadata/mlflow.trace.session").asText()).isEqualTo(first.path("session_id")
                .asText()).startsWith("sim-");
        assertThat(info.at("/trace_metadata/mlflow.simulation.goal").asText()).isEqualTo("Learn the store hours");
        assertThat(info.at("/trace_metadata/mlflow.simulation.turn").asText()).isEqualTo("0");
        JsonNode spans = ok(api.get("/api/3.0/mlflow/traces/get?trace_id=" + firstTrace)).findValue("spans");
        assertThat(spans.findValuesAsText("name")).as("the agent's own span joined the turn's trace")
                .containsExactlyInAnyOrder("simulated_turn", "agent_llm_call");
        assertThat(agentHeaders).allSatisfy(h -> assertThat(h.get("traceparent")).matches(
                "00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
        assertThat(agentHeaders.stream().filter(h -> h.get("session").equals(first.path("session_id").asText())))
                .hasSize(2);

        String runId = done.path("run_id").asText();
        JsonNode run = ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId)).path("run");
        assertThat(run.at("/info/status").asText()).isEqualTo("FINISHED");
        assertThat(run.at("/data/metrics").findValuesAsText("key")).contains("simulation/goal_achieved_rate",
                "helped/mean");
    }

    @Test
    void badInput_getsClearErrorsBeforeAnythingRuns() {
        String exp = experiment("bad");
        registerJudge(exp, "helped", JUDGE);
        registerJudge(exp, "row", JUDGE.replace("{{ conversation }}", "{{ outputs }}"));
        ArrayNode noGoal = Json.MAPPER.createArrayNode();
        noGoal.addObject().put("goal", "fine");
        noGoal.addObject().put("persona", "no goal");
        ArrayNode reserved = Json.MAPPER.createArrayNode();
        reserved.addObject().put("goal", "g").putObject("context").put("mlflow_session_id", "mine");
        ArrayNode ok = Json.MAPPER.createArrayNode();
        ok.addObject().put("goal", "g");
        ObjectNode noAgent = request(exp, ok);
        noAgent.remove("agent");
        ObjectNode badUrl = request(exp, ok);
        ((ObjectNode) badUrl.get("agent")).put("url", "file:///etc/passwd");
        ObjectNode rowJudge = request(exp, ok);
        rowJudge.putArray("scorers").add("row");
        ObjectNode turns = request(exp, ok).put("max_turns", 0);
        Map<ObjectNode, String> bad = new java.util.LinkedHashMap<>();
        bad.put(request(exp, noGoal), "Test case 1");
        bad.put(request(exp, reserved), "reserved");
        bad.put(request(exp, null), "test_cases");
        bad.put(noAgent, "agent");
        bad.put(badUrl, "http");
        bad.put(rowJudge, "session-level");
        bad.put(turns, "max_turns");
        bad.forEach((body, says) -> {
            RestClient.Reply r = api.post(SIM, body.toString());
            assertThat(r.status()).as(body.toString()).isEqualTo(400);
            assertThat(r.json().path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
            assertThat(r.json().path("message").asText()).contains(says);
        });
        assertThat(api.post(SIM, request("999999", ok).toString()).status()).isEqualTo(404);
        assertThat(api.get(SIM + "/nope").status()).isEqualTo(404);
    }

    @Test
    void aRestartMidRun_resumesWithoutRepeatingFinishedConversations() throws Exception {
        String exp = experiment("restart");
        registerJudge(exp, "helped", JUDGE);
        ArrayNode cases = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 4; i++) {
            cases.addObject().put("goal", "Goal number " + i);
        }
        agentDelayMs = 150;
        String jobId = ok(api.post(SIM, request(exp, cases).put("concurrency", 1).toString())).at("/job/job_id")
                .asText();
        await(() -> conversations(jobId).stream().anyMatch(c -> c.path("finished").asBoolean()));
        List<String> finishedBefore = conversations(jobId).stream().filter(c -> c.path("finished").asBoolean())
                .map(c -> c.path("session_id").asText()).toList();
        assertThat(finishedBefore).as("stopped mid-run").hasSizeLessThan(4);
        server.close();
        Map<String, Integer> callsAtStop = new java.util.HashMap<>();
        agentCallsBySession.forEach((k, v) -> callsAtStop.put(k, v.get()));
        agentDelayMs = 0;
        boot();
        finished(jobId);
        List<JsonNode> all = conversations(jobId);
        assertThat(all).extracting(c -> c.path("case_index").asInt()).containsExactly(0, 1, 2, 3);
        assertThat(all).allSatisfy(c -> assertThat(c.path("finished").asBoolean()).isTrue());
        assertThat(all).as("one conversation per case: a cut-short one was replaced, not appended to")
                .allSatisfy(c -> assertThat(c.path("turns")).hasSize(2));
        for (String session : finishedBefore) {
            assertThat(all.stream().map(c -> c.path("session_id").asText())).contains(session);
            assertThat(agentCallsBySession.get(session).get()).as("a finished conversation is not run again")
                    .isEqualTo(callsAtStop.get(session));
        }
        assertThat(job(jobId).at("/result/summary/conversations").asLong()).isEqualTo(4);
    }

    @Test
    void sessionsDistillIntoTestCases_thatADatasetSimulationRunsFrom() throws Exception {
        String exp = experiment("distill");
        registerJudge(exp, "helped", JUDGE);
        AgentTraces.sessionTurn(api, exp, "real-1", "Where is my parcel?", "In transit.");
        AgentTraces.sessionTurn(api, exp, "real-1", "When will it arrive?", "Tomorrow.");
        AgentTraces.sessionTurn(api, exp, "real-2", "Where is my parcel?", "Delivered.");
        AgentTraces.sessionTurn(api, exp, "real-3", "Can I change my address?", "Yes, in settings.");
        JsonNode distilled = ok(api.post(SIM + "/distill", Json.object().put("experiment_id", exp)
                .put("model", "gateway:/judge").toString()));
        assertThat(distilled.path("proposals")).as("two sessions with the same goal give one case").hasSize(2);
        assertThat(distilled.path("proposals").findValuesAsText("goal")).containsExactlyInAnyOrder(
                "Reproduce: Where is my parcel?", "Reproduce: Can I change my address?");
        JsonNode proposal = distilled.at("/proposals/0/test_case");
        assertThat(proposal.path("persona").asText()).isEqualTo("You are terse.");
        assertThat(proposal.at("/expectations/expected_outcome").asText()).isEqualTo("helped");

        ObjectNode create = Json.object().put("name", "distilled");
        create.putArray("experiment_ids").add(exp);
        String datasetId = ok(api.post("/api/3.0/mlflow/datasets/create", create.toString())).at(
                "/dataset/dataset_id").asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        distilled.path("proposals").forEach(p -> records.addObject().set("inputs", p.path("test_case")));
        ok(api.post("/api/3.0/mlflow/datasets/" + datasetId + "/records", Json.object().put("records",
                records.toString()).toString()));

        ObjectNode fromDataset = request(exp, null).put("dataset_id", datasetId);
        String jobId = ok(api.post(SIM, fromDataset.toString())).at("/job/job_id").asText();
        finished(jobId);
        List<JsonNode> all = conversations(jobId);
        assertThat(all).hasSize(2);
        assertThat(all.stream().map(c -> c.path("goal").asText())).contains("Reproduce: Where is my parcel?");
        assertThat(all.getFirst().path("assessments").findValuesAsText("name")).contains("expected_outcome");

        RestClient.Reply empty = api.post(SIM + "/distill", Json.object().put("experiment_id", experiment("none"))
                .toString());
        assertThat(empty.status()).isEqualTo(400);
    }

    @Test
    void anUnreachableAgent_failsEachConversationClearly_andCancelStopsASimulation() throws Exception {
        String exp = experiment("unreachable");
        registerJudge(exp, "helped", JUDGE);
        ArrayNode cases = Json.MAPPER.createArrayNode();
        cases.addObject().put("goal", "one");
        cases.addObject().put("goal", "two");
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ObjectNode down = request(exp, cases);
        ((ObjectNode) down.get("agent")).put("url", "http://127.0.0.1:" + closedPort + "/v1");
        String failedJob = ok(api.post(SIM, down.toString())).at("/job/job_id").asText();
        assertThat(finished(failedJob).at("/result/summary/errors").asLong()).isEqualTo(2);
        assertThat(conversations(failedJob)).allSatisfy(c -> assertThat(c.at("/outcome/error").asText())
                .contains("The agent failed on turn 1").contains("unreachable"));

        ArrayNode many = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 6; i++) {
            many.addObject().put("goal", "Something never satisfied " + i);
        }
        agentDelayMs = 200;
        String jobId = ok(api.post(SIM, request(exp, many).put("concurrency", 1).toString())).at("/job/job_id")
                .asText();
        await(() -> agentCallsBySession.size() > 0);
        assertThat(ok(api.post(SIM + "/" + jobId + "/cancel", "{}")).at("/job/status").asText())
                .isEqualTo("CANCELED");
        Thread.sleep(600);
        int calls = agentCallsBySession.values().stream().mapToInt(AtomicInteger::get).sum();
        Thread.sleep(600);
        assertThat(agentCallsBySession.values().stream().mapToInt(AtomicInteger::get).sum())
                .as("no agent call after the cancel settled").isEqualTo(calls);
        assertThat(calls).as("stopped long before 6 conversations x 4 turns").isLessThan(24);
        assertThat(job(jobId).path("status").asText()).isEqualTo("CANCELED");
    }
}
