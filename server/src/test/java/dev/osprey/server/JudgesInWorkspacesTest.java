package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Judges the server runs call its gateway in process: with basic auth on they need no credentials of their own, an
 * evaluation job in a workspace uses that workspace's endpoint (whose usage traces stay there), and an endpoint of
 * another workspace is not theirs to spend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JudgesInWorkspacesTest {
    private static final String ADMIN = "admin-secret-1";
    private static final String G = "/api/3.0/mlflow/gateway";
    private MockProvider llm;
    private OspreyServer server;
    private WorkspaceCalls calls;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyWith("{\"result\": \"yes\", \"rationale\": \"answers it\"}");
        server = OspreyServer.start(JudgeGateway.config(Files.createTempDirectory("osprey-judges-ws"),
                JudgeGateway.newKek()).withWorkspaces(true).withAuth(new ServerConfig.AuthOptions(true, "READ",
                Optional.of("admin"), Optional.of(ADMIN))));
        calls = new WorkspaceCalls(server.baseUrl(), Optional.of("admin:" + ADMIN));
        assertThat(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"team-j\"}").statusCode())
                .isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    private HttpResponse<String> send(String workspace, String method, String path, String json) throws Exception {
        return calls.send(workspace, method, path, json);
    }

    private JsonNode ok(String workspace, String method, String path, String json) throws Exception {
        return calls.ok(workspace, method, path, json);
    }

    /** An experiment with a two-row dataset and a judge on {@code gateway:/<endpoint>}; the finished job. */
    private JsonNode evaluate(String workspace, String name, String endpoint) throws Exception {
        String exp = ok(workspace, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}")
                .path("experiment_id").asText();
        ObjectNode create = Json.object().put("name", name + "-qa");
        create.putArray("experiment_ids").add(exp);
        String dataset = ok(workspace, "POST", "/api/3.0/mlflow/datasets/create", create.toString())
                .at("/dataset/dataset_id").asText();
        ArrayNode records = Json.MAPPER.createArrayNode();
        for (int i = 0; i < 2; i++) {
            ObjectNode r = records.addObject();
            r.putObject("inputs").put("question", "q" + i);
            r.put("outputs", "a" + i);
        }
        ok(workspace, "POST", "/api/3.0/mlflow/datasets/" + dataset + "/records", Json.object().put("records",
                records.toString()).toString());
        ok(workspace, "POST", "/api/3.0/mlflow/scorers/register", Json.object().put("experiment_id", exp)
                .put("name", "answers").put("serialized_scorer", "{\"instructions_judge_pydantic_data\": "
                        + "{\"instructions\": \"Does {{ outputs }} answer {{ inputs }}?\", \"model\": \"gateway:/"
                        + endpoint + "\"}}").toString());
        ObjectNode submit = Json.object().put("experiment_id", exp).put("dataset_id", dataset);
        submit.putArray("scorers").add("answers");
        String job = ok(workspace, "POST", "/api/3.0/osprey/evaluations", submit.toString()).at("/job/job_id")
                .asText();
        JudgeGateway.await(() -> {
            try {
                return ok(workspace, "GET", "/api/3.0/osprey/evaluations/" + job, null).at("/job/status").asText()
                        .equals("COMPLETED");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return ok(workspace, "GET", "/api/3.0/osprey/evaluations/" + job + "/results", null);
    }

    @Test
    void aJobInAWorkspace_judgesThroughItsOwnEndpoint_withAuthOn_andNotThroughAnotherWorkspaces() throws Exception {
        ObjectNode secret = Json.object().put("secret_name", "judge-j-key").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", "sk-judge");
        secret.putObject("auth_config").put("api_base", llm.baseUrl() + "/v1");
        String secretId = ok("team-j", "POST", G + "/secrets/create", secret.toString()).at("/secret/secret_id")
                .asText();
        String model = ok("team-j", "POST", G + "/model-definitions/create", Json.object().put("name", "judge-j-model")
                .put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-judge").toString())
                .at("/model_definition/model_definition_id").asText();
        ObjectNode endpoint = Json.object().put("name", "judge-j").put("usage_tracking", true);
        endpoint.putArray("model_configs").addObject().put("model_definition_id", model)
                .put("linkage_type", "PRIMARY").put("weight", 1.0);
        String traces = ok("team-j", "POST", G + "/endpoints/create", endpoint.toString()).at("/endpoint/experiment_id")
                .asText();

        JsonNode inTeam = evaluate("team-j", "judged", "judge-j");
        assertThat(inTeam.path("rows")).hasSize(2);
        inTeam.path("rows").forEach(row -> assertThat(row.at("/assessments/answers/value").asText()).as(row
                .toString()).isEqualTo("yes"));
        assertThat(llm.calls()).isEqualTo(2);
        // The judge's calls are the endpoint's usage traces, in the team's own experiment.
        JudgeGateway.await(() -> {
            try {
                return ok("team-j", "POST", "/api/3.0/mlflow/traces/search", "{\"locations\": [{\"type\": "
                        + "\"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"" + traces + "\"}}]}")
                        .path("traces").size() == 2;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        // From the default workspace the team's endpoint is not there to spend.
        JsonNode outside = evaluate(null, "judged-outside", "judge-j");
        assertThat(outside.path("rows").toString()).contains("no gateway endpoint 'judge-j' in workspace 'default'");
        assertThat(llm.calls()).as("no provider call for the other workspace").isEqualTo(2);
    }
}
