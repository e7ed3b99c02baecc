package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MLflow's job API and the UI's "run judge" ({@code scorer/invoke}) through a real socket: a judge in MLflow's
 * serialized form scores traces through the server's own gateway to a mock OpenAI, as {@code invoke_scorer} jobs
 * that the FastAPI routes and the Flask polling routes both show.
 */
class MlflowJobApiTest {
    private static final String JUDGE = "{\"name\": \"answers\", \"instructions_judge_pydantic_data\": "
            + "{\"instructions\": \"Does {{ outputs }} answer {{ inputs }}?\", \"model\": \"gateway:/judge\"}}";
    private static final String PYTHON_SCORER = "{\"name\": \"mine\", \"call_source\": \"return True\"}";
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-jobs");
        llm = new MockProvider().replyWith("{\"result\": \"yes\", \"rationale\": \"it answers\"}");
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JudgeGateway.create(api, llm.baseUrl());
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    private String experiment(String name) {
        return JudgeGateway.ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private List<JsonNode> feedback(String traceId, String name) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : JudgeGateway.ok(api.get("/api/3.0/mlflow/traces/" + traceId))
                .at("/trace/trace_info/assessments")) {
            if (a.path("assessment_name").asText().equals(name)) {
                out.add(a);
            }
        }
        return out;
    }

    private JsonNode finished(String jobId) throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        JudgeGateway.await(() -> {
            last[0] = JudgeGateway.ok(api.get("/ajax-api/3.0/mlflow/jobs/" + jobId));
            return !List.of("PENDING", "RUNNING").contains(last[0].path("status").asText());
        });
        return last[0];
    }

    private static ObjectNode params(String experimentId, String serialized, List<String> traceIds, boolean log) {
        ObjectNode p = Json.object().put("experiment_id", experimentId).put("serialized_scorer", serialized)
                .put("log_assessments", log);
        traceIds.forEach(p.putArray("trace_ids")::add);
        return p;
    }

    @Test
    void invokeScorer_judgesTheTraces_logsTheFeedback_andThePollingRoutesShowTheResult() throws Exception {
        String exp = experiment("invoke");
        String first = AgentTraces.send(server.baseUrl(), exp, "What is 2+2?", "4", "d");
        String second = AgentTraces.send(server.baseUrl(), exp, "Capital of France?", "Paris", "d");

        JsonNode invoked = JudgeGateway.ok(api.post("/ajax-api/3.0/mlflow/scorer/invoke",
                params(exp, JUDGE, List.of(first, second), true).toString()));
        assertThat(invoked.path("jobs")).hasSize(1);
        assertThat(invoked.at("/jobs/0/trace_ids")).extracting(JsonNode::asText).containsExactly(first, second);
        String jobId = invoked.at("/jobs/0/job_id").asText();

        JsonNode done = finished(jobId);
        assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/status_details/completed").asLong()).isEqualTo(2);
        for (String trace : List.of(first, second)) {
            JsonNode result = done.path("result").path(trace);
            assertThat(result.path("failures")).isEmpty();
            assertThat(result.at("/assessments/0/feedback/value").asText()).isEqualTo("yes");
            assertThat(result.at("/assessments/0/assessment_name").asText()).isEqualTo("answers");
            JsonNode stored = feedback(trace, "answers").getFirst();
            assertThat(stored.path("assessment_id").asText()).isEqualTo(result.at("/assessments/0/assessment_id")
                    .asText());
            assertThat(stored.path("rationale").asText()).isEqualTo("it answers");
        }
        assertThat(llm.last().body().path("model").asText()).isEqualTo("gpt-judge");

        // MLflow's FastAPI job model for the same job.
        JsonNode job = JudgeGateway.ok(api.get("/ajax-api/3.0/jobs/" + jobId));
        assertThat(job.path("job_id").asText()).isEqualTo(jobId);
        assertThat(job.path("job_name").asText()).isEqualTo("invoke_scorer");
        assertThat(job.at("/params/experiment_id").asText()).isEqualTo(exp);
        assertThat(job.path("timeout").isNull()).isTrue();
        assertThat(job.path("retry_count").asInt()).isZero();
        assertThat(job.path("creation_time").asLong()).isPositive();
        assertThat(job.at("/result/" + first + "/assessments/0/feedback/value").asText()).isEqualTo("yes");
    }

    @Test
    void submitSearchAndCancel_throughTheFastApiRoutes() throws Exception {
        String exp = experiment("jobs-a");
        String other = experiment("jobs-b");
        String trace = AgentTraces.send(server.baseUrl(), exp, "q", "a", "d");

        ObjectNode submit = Json.object().put("job_name", "invoke_scorer").put("timeout", 60.0);
        submit.set("params", params(exp, JUDGE, List.of(trace), false));
        JsonNode job = JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/", submit.toString()));
        assertThat(job.path("status").asText()).isIn("PENDING", "RUNNING", "SUCCEEDED");
        assertThat(job.path("timeout").asDouble()).isEqualTo(60.0);
        String jobId = job.path("job_id").asText();
        assertThat(finished(jobId).path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(feedback(trace, "answers")).as("log_assessments false writes nothing").isEmpty();

        ObjectNode search = Json.object().put("job_name", "invoke_scorer");
        search.putObject("params").put("experiment_id", exp);
        search.putArray("statuses").add("SUCCEEDED");
        JsonNode found = JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/search", search.toString())).path("jobs");
        assertThat(found).extracting(j -> j.path("job_id").asText()).containsExactly(jobId);
        search.putObject("params").put("experiment_id", other);
        assertThat(JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/search", search.toString())).path("jobs")).isEmpty();
        search.putArray("statuses").add("FAILED");
        search.remove("params");
        assertThat(JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/search", search.toString())).path("jobs")).isEmpty();

        // Canceling a finished job changes nothing; a slow one stops and stays canceled.
        JsonNode again = JudgeGateway.ok(api.send("PATCH", "/ajax-api/3.0/jobs/cancel/" + jobId, "{}"));
        assertThat(again.path("status").asText()).isEqualTo("SUCCEEDED");
        llm.delay(2_000);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            many.add(AgentTraces.send(server.baseUrl(), exp, "q" + i, "a" + i, "d"));
        }
        submit.set("params", params(exp, JUDGE, many, true));
        String slow = JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/", submit.toString())).path("job_id").asText();
        JsonNode canceled = JudgeGateway.ok(api.send("PATCH", "/ajax-api/3.0/mlflow/jobs/cancel/" + slow, "{}"));
        assertThat(canceled.path("status").asText()).isEqualTo("CANCELED");
        Thread.sleep(2_500);
        assertThat(finished(slow).path("status").asText()).isEqualTo("CANCELED");
        assertThat(many.stream().mapToInt(t -> feedback(t, "answers").size()).sum())
                .as("a canceled job stops after the trace in flight").isLessThanOrEqualTo(1);
    }

    @Test
    void clientMistakes_areAnsweredBeforeAnyJobExists() {
        String exp = experiment("jobs-bad");
        ObjectNode submit = Json.object().put("job_name", "train_a_model");
        submit.set("params", params(exp, JUDGE, List.of("tr-1"), false));
        RestClient.Reply unknown = api.post("/ajax-api/3.0/jobs/", submit.toString());
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().path("message").asText()).isEqualTo("Invalid job name: train_a_model");

        RestClient.Reply noTraces = api.post("/ajax-api/3.0/mlflow/scorer/invoke",
                params(exp, JUDGE, List.of(), true).toString());
        assertThat(noTraces.status()).isEqualTo(400);
        assertThat(noTraces.json().path("message").asText()).isEqualTo("Please select at least one trace to evaluate.");

        RestClient.Reply python = api.post("/ajax-api/3.0/mlflow/scorer/invoke",
                params(exp, PYTHON_SCORER, List.of("tr-1"), true).toString());
        assertThat(python.status()).isEqualTo(400);
        assertThat(python.json().path("message").asText()).contains("Python code");

        RestClient.Reply noExperiment = api.post("/ajax-api/3.0/mlflow/scorer/invoke",
                params("987654", JUDGE, List.of("tr-1"), true).toString());
        assertThat(noExperiment.status()).isEqualTo(404);

        assertThat(api.get("/ajax-api/3.0/jobs/no-such-job").status()).isEqualTo(404);
        assertThat(api.get("/ajax-api/3.0/mlflow/jobs/no-such-job").json().path("error_code").asText())
                .isEqualTo("RESOURCE_DOES_NOT_EXIST");
        assertThat(JudgeGateway.ok(api.post("/ajax-api/3.0/jobs/search", "{}")).path("jobs")).isEmpty();
    }
}
