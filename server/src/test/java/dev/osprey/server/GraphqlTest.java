package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * MLflow's {@code /graphql} with the queries its UI sends (run page, run search, metric charts, artifacts, model
 * versions), on a server with basic auth and workspaces: every field is authorized and kept in its workspace as
 * the REST endpoint it runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GraphqlTest {
    private static final String ADMIN = "admin-secret-1";
    /** The run page's query as MLflow's UI writes it (GetRun, with the component directive). */
    private static final String GET_RUN = """
            query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
              mlflowGetRun(input: $data) {
                apiError { helpUrl code message }
                run {
                  info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
                  experiment { experimentId name tags { key value } artifactLocation lastUpdateTime creationTime }
                  modelVersions { status version name source }
                  data { metrics { key value step timestamp } params { key value } tags { key value } }
                  inputs { datasetInputs { dataset { digest name profile schema source sourceType } tags { key value } }
                           modelInputs { modelId } }
                  outputs { modelOutputs { modelId step } }
                }
              }
            }""";
    private OspreyServer server;
    private WorkspaceCalls admin;
    private WorkspaceCalls alice;
    private String experiment;
    private String run;

    @BeforeAll
    void start() throws Exception {
        server = OspreyServer.start(WorkspacesTest.config(Files.createTempDirectory("osprey-graphql"))
                .withWorkspaces(true).withAuth(new ServerConfig.AuthOptions(true, "NO_PERMISSIONS",
                        Optional.of("admin"), Optional.of(ADMIN))));
        admin = new WorkspaceCalls(server.baseUrl(), Optional.of("admin:" + ADMIN));
        alice = new WorkspaceCalls(server.baseUrl(), Optional.of("alice:alice-password-12"));
        admin.ok(null, "POST", "/api/2.0/mlflow/users/create", "{\"username\": \"alice\", \"password\": "
                + "\"alice-password-12\"}");
        experiment = admin.ok(null, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"gql\", \"tags\": "
                + "[{\"key\": \"team\", \"value\": \"a\"}]}").path("experiment_id").asText();
        run = admin.ok(null, "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + experiment
                + "\", \"run_name\": \"first\"}").at("/run/info/run_id").asText();
        admin.ok(null, "POST", "/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + run + "\", \"metrics\": ["
                + "{\"key\": \"loss\", \"value\": 0.5, \"timestamp\": 1700000000123, \"step\": 1},"
                + "{\"key\": \"loss\", \"value\": 0.25, \"timestamp\": 1700000000456, \"step\": 2},"
                + "{\"key\": \"odd\", \"value\": \"NaN\", \"timestamp\": 1, \"step\": 0}],"
                + "\"params\": [{\"key\": \"lr\", \"value\": \"0.1\"}]}");
        admin.ok(null, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"gql-model\"}");
        admin.ok(null, "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"gql-model\", \"source\": "
                + "\"mlflow-artifacts:/" + experiment + "/" + run + "/artifacts/model\", \"run_id\": \"" + run
                + "\"}");
        assertThat(admin.send(null, "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + experiment + "/" + run
                + "/artifacts/notes.txt", "hello").statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static JsonNode graphql(WorkspaceCalls as, String workspace, String query, ObjectNode variables)
            throws Exception {
        ObjectNode body = Json.object().put("query", query);
        body.set("variables", variables);
        HttpResponse<String> r = as.send(workspace, "POST", "/graphql", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private ObjectNode runInput() {
        ObjectNode vars = Json.object();
        vars.putObject("data").put("runId", run);
        return vars;
    }

    @Test
    void theRunPage_readsRunExperimentModelVersionsAndLongsAsStrings() throws Exception {
        JsonNode answer = graphql(admin, null, GET_RUN, runInput());
        assertThat(answer.path("errors").isNull()).as(answer.toString()).isTrue();
        JsonNode got = answer.at("/data/mlflowGetRun/run");
        assertThat(got.at("/info/runName").asText()).isEqualTo("first");
        assertThat(got.at("/info/status").asText()).isEqualTo("RUNNING");
        assertThat(got.at("/info/startTime").isTextual()).as("LongString").isTrue();
        assertThat(got.at("/experiment/name").asText()).isEqualTo("gql");
        assertThat(got.at("/experiment/tags/0/value").asText()).isEqualTo("a");
        assertThat(got.at("/modelVersions/0/name").asText()).isEqualTo("gql-model");
        assertThat(got.at("/modelVersions/0/status").asText()).isEqualTo("READY");
        assertThat(got.at("/data/params/0/value").asText()).isEqualTo("0.1");
        JsonNode metrics = got.at("/data/metrics");
        assertThat(metrics.findValuesAsText("key")).contains("loss", "odd");
        metrics.forEach(m -> {
            if (m.path("key").asText().equals("odd")) {
                assertThat(m.path("value").isNull()).as("NaN is null, as MLflow answers it").isTrue();
            } else {
                assertThat(m.path("value").asDouble()).isEqualTo(0.25);
                assertThat(m.path("timestamp").asText()).isEqualTo("1700000000456");
            }
        });
    }

    @Test
    void runSearch_metricHistory_artifacts_modelVersions_andEcho() throws Exception {
        ObjectNode search = Json.object();
        search.putObject("data").put("filter", "params.lr = '0.1'").put("runViewType", "ACTIVE_ONLY")
                .putArray("experimentIds").add(experiment);
        JsonNode runs = graphql(admin, null, "mutation SearchRuns($data: MlflowSearchRunsInput) { "
                + "mlflowSearchRuns(input: $data) { runs { info { runUuid } } nextPageToken } }", search);
        assertThat(runs.at("/data/mlflowSearchRuns/runs").findValuesAsText("runUuid")).containsExactly(run);

        ObjectNode history = Json.object();
        history.putObject("data").put("metricKey", "loss").put("maxResults", 10).putArray("runIds").add(run);
        JsonNode points = graphql(admin, null, "query H($data: MlflowGetMetricHistoryBulkIntervalInput) { "
                + "mlflowGetMetricHistoryBulkInterval(input: $data) { metrics { key value step runId } } }", history);
        assertThat(points.at("/data/mlflowGetMetricHistoryBulkInterval/metrics").findValuesAsText("step"))
                .as(points.toString())
                .containsExactly("1", "2");

        ObjectNode list = Json.object();
        list.putObject("data").put("runId", run);
        JsonNode files = graphql(admin, null, "query A($data: MlflowListArtifactsInput) { mlflowListArtifacts("
                + "input: $data) { rootUri files { path isDir fileSize } } }", list);
        assertThat(files.at("/data/mlflowListArtifacts/files").findValuesAsText("path")).contains("notes.txt");

        ObjectNode versions = Json.object();
        versions.putObject("data").put("filter", "name = 'gql-model'").put("maxResults", "10");
        JsonNode found = graphql(admin, null, "query V($data: MlflowSearchModelVersionsInput) { "
                + "mlflowSearchModelVersions(input: $data) { modelVersions { name version runId } } }", versions);
        assertThat(found.at("/data/mlflowSearchModelVersions/modelVersions/0/runId").asText()).isEqualTo(run);

        assertThat(graphql(admin, null, "{ test(inputString: \"hi\") { output } }", Json.object())
                .at("/data/test/output").asText()).isEqualTo("hi");
        // GET works as well.
        HttpResponse<String> get = admin.send(null, "GET", "/graphql?query=" + URLEncoder.encode(
                "{ test(inputString: \"get\") { output } }", StandardCharsets.UTF_8), null);
        assertThat(Json.read(get.body()).at("/data/test/output").asText()).isEqualTo("get");
    }

    @Test
    void fieldsAreAuthorizedAndKeptInTheirWorkspace_asTheirEndpoints() throws Exception {
        JsonNode denied = graphql(alice, null, GET_RUN, runInput());
        assertThat(denied.at("/data/mlflowGetRun").isNull()).isTrue();
        assertThat(denied.path("errors").toString()).contains("Permission denied");

        assertThat(admin.send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"elsewhere\"}").statusCode())
                .isEqualTo(201);
        JsonNode foreign = graphql(admin, "elsewhere", GET_RUN, runInput());
        assertThat(foreign.at("/data/mlflowGetRun").isNull()).isTrue();
        assertThat(foreign.path("errors").toString()).contains("not found");

        ObjectNode unknown = Json.object();
        unknown.putObject("data").put("runId", "0".repeat(32));
        assertThat(graphql(admin, null, GET_RUN, unknown).path("errors").toString()).contains("not found");
        // Anonymous callers get the same 401 as on every other route.
        assertThat(new WorkspaceCalls(server.baseUrl(), Optional.empty()).send(null, "POST", "/graphql",
                "{\"query\": \"{ test(inputString: \\\"x\\\") { output } }\"}").statusCode()).isEqualTo(401);
    }

    @Test
    void requestsOverMlflowsLimits_runNothing() throws Exception {
        StringBuilder batched = new StringBuilder("{");
        for (int i = 0; i < 11; i++) {
            batched.append(" t").append(i).append(": test(inputString: \"x\") { output }");
        }
        JsonNode refused = graphql(admin, null, batched.append(" }").toString(), Json.object());
        assertThat(refused.path("data").isNull()).isTrue();
        assertThat(refused.path("errors").get(0).asText()).contains("at most 10 root fields, got 11");
        JsonNode syntax = graphql(admin, null, "{ test(", Json.object());
        assertThat(syntax.path("errors").size()).isEqualTo(1);
    }
}
