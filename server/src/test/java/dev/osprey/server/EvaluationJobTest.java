package dev.osprey.server;

import static dev.osprey.server.JudgeGateway.await;
import static dev.osprey.server.JudgeGateway.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Evaluation as a server job through REST: a dataset scored by a registered judge (through the server's gateway to a
 * mock OpenAI) and an inline code scorer, logged as an MLflow run with per-row assessments; a job interrupted by a
 * server stop resumes at the next start without judging a finished row twice.
 */
class EvaluationJobTest {
    private static final String E = "/api/3.0/osprey/evaluations";
    private static final String JUDGE = "{\"instructions_judge_pydantic_data\": {\"instructions\": \"Does "
            + "{{ outputs }} answer {{ inputs }}?\", \"model\": \"gateway:/judge\"}}";
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-evaluations");
        llm = new MockProvider().replyWith("{\"result\": \"yes\", \"rationale\": \"answers it\"}");
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
        llm.close();
    }

    private String experiment(String name) {
        return ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private String dataset(String experimentId, int rows) {
        ObjectNode create = Json.object().put("name", "qa");
        create.putArray("experiment_ids").add(experimentId);
        String id = ok(api.post("/api/3.0/mlflow/datasets/create", create.toString())).at("/dataset/dataset_id")
                .asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (int i = 0; i < rows; i++) {
            ObjectNode r = records.addObject();
            r.putObject("inputs").put("question", "q" + i);
            r.put("outputs", i % 2 == 0 ? "a" + i : "wrong");
            r.putObject("expectations").put("expected_response", "a" + i);
        }
        ok(api.post("/api/3.0/mlflow/datasets/" + id + "/records", Json.object().put("records", records.toString())
                .toString()));
        return id;
    }

    private void register(String experimentId, String name, String serialized) {
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experimentId)
                .put("name", name).put("serialized_scorer", serialized).toString()));
    }

    private JsonNode submit(String experimentId, String datasetId, int concurrency) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("dataset_id", datasetId)
                .put("concurrency", concurrency);
        ArrayNode scorers = body.putArray("scorers");
        scorers.add("answers");
        scorers.addObject().put("name", "exact").put("serialized_scorer", ScorerSpecs.codeScorer("exact_match",
                Json.object()));
        return ok(api.post(E, body.toString())).path("job");
    }

    private JsonNode job(String jobId) {
        return ok(api.get(E + "/" + jobId)).path("job");
    }

    private List<JsonNode> rows(String jobId) {
        List<JsonNode> out = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = ok(api.get(E + "/" + jobId + "/results?max_results=7"
                    + (token.isEmpty() ? "" : "&page_token=" + token)));
            page.path("rows").forEach(out::add);
            token = page.path("next_page_token").asText("");
        } while (!token.isEmpty());
        return out;
    }

    @Test
    void aDatasetJob_logsARunWithMetricsAndPerRowAssessments() throws Exception {
        String exp = experiment("eval-job");
        String datasetId = dataset(exp, 10);
        register(exp, "answers", JUDGE);
        JsonNode job = submit(exp, datasetId, 4);
        String jobId = job.path("job_id").asText();
        assertThat(job.path("status").asText()).isIn("PENDING", "IN_PROGRESS");
        await(() -> job(jobId).path("status").asText().equals("COMPLETED"));

        JsonNode done = job(jobId);
        assertThat(done.at("/progress/completed").asInt()).isEqualTo(10);
        assertThat(done.at("/result/scorers/answers/mean").asDouble()).isEqualTo(1.0);
        assertThat(done.at("/result/scorers/exact/passed").asInt()).isEqualTo(5);
        assertThat(done.at("/result/scorers/exact/failed").asInt()).isEqualTo(5);
        String runId = done.path("run_id").asText();
        JsonNode run = ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId)).path("run");
        assertThat(run.at("/info/status").asText()).isEqualTo("FINISHED");
        List<String> metrics = new ArrayList<>();
        run.at("/data/metrics").forEach(m -> metrics.add(m.path("key").asText() + "=" + m.path("value").asDouble()));
        assertThat(metrics).contains("answers/mean=1.0", "exact/mean=0.5");
        assertThat(llm.calls()).isEqualTo(10);

        List<JsonNode> rows = rows(jobId);
        assertThat(rows).hasSize(10);
        JsonNode first = rows.getFirst();
        assertThat(first.at("/inputs/question").asText()).isEqualTo("q0");
        assertThat(first.at("/assessments/answers/value").asText()).isEqualTo("yes");
        assertThat(first.at("/assessments/answers/rationale").asText()).isEqualTo("answers it");
        assertThat(first.at("/assessments/exact/value").asBoolean()).isTrue();
        JsonNode trace = ok(api.get("/api/3.0/mlflow/traces/" + first.path("trace_id").asText())).at("/trace/trace_info");
        assertThat(trace.at("/trace_metadata/mlflow.sourceRun").asText()).isEqualTo(runId);
        assertThat(ok(api.get(E + "?experiment_id=" + exp)).path("jobs")).hasSize(1);
    }

    @Test
    void aJobStoppedMidway_resumesOnRestart_withoutJudgingARowTwice() throws Exception {
        llm.delay(150);
        String exp = experiment("resume");
        String datasetId = dataset(exp, 12);
        register(exp, "answers", JUDGE);
        String jobId = submit(exp, datasetId, 2).path("job_id").asText();
        await(() -> job(jobId).at("/progress/completed").asInt() >= 3);
        server.close();
        try (var store = dev.osprey.store.Stores.open("sqlite:///" + dir + "/osprey.db")) {
            var stopped = store.jobs().get(jobId).orElseThrow();
            assertThat(stopped.status()).as("left for the next start").isEqualTo("IN_PROGRESS");
            assertThat(stopped.completed()).isLessThan(12);
        }
        int callsBeforeRestart = llm.calls();
        boot();
        await(() -> job(jobId).path("status").asText().equals("COMPLETED"));
        assertThat(job(jobId).at("/progress/completed").asInt()).isEqualTo(12);
        List<JsonNode> rows = rows(jobId);
        assertThat(rows).hasSize(12).allSatisfy(r -> {
            assertThat(r.at("/assessments/answers/value").asText()).isEqualTo("yes");
            assertThat(r.at("/assessments/exact").isObject()).isTrue();
        });
        for (JsonNode r : rows) {
            long answers = 0;
            for (JsonNode a : ok(api.get("/api/3.0/mlflow/traces/" + r.path("trace_id").asText()))
                    .at("/trace/trace_info/assessments")) {
                answers += a.path("assessment_name").asText().equals("answers") ? 1 : 0;
            }
            assertThat(answers).as("one verdict per row and scorer").isEqualTo(1);
        }
        // Rows judged before the stop are not judged again; at most the rows in flight at the stop (2) repeat.
        assertThat(llm.calls()).isBetween(12, 12 + 2);
        assertThat(callsBeforeRestart).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aTraceJob_scoresTheTracesThemselves_andBadRequestsGet400() throws Exception {
        String exp = experiment("traces");
        register(exp, "answers", JUDGE);
        String t1 = AgentTraces.send(server.baseUrl(), exp, "q1", "a1", "doc");
        String t2 = AgentTraces.send(server.baseUrl(), exp, "q2", "a2", "doc");
        ObjectNode body = Json.object().put("experiment_id", exp);
        body.putArray("trace_ids").add(t1).add(t2);
        body.putArray("scorers").add("answers").addObject().put("name", "tools").put("serialized_scorer",
                ScorerSpecs.codeScorer("latency", Json.object().put("max_ms", 10_000)));
        String jobId = ok(api.post(E, body.toString())).at("/job/job_id").asText();
        await(() -> job(jobId).path("status").asText().equals("COMPLETED"));
        assertThat(rows(jobId)).extracting(r -> r.path("trace_id").asText()).containsExactly(t1, t2);
        assertThat(rows(jobId).getFirst().at("/assessments/tools/value").asBoolean()).isTrue();

        String[] bad = {
            "{}",
            "{\"experiment_id\": \"" + exp + "\", \"scorers\": [\"answers\"]}",
            "{\"experiment_id\": \"" + exp + "\", \"trace_ids\": [\"" + t1 + "\"], \"scorers\": []}",
            "{\"experiment_id\": \"" + exp + "\", \"trace_ids\": [\"" + t1 + "\"], \"scorers\": [{\"name\": \"p\", "
                    + "\"serialized_scorer\": \"{\\\"call_source\\\": \\\"x\\\"}\"}]}",
            "{\"experiment_id\": \"" + exp + "\", \"trace_ids\": [\"" + t1 + "\"], \"scorers\": [\"answers\"], "
                    + "\"concurrency\": 0}",
        };
        for (String b : bad) {
            RestClient.Reply r = api.post(E, b);
            assertThat(r.status()).as(b).isEqualTo(400);
            assertThat(r.json().path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        assertThat(api.post(E, "{\"experiment_id\": \"" + exp + "\", \"trace_ids\": [\"" + t1 + "\"], "
                + "\"scorers\": [\"unregistered\"]}").status()).isEqualTo(404);
        assertThat(api.get(E + "/ej-missing").status()).isEqualTo(404);
    }

    @Test
    void sessionJudges_judgeEachSessionOfTheTraces_onItsFirstTrace() throws Exception {
        String exp = experiment("sessions");
        register(exp, "answers", JUDGE);
        register(exp, "complete", "{\"instructions_judge_pydantic_data\": {\"instructions\": \"Was the user "
                + "helped in {{ conversation }}? Expected: {{ expectations }}\", \"model\": \"gateway:/judge\"}}");
        String a1 = AgentTraces.sessionTurn(api, exp, "s-a", "first question of a", "first answer of a");
        String a2 = AgentTraces.sessionTurn(api, exp, "s-a", "second question of a", "second answer of a");
        ok(api.post("/api/3.0/mlflow/traces/" + a1 + "/assessments", "{\"assessment\": {\"assessment_name\": "
                + "\"goal\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"me\"}, "
                + "\"expectation\": {\"value\": \"password reset explained\"}}}"));
        String b1 = AgentTraces.sessionTurn(api, exp, "s-b", "only question of b", "only answer of b");
        String lone = AgentTraces.sessionTurn(api, exp, null, "no session", "none");
        ObjectNode body = Json.object().put("experiment_id", exp);
        body.putArray("trace_ids").add(a2).add(b1).add(a1).add(lone);
        body.putArray("scorers").add("answers").add("complete");
        String jobId = ok(api.post(E, body.toString())).at("/job/job_id").asText();
        await(() -> job(jobId).path("status").asText().equals("COMPLETED"));

        Map<String, JsonNode> byTrace = new java.util.HashMap<>();
        rows(jobId).forEach(r -> byTrace.put(r.path("trace_id").asText(), r.path("assessments")));
        assertThat(byTrace.get(a1).path("complete").path("value").asText()).isEqualTo("yes");
        assertThat(byTrace.get(b1).path("complete").path("error").asText())
                .as("a judge reading {{ expectations }} of a session that has none").contains("expectations");
        assertThat(byTrace.get(a2).has("complete")).as("a session's verdict is on its first trace only").isFalse();
        assertThat(byTrace.get(lone).has("complete")).as("no session, no session verdict").isFalse();
        assertThat(byTrace.get(lone).path("answers").path("value").asText()).isEqualTo("yes");
        List<String> prompts = llm.received().stream().map(r -> r.body().toString()).toList();
        assertThat(prompts).anyMatch(p -> p.contains("first question of a") && p.contains("second answer of a")
                && p.indexOf("first question of a") < p.indexOf("second question of a")
                && p.contains("password reset explained"));
        assertThat(job(jobId).at("/result/scorers/complete/passed").asLong()).isEqualTo(1);
        assertThat(job(jobId).at("/result/scorers/complete/errors").asLong()).isEqualTo(1);

        RestClient.Reply onDataset = api.post(E, Json.object().put("experiment_id", exp).put("dataset_id",
                dataset(exp, 1)).set("scorers", Json.MAPPER.createArrayNode().add("complete")).toString());
        assertThat(onDataset.status()).isEqualTo(400);
        assertThat(onDataset.json().path("message").asText()).contains("Session-level");
    }
}
