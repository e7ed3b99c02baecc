package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway with workspaces: each workspace's calls are its own usage, its budgets count only its calls (so one
 * team's spent budget refuses nothing of another's), and budgets are seen and changed only in their workspace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayWorkspacesTest {
    private static final String G = "/api/3.0/mlflow/gateway";
    private OspreyServer server;
    private WorkspaceCalls calls;
    private MockProvider provider;

    @BeforeAll
    void start() throws Exception {
        provider = new MockProvider();
        server = OspreyServer.start(WorkspacesTest.config(Files.createTempDirectory("osprey-gw-ws"))
                .withWorkspaces(true));
        calls = new WorkspaceCalls(server.baseUrl(), java.util.Optional.empty());
        assertThat(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"team-g\"}").statusCode())
                .isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
        provider.close();
    }

    private HttpResponse<String> send(String workspace, String method, String path, String json) throws Exception {
        return calls.send(workspace, method, path, json);
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    /** A secret, a priced model and an endpoint of that name in the workspace. */
    private void endpoint(String workspace, String name) throws Exception {
        ObjectNode secret = Json.object().put("secret_name", name + "-key").put("provider", "openai");
        secret.putObject("secret_value").put("api_key", key(workspace, name));
        secret.putObject("auth_config").put("api_base", provider.baseUrl() + "/v1");
        String secretId = ok(send(workspace, "POST", G + "/secrets/create", secret.toString())).at("/secret/secret_id")
                .asText();
        String model = ok(send(workspace, "POST", G + "/model-definitions/create", Json.object().put("name",
                name + "-model").put("secret_id", secretId).put("provider", "openai").put("model_name", "gpt-4o-mini")
                .toString())).at("/model_definition/model_definition_id").asText();
        ObjectNode body = Json.object().put("name", name);
        body.putArray("model_configs").addObject().put("model_definition_id", model).put("linkage_type", "PRIMARY")
                .put("weight", 1.0);
        ok(send(workspace, "POST", G + "/endpoints/create", body.toString()));
    }

    private static String key(String workspace, String endpoint) {
        return "sk-" + endpoint + "-" + (workspace == null ? "default" : workspace);
    }

    private HttpResponse<String> call(String workspace, String endpoint) throws Exception {
        return send(workspace, "POST", "/gateway/mlflow/v1/chat/completions", "{\"model\": \"" + endpoint
                + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
    }

    private List<String> usageKeys(String workspace) throws Exception {
        return ok(send(workspace, "GET", G + "/usage?group_by=endpoint", null)).path("usage").findValuesAsText("key");
    }

    @Test
    void theSameEndpointSecretAndModelNames_inTwoWorkspaces_eachCallReachesItsOwn() throws Exception {
        endpoint("team-g", "shared");
        endpoint(null, "shared");
        for (String ws : java.util.Arrays.asList("team-g", null)) {
            ok(call(ws, "shared"));
            assertThat(provider.last().header("Authorization")).isEqualTo("Bearer " + key(ws, "shared"));
            assertThat(ok(send(ws, "GET", "/gateway/mlflow/v1/models", null)).path("data").findValuesAsText("id"))
                    .contains("shared");
            assertThat(ok(send(ws, "GET", G + "/secrets/get?secret_name=shared-key", null)).at("/secret/secret_id")
                    .asText()).isNotEmpty();
        }
        HttpResponse<String> taken = send("team-g", "POST", G + "/secrets/create", "{\"secret_name\": "
                + "\"shared-key\", \"provider\": \"openai\", \"secret_value\": {\"api_key\": \"k\"}}");
        assertThat(taken.statusCode()).as("taken in its own workspace").isEqualTo(400);
        String teamEndpoint = ok(send("team-g", "GET", G + "/endpoints/get?name=shared", null)).at("/endpoint/"
                + "endpoint_id").asText();
        assertThat(ok(send(null, "GET", G + "/endpoints/get?name=shared", null)).at("/endpoint/endpoint_id").asText())
                .isNotEqualTo(teamEndpoint);
    }

    @Test
    void usageAndBudgets_countOnlyTheirWorkspacesCalls() throws Exception {
        endpoint("team-g", "chat-g");
        endpoint(null, "chat-d");
        ObjectNode budget = Json.object().put("budget_amount", 0.000001).put("budget_action", "REJECT");
        budget.putObject("duration").put("unit", "DAYS").put("value", 1);
        JsonNode made = ok(send("team-g", "POST", G + "/budgets/create", budget.toString())).path("budget_policy");
        assertThat(made.path("target_scope").asText()).as("a workspace's budget counts its calls")
                .isEqualTo("WORKSPACE");
        String policy = made.path("budget_policy_id").asText();

        ok(call("team-g", "chat-g"));
        ok(call(null, "chat-d"));
        // team-g's calls are its own usage, and have used up its budget; the default workspace's are not touched.
        HttpResponse<String> refused = null;
        for (int i = 0; i < 50 && (refused == null || refused.statusCode() == 200); i++) {
            Thread.sleep(100); // usage is written off the hot path
            refused = call("team-g", "chat-g");
        }
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.body()).contains("Budget limit exceeded");
        ok(call(null, "chat-d"));
        for (int i = 0; i < 50 && usageKeys("team-g").isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(usageKeys("team-g")).containsExactly("chat-g");
        assertThat(usageKeys(null)).contains("chat-d").doesNotContain("chat-g");

        // Budgets are seen and changed in their workspace only.
        assertThat(ok(send("team-g", "GET", G + "/budgets/list", null)).path("budget_policies")
                .findValuesAsText("budget_policy_id")).containsExactly(policy);
        assertThat(ok(send(null, "GET", G + "/budgets/list", null)).path("budget_policies")
                .findValuesAsText("budget_policy_id")).doesNotContain(policy);
        assertThat(send(null, "GET", G + "/budgets/get?budget_policy_id=" + policy, null).statusCode())
                .isEqualTo(404);
        assertThat(send(null, "DELETE", G + "/budgets/delete", "{\"budget_policy_id\": \"" + policy + "\"}")
                .statusCode()).isEqualTo(404);
        assertThat(ok(send("team-g", "GET", G + "/budgets/windows", null)).path("windows")
                .findValuesAsText("budget_policy_id")).containsExactly(policy);
        // A GLOBAL budget counts every workspace's calls: it is made in the default workspace only.
        ObjectNode global = budget.deepCopy().put("target_scope", "GLOBAL");
        HttpResponse<String> wrongPlace = send("team-g", "POST", G + "/budgets/create", global.toString());
        assertThat(wrongPlace.statusCode()).as(wrongPlace.body()).isEqualTo(400);
        ok(send("team-g", "DELETE", G + "/budgets/delete", "{\"budget_policy_id\": \"" + policy + "\"}"));
        ok(call("team-g", "chat-g"));
    }
}
