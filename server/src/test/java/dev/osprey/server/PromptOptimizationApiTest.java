package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * MLflow's prompt-optimization jobs with the MetaPrompt optimizer, end to end over REST: a scripted model answers
 * correctly only when the prompt tells it to answer in French, the judge knows a French answer is right, and the
 * reflection model proposes that instruction; the job scores before and after, registers version 2 with its
 * lineage and logs MLflow's score metrics on its run.
 */
class PromptOptimizationApiTest {
    private static final String P = "/api/3.0/mlflow/prompt-optimization/jobs";
    private static final String FRENCH = "Always answer in French.";
    private final byte[] kek = JudgeGateway.newKek();
    private Path dir;
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;
    private String experiment;
    private String dataset;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-optimize");
        llm = new MockProvider().replyBy(PromptOptimizationApiTest::script);
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JudgeGateway.create(api, llm.baseUrl());
        experiment = ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"optimize\"}"))
                .path("experiment_id").asText();
        ObjectNode create = Json.object().put("name", "greetings");
        create.putArray("experiment_ids").add(experiment);
        dataset = ok(api.post("/api/3.0/mlflow/datasets/create", create.toString())).at("/dataset/dataset_id")
                .asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (String q : List.of("Say hello", "Greet the user", "Welcome me")) {
            ObjectNode r = records.addObject();
            r.putObject("inputs").put("question", q);
            r.putObject("expectations").put("expected_response", "Bonjour");
        }
        ok(api.post("/api/3.0/mlflow/datasets/" + dataset + "/records", Json.object()
                .put("records", records.toString()).toString()));
        String judge = Json.object().put("name", "french").set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", "Is {{ outputs }} a correct answer to {{ inputs }}?")
                .put("model", "gateway:/judge")).toString();
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experiment)
                .put("name", "french").put("serialized_scorer", judge).toString()));
        prompt("greet", "Answer this: {{question}}", "{\"provider\": \"openai\", \"model_name\": \"gpt-judge\"}");
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    /** The model plays the prompt's model, the judge and the reflection model. */
    private static String script(JsonNode body) {
        String prompt = body.path("messages").toString();
        if (prompt.contains("Improve the prompt template")) {
            return "{\"greet\": \"" + FRENCH + " Answer this: {{question}}\"}";
        }
        if (prompt.contains("a correct answer to")) {
            boolean french = prompt.contains("Bonjour");
            return "{\"result\": \"" + (french ? "yes" : "no") + "\", \"rationale\": \"" + (french ? "in French"
                    : "not in French") + "\"}";
        }
        return prompt.contains(FRENCH) ? "Bonjour" : "Hello";
    }

    private static JsonNode ok(RestClient.Reply r) {
        return JudgeGateway.ok(r);
    }

    private void prompt(String name, String template, String modelConfig) {
        ObjectNode model = Json.object().put("name", name);
        model.putArray("tags").addObject().put("key", "mlflow.prompt.is_prompt").put("value", "true");
        ok(api.post("/api/2.0/mlflow/registered-models/create", model.toString()));
        ObjectNode version = Json.object().put("name", name).put("source", "dummy-source");
        ArrayNode tags = version.putArray("tags");
        tags.addObject().put("key", "mlflow.prompt.is_prompt").put("value", "true");
        tags.addObject().put("key", "mlflow.prompt.text").put("value", template);
        tags.addObject().put("key", "_mlflow_prompt_type").put("value", "text");
        if (modelConfig != null) {
            tags.addObject().put("key", "_mlflow_prompt_model_config").put("value", modelConfig);
        }
        ok(api.post("/api/2.0/mlflow/model-versions/create", version.toString()));
    }

    private ObjectNode request(String promptUri, String optimizer, String configJson, List<String> scorers) {
        ObjectNode body = Json.object().put("experiment_id", experiment).put("source_prompt_uri", promptUri);
        ObjectNode config = body.putObject("config").put("optimizer_type", optimizer).put("dataset_id", dataset)
                .put("optimizer_config_json", configJson);
        scorers.forEach(config.putArray("scorers")::add);
        body.putArray("tags").addObject().put("key", "team").put("value", "growth");
        return body;
    }

    private JsonNode finished(String jobId) throws InterruptedException {
        JsonNode[] job = new JsonNode[1];
        JudgeGateway.await(() -> {
            job[0] = ok(api.get(P + "/" + jobId)).path("job");
            return !List.of("JOB_STATUS_PENDING", "JOB_STATUS_IN_PROGRESS").contains(job[0].at("/state/status")
                    .asText());
        });
        return job[0];
    }

    @Test
    void metaPrompt_learnsTheMissingInstruction_andRegistersTheNextVersion() throws Exception {
        JsonNode created = ok(api.post(P, request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT",
                "{\"reflection_model\": \"gateway:/judge\", \"guidelines\": \"Users are French.\"}",
                List.of("french")).toString())).path("job");
        String jobId = created.path("job_id").asText();
        String runId = created.path("run_id").asText();
        assertThat(runId).isNotEmpty();
        assertThat(created.at("/config/optimizer_type").asText()).isEqualTo("OPTIMIZER_TYPE_METAPROMPT");
        assertThat(created.at("/tags/0/value").asText()).isEqualTo("growth");

        JsonNode job = finished(jobId);
        assertThat(job.at("/state/status").asText()).as(job.toString()).isEqualTo("JOB_STATUS_COMPLETED");
        assertThat(job.path("optimized_prompt_uri").asText()).isEqualTo("prompts:/greet/2");
        assertThat(job.at("/initial_eval_scores/aggregate").asDouble()).isZero();
        assertThat(job.at("/final_eval_scores/aggregate").asDouble()).isEqualTo(1.0);
        assertThat(job.at("/final_eval_scores/french").asDouble()).isEqualTo(1.0);

        JsonNode v2 = ok(api.get("/api/2.0/mlflow/model-versions/get?name=greet&version=2")).path("model_version");
        String template = "";
        String modelConfig = "";
        String source = "";
        for (JsonNode t : v2.path("tags")) {
            switch (t.path("key").asText()) {
                case "mlflow.prompt.text" -> template = t.path("value").asText();
                case "_mlflow_prompt_model_config" -> modelConfig = t.path("value").asText();
                case "osprey.optimization.source" -> source = t.path("value").asText();
                default -> { }
            }
        }
        assertThat(template).isEqualTo(FRENCH + " Answer this: {{question}}");
        assertThat(modelConfig).contains("gpt-judge");
        assertThat(source).isEqualTo("prompts:/greet/1");
        assertThat(llm.received().stream().map(r -> r.body().path("messages").toString())
                .filter(m -> m.contains("Improve the prompt template")).findFirst().orElseThrow())
                .as("the reflection model saw the failures and the guidelines").contains("not in French")
                .contains("Users are French.");

        JsonNode run = ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId)).path("run");
        assertThat(run.at("/info/status").asText()).isEqualTo("FINISHED");
        assertThat(run.at("/data/params").findValuesAsText("key")).contains("source_prompt_uri", "optimizer_type");
        assertThat(run.at("/data/metrics").findValuesAsText("key")).contains("initial_eval_score",
                "final_eval_score", "total_metric_calls");

        JsonNode found = ok(api.post(P + "/search", "{\"experiment_id\": \"" + experiment + "\"}")).path("jobs");
        assertThat(found.findValuesAsText("job_id")).containsExactly(jobId);
        JsonNode mlflowJob = ok(api.get("/ajax-api/3.0/jobs/" + jobId));
        assertThat(mlflowJob.path("job_name").asText()).isEqualTo("optimize_prompts");
        JsonNode candidates = mlflowJob.at("/result/candidates");
        assertThat(candidates).as("the source and the rewrite, for the UI").hasSize(2);
        assertThat(candidates.at("/0/template").asText()).isEqualTo("Answer this: {{question}}");
        assertThat(candidates.at("/0/score").asDouble()).isZero();
        assertThat(candidates.at("/1/score").asDouble()).isEqualTo(1.0);
        assertThat(candidates.at("/1/chosen").asBoolean()).isTrue();

        ok(api.send("DELETE", P + "/" + jobId, "{}"));
        assertThat(api.get(P + "/" + jobId).status()).isEqualTo(404);
        assertThat(ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId)).at("/run/info/lifecycle_stage").asText())
                .isEqualTo("deleted");
    }

    @Test
    void gepa_evolvesThePrompt_withinItsMetricCallBudget() throws Exception {
        JsonNode created = ok(api.post(P, request("prompts:/greet/1", "OPTIMIZER_TYPE_GEPA",
                "{\"reflection_model\": \"gateway:/judge\", \"max_metric_calls\": 20}", List.of("french"))
                .toString())).path("job");
        JsonNode job = finished(created.path("job_id").asText());
        assertThat(job.at("/state/status").asText()).as(job.toString()).isEqualTo("JOB_STATUS_COMPLETED");
        assertThat(job.at("/config/optimizer_type").asText()).isEqualTo("OPTIMIZER_TYPE_GEPA");
        assertThat(job.at("/initial_eval_scores/aggregate").asDouble()).isZero();
        assertThat(job.at("/final_eval_scores/aggregate").asDouble()).isEqualTo(1.0);
        assertThat(job.path("optimized_prompt_uri").asText()).isEqualTo("prompts:/greet/2");
        JsonNode run = ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + created.path("run_id").asText())).path("run");
        double calls = 0;
        for (JsonNode m : run.at("/data/metrics")) {
            if (m.path("key").asText().equals("total_metric_calls")) {
                calls = m.path("value").asDouble();
            }
        }
        assertThat(calls).as("row evaluations spent").isBetween(6.0, 20.0);
    }

    @Test
    void aJobTheServerDidNotFinish_runsAgainAfterARestart_andRegistersOneVersion() throws Exception {
        llm.delay(100);
        String jobId = ok(api.post(P, request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT",
                "{\"reflection_model\": \"gateway:/judge\"}", List.of("french")).toString())).at("/job/job_id")
                .asText();
        JudgeGateway.await(() -> ok(api.get(P + "/" + jobId)).at("/job/state/status").asText()
                .equals("JOB_STATUS_IN_PROGRESS"));
        server.close();
        llm.delay(0);
        server = OspreyServer.start(JudgeGateway.config(dir, kek));
        api = new RestClient(server.baseUrl());
        JsonNode job = finished(jobId);
        assertThat(job.at("/state/status").asText()).as(job.toString()).isEqualTo("JOB_STATUS_COMPLETED");
        assertThat(job.path("optimized_prompt_uri").asText()).isEqualTo("prompts:/greet/2");
        assertThat(api.get("/api/2.0/mlflow/model-versions/get?name=greet&version=3").status())
                .as("registered once").isEqualTo(404);
    }

    @Test
    void badRequests_areRefusedBeforeAnyRunExists() {
        prompt("bare", "Answer: {{question}}", null);
        String reflection = "{\"reflection_model\": \"gateway:/judge\"}";
        record Case(ObjectNode body, String message) {}
        for (Case c : List.of(
                new Case(request("prompts:/greet/1", "OPTIMIZER_TYPE_GEPA", reflection, List.of()),
                        "GEPA optimizer learns from scored examples"),
                new Case(request("prompts:/greet/1", "OPTIMIZER_TYPE_UNSPECIFIED", reflection, List.of()),
                        "optimizer_type is required"),
                new Case(request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT", "{}", List.of()), "reflection_model"),
                new Case(request("prompts:/bare/1", "OPTIMIZER_TYPE_METAPROMPT", reflection, List.of()),
                        "model configuration"),
                new Case(request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT", reflection, List.of("nope")),
                        "Scorer 'nope'"),
                new Case(request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT", "{not json", List.of()),
                        "Invalid JSON"))) {
            RestClient.Reply r = api.post(P, c.body().toString());
            assertThat(r.status()).as(c.message()).isEqualTo(400);
            assertThat(r.json().path("message").asText()).as(r.body()).contains(c.message());
        }
        // The dataset must carry what the prompt and the judges read.
        prompt("asks", "Answer {{question}} in {{language}}", "{\"provider\": \"openai\", \"model_name\": "
                + "\"gpt-judge\"}");
        RestClient.Reply noVariable = api.post(P, request("prompts:/asks/1", "OPTIMIZER_TYPE_METAPROMPT", reflection,
                List.of()).toString());
        assertThat(noVariable.status()).isEqualTo(400);
        assertThat(noVariable.json().path("message").asText()).contains("has no input [language]");
        String strict = Json.object().put("name", "exact").set("instructions_judge_pydantic_data", Json.object()
                .put("instructions", "Does {{ outputs }} match {{ expectations }}?").put("model", "gateway:/judge"))
                .toString();
        ok(api.post("/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", experiment)
                .put("name", "exact").put("serialized_scorer", strict).toString()));
        ObjectNode create = Json.object().put("name", "no-expectations");
        create.putArray("experiment_ids").add(experiment);
        String bare = ok(api.post("/api/3.0/mlflow/datasets/create", create.toString())).at("/dataset/dataset_id")
                .asText();
        ok(api.post("/api/3.0/mlflow/datasets/" + bare + "/records", Json.object().put("records",
                "[{\"inputs\": {\"question\": \"hi\"}}]").toString()));
        ObjectNode withoutFields = request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT", reflection,
                List.of("exact"));
        ((ObjectNode) withoutFields.get("config")).put("dataset_id", bare);
        RestClient.Reply noExpectations = api.post(P, withoutFields.toString());
        assertThat(noExpectations.status()).isEqualTo(400);
        assertThat(noExpectations.json().path("message").asText()).contains("Scorer 'exact' reads {{ expectations }}");

        ObjectNode noDataset = request("prompts:/greet/1", "OPTIMIZER_TYPE_METAPROMPT", reflection, List.of("french"));
        ((ObjectNode) noDataset.get("config")).remove("dataset_id");
        assertThat(api.post(P, noDataset.toString()).status()).as("scorers need a dataset").isEqualTo(400);
        assertThat(ok(api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experiment + "\"]}"))
                .path("runs").isMissingNode()).as("no run was made").isTrue();
    }
}
