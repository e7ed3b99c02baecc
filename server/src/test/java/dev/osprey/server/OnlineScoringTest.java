package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.eval.OnlineScoring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Online scoring end to end: a judge registered in MLflow's serialized form and configured over REST scores traces
 * arriving over OTLP, through the server's own gateway to a mock OpenAI; restarts neither lose nor repeat work.
 */
class OnlineScoringTest {
    private static final String S = "/api/3.0/mlflow/scorers";
    private static final String JUDGE = "{\"name\": \"answers\", \"instructions_judge_pydantic_data\": "
            + "{\"instructions\": \"Does {{ outputs }} answer {{ inputs }}?\", \"model\": \"gateway:/judge\"}}";
    private static final String SESSION_JUDGE = "{\"name\": \"complete\", \"instructions_judge_pydantic_data\": "
            + "{\"instructions\": \"Did the assistant finish the job in {{ conversation }}?\", \"model\": "
            + "\"gateway:/judge\"}}";
    private static final long SESSION_IDLE_MS = 400;
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-online");
        llm = new MockProvider().replyWith("{\"result\": \"yes\", \"rationale\": \"it answers\"}");
        boot();
    }

    private void boot() {
        server = OspreyServer.start(JudgeGateway.config(dir, kek)
                .withOnlineScoring(new OnlineScoring.Settings(Duration.ofMillis(100), 4, 2, Duration.ofMinutes(5),
                        Duration.ofMillis(SESSION_IDLE_MS))));
        api = new RestClient(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private static JsonNode ok(RestClient.Reply r) {
        return JudgeGateway.ok(r);
    }

    private void judgeEndpoint() {
        JudgeGateway.create(api, llm.baseUrl());
    }

    private String experiment(String name) {
        return ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private String register(String experimentId, String name, String serialized) {
        return ok(api.post(S + "/register", Json.object().put("experiment_id", experimentId).put("name", name)
                .put("serialized_scorer", serialized).toString())).path("scorer_id").asText();
    }

    private JsonNode config(String experimentId, String name, double rate, String filter) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("name", name).put("sample_rate", rate);
        if (filter != null) {
            body.put("filter_string", filter);
        }
        return api.send("PUT", S + "/online-config", body.toString()).json();
    }

    private List<JsonNode> feedback(String traceId, String name) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : ok(api.get("/api/3.0/mlflow/traces/" + traceId)).at("/trace/trace_info/assessments")) {
            if (a.path("assessment_name").asText().equals(name)) {
                out.add(a);
            }
        }
        return out;
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        JudgeGateway.await(condition);
    }

    @Test
    void newTraces_areJudgedOnce_andRestartsDoNotRepeatOrLoseWork() throws Exception {
        judgeEndpoint();
        String exp = experiment("online");
        String before = AgentTraces.send(server.baseUrl(), exp, "old?", "old", "d");
        String scorerId = register(exp, "answers", JUDGE);
        Thread.sleep(5);
        JsonNode config = config(exp, "answers", 1.0, null).path("config");
        assertThat(config.path("scorer_id").asText()).isEqualTo(scorerId);
        assertThat(config.path("sample_rate").asDouble()).isEqualTo(1.0);
        assertThat(api.get(S + "/online-configs").status()).as("MLflow 3.11 needs scorer_ids").isEqualTo(400);
        assertThat(ok(api.get(S + "/online-configs?scorer_ids=" + scorerId + "&scorer_ids=unknown")).path("configs"))
                .hasSize(1);

        List<String> traces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            traces.add(AgentTraces.send(server.baseUrl(), exp, "q" + i, "a" + i, "d"));
        }
        await(() -> traces.stream().allMatch(t -> feedback(t, "answers").size() == 1));
        JsonNode a = feedback(traces.getFirst(), "answers").getFirst();
        assertThat(a.at("/feedback/value").asText()).isEqualTo("yes");
        assertThat(a.path("rationale").asText()).isEqualTo("it answers");
        assertThat(a.at("/source/source_type").asText()).isEqualTo("LLM_JUDGE");
        assertThat(llm.last().body().path("model").asText()).isEqualTo("gpt-judge");
        assertThat(feedback(before, "answers")).as("traces before the config are not new").isEmpty();

        int calls = llm.calls();
        server.close();
        boot();
        String afterRestart = AgentTraces.send(server.baseUrl(), exp, "later?", "later", "d");
        await(() -> feedback(afterRestart, "answers").size() == 1);
        Thread.sleep(500);
        assertThat(llm.calls()).as("only the new trace was judged after the restart").isEqualTo(calls + 1);
        for (String t : traces) {
            assertThat(feedback(t, "answers")).hasSize(1);
        }
    }

    @Test
    void samplingAndFilters_selectTraces_andJudgeFailuresBecomeErrorsOnTheAssessment() throws Exception {
        judgeEndpoint();
        String exp = experiment("sampled");
        register(exp, "answers", JUDGE);
        register(exp, "never", JUDGE.replace("answers", "never"));
        config(exp, "answers", 1.0, "trace.status = 'OK'");
        config(exp, "never", 0.0, null);
        llm.failNext(100, 400);
        String t = AgentTraces.send(server.baseUrl(), exp, "q", "a", "d");
        await(() -> feedback(t, "answers").size() == 1);
        JsonNode a = feedback(t, "answers").getFirst();
        assertThat(a.at("/feedback/error/error_message").asText()).isNotEmpty();
        assertThat(a.at("/feedback/value").isMissingNode()).isTrue();
        Thread.sleep(400);
        assertThat(feedback(t, "never")).as("sample rate 0").isEmpty();
    }

    @Test
    void badConfigs_get400WithMlflowCodes() {
        String exp = experiment("bad-configs");
        register(exp, "python", "{\"call_source\": \"return 1\", \"original_func_name\": \"f\"}");
        register(exp, "judge", JUDGE);
        register(exp, "session", "{\"builtin_scorer_class\": \"UserFrustration\", \"builtin_scorer_pydantic_data\": "
                + "{\"model\": \"gateway:/judge\"}}");
        for (String body : List.of(
                "{\"experiment_id\": \"" + exp + "\", \"name\": \"judge\", \"sample_rate\": 1.5}",
                "{\"experiment_id\": \"" + exp + "\", \"name\": \"judge\"}",
                "{\"experiment_id\": \"" + exp + "\", \"name\": \"judge\", \"sample_rate\": 1, \"filter_string\": "
                        + "\"nonsense ===\"}",
                "{\"experiment_id\": \"" + exp + "\", \"name\": \"python\", \"sample_rate\": 1}")) {
            RestClient.Reply r = api.send("PUT", S + "/online-config", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        RestClient.Reply python = api.send("PUT", S + "/online-config", "{\"experiment_id\": \"" + exp
                + "\", \"name\": \"python\", \"sample_rate\": 1}");
        assertThat(python.json().path("message").asText()).contains("Python");
        assertThat(api.send("PUT", S + "/online-config", "{\"experiment_id\": \"" + exp
                + "\", \"name\": \"session\", \"sample_rate\": 1}").status()).as("session judges run online")
                .isEqualTo(200);
        RestClient.Reply missing = api.send("PUT", S + "/online-config", "{\"experiment_id\": \"" + exp
                + "\", \"name\": \"nope\", \"sample_rate\": 1}");
        assertThat(missing.status()).isEqualTo(404);
    }

    private String sessionTrace(String experimentId, String session, String question, String answer) {
        return AgentTraces.sessionTurn(api, experimentId, session, question, answer);
    }

    @Test
    void sessionJudges_judgeQuietSessionsOnce_andAgainWhenTheyGrow_acrossRestarts() throws Exception {
        judgeEndpoint();
        String exp = experiment("sessions");
        String scorerId = register(exp, "complete", SESSION_JUDGE);
        assertThat(config(exp, "complete", 1.0, null).path("config").path("scorer_id").asText()).isEqualTo(scorerId);
        String first = sessionTrace(exp, "s-1", "How do I reset my password?", "Open settings.");
        sessionTrace(exp, "s-1", "And then?", "Click reset and follow the mail.");
        String lone = sessionTrace(exp, null, "no session", "none");

        await(() -> feedback(first, "complete").size() == 1);
        JsonNode verdict = feedback(first, "complete").getFirst();
        assertThat(verdict.at("/feedback/value").asText()).isEqualTo("yes");
        assertThat(verdict.at("/metadata/mlflow.assessment.onlineScoringSessionId").asText()).isEqualTo("s-1");
        assertThat(verdict.at("/metadata/osprey.onlineScoring.sessionTraces").asText()).isEqualTo("2");
        String prompt = llm.last().body().toString();
        assertThat(prompt).contains("How do I reset my password?").contains("Click reset and follow the mail.");
        assertThat(feedback(lone, "complete")).as("a trace without a session is no session's").isEmpty();

        sessionTrace(exp, "s-1", "Thanks, and can I change my e-mail too?", "Yes, under profile.");
        await(() -> feedback(first, "complete").size() == 1 && feedback(first, "complete").getFirst()
                .at("/metadata/osprey.onlineScoring.sessionTraces").asText().equals("3"));
        assertThat(llm.last().body().toString()).contains("change my e-mail");

        int calls = llm.calls();
        server.close();
        boot();
        Thread.sleep(SESSION_IDLE_MS * 3);
        assertThat(llm.calls()).as("a restarted server does not judge a judged session again").isEqualTo(calls);
        assertThat(feedback(first, "complete")).hasSize(1);
    }
}
