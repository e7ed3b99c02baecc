package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workspaces (spec/genai.md §8) through a real socket, without auth: MLflow's workspace API, the header, and every
 * kind of resource kept apart — a resource of another workspace answers exactly as a missing one, searches see only
 * their own workspace, new experiments get the workspace's artifact root, deletion modes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspacesTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-ws");
        server = OspreyServer.start(config(dir).withWorkspaces(true));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    static ServerConfig config(Path dir) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return new ServerConfig("127.0.0.1", 0, "memory:", Optional.empty(),
                dir.resolve("artifacts"), true, "", true)
                .withGateway(new ServerConfig.GatewayOptions(true, Optional.of(dev.osprey.gateway.crypto
                        .KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test"))));
    }

    private HttpResponse<String> send(OspreyServer s, String workspace, String method, String path, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
                .header("Content-Type", "application/json");
        if (workspace != null) {
            b.header("X-MLFLOW-WORKSPACE", workspace);
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String workspace, String method, String path, String json) throws Exception {
        return send(server, workspace, method, path, json);
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private static void error(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(Json.read(r.body()).path("error_code").asText()).isEqualTo(code);
    }

    private void createWorkspace(String name, String extra) throws Exception {
        HttpResponse<String> r = send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"" + name + "\""
                + extra + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(Json.read(r.body()).path("workspace").path("name").asText()).isEqualTo(name);
    }

    private String experiment(String workspace, String name) throws Exception {
        return ok(send(workspace, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .path("experiment_id").asText();
    }

    private List<String> names(JsonNode items, String field) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.path(field).asText()));
        return out;
    }

    @Test
    void clientsProbe_serverInfo_andOnlineConfigsStayInTheWorkspace() throws Exception {
        assertThat(ok(send("no-such-workspace", "GET", "/api/3.0/mlflow/server-info", null))
                .path("workspaces_enabled").asBoolean()).as("answered whatever the header").isTrue();
        createWorkspace("scoring", "");
        String experiment = experiment("scoring", "scored");
        String scorer = "{\"experiment_id\": \"" + experiment + "\", \"name\": \"polite\", \"serialized_scorer\": "
                + "\"{\\\"name\\\": \\\"polite\\\", \\\"builtin_scorer_class\\\": \\\"Safety\\\"}\"}";
        String scorerId = ok(send("scoring", "POST", "/api/3.0/mlflow/scorers/register", scorer)).path("scorer_id")
                .asText();
        ok(send("scoring", "PUT", "/api/3.0/mlflow/scorers/online-config", "{\"experiment_id\": \"" + experiment
                + "\", \"name\": \"polite\", \"sample_rate\": 0.5}"));
        // What list_scorers sends: scorer ids only, no experiment (it used to be checked against experiment 0).
        JsonNode configs = ok(send("scoring", "GET", "/api/3.0/mlflow/scorers/online-configs?scorer_ids=" + scorerId,
                null));
        assertThat(configs.path("configs")).hasSize(1);
        assertThat(configs.at("/configs/0/sample_rate").asDouble()).isEqualTo(0.5);
        JsonNode elsewhere = ok(send(null, "GET", "/api/3.0/mlflow/scorers/online-configs?scorer_ids=" + scorerId,
                null));
        assertThat(elsewhere.path("configs").isArray()).as("always a list, as MLflow answers").isTrue();
        assertThat(elsewhere.path("configs")).as("another workspace's configs are not listed").isEmpty();
    }

    /** Issues and guardrails (MLflow 3.11) live in a workspace as the experiments and gateways they belong to. */
    @Test
    void issuesAndGuardrails_stayInTheirWorkspace() throws Exception {
        createWorkspace("iss-a", "");
        String experiment = experiment("iss-a", "iss-exp");
        String issue = ok(send("iss-a", "POST", "/api/3.0/mlflow/issues", "{\"experiment_id\": \"" + experiment
                + "\", \"name\": \"Slow\", \"description\": \"Answers are slow\"}")).at("/issue/issue_id").asText();
        assertThat(names(ok(send("iss-a", "POST", "/api/3.0/mlflow/issues/search", "{}")).path("issues"), "issue_id"))
                .containsExactly(issue);
        error(send(null, "GET", "/api/3.0/mlflow/issues/" + issue, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "PATCH", "/api/3.0/mlflow/issues/" + issue, "{\"status\": \"resolved\"}"), 404,
                "RESOURCE_DOES_NOT_EXIST");
        assertThat(names(ok(send(null, "POST", "/api/3.0/mlflow/issues/search", "{}")).path("issues"), "issue_id"))
                .doesNotContain(issue);

        String scorer = dev.osprey.eval.ScorerSpecs.codeScorer("json_valid", Json.object());
        String scorerId = ok(send("iss-a", "POST", "/api/3.0/mlflow/scorers/register", Json.object()
                .put("experiment_id", experiment).put("name", "valid").put("serialized_scorer", scorer).toString()))
                .path("scorer_id").asText();
        String guardrail = ok(send("iss-a", "POST", "/api/3.0/mlflow/gateway/guardrails/create", Json.object()
                .put("name", "g").put("scorer_id", scorerId).put("scorer_version", 1).put("stage", "BEFORE")
                .put("action", "VALIDATION").toString())).at("/guardrail/guardrail_id").asText();
        assertThat(names(ok(send("iss-a", "GET", "/api/3.0/mlflow/gateway/guardrails/list", null))
                .path("guardrails"), "guardrail_id")).containsExactly(guardrail);
        assertThat(names(ok(send(null, "GET", "/api/3.0/mlflow/gateway/guardrails/list", null)).path("guardrails"),
                "guardrail_id")).doesNotContain(guardrail);
        error(send(null, "GET", "/api/3.0/mlflow/gateway/guardrails/get?guardrail_id=" + guardrail, null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "DELETE", "/api/3.0/mlflow/gateway/guardrails/delete", "{\"guardrail_id\": \"" + guardrail
                + "\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void evaluationDatasets_stayInTheirWorkspace() throws Exception {
        createWorkspace("data-a", "");
        String experiment = experiment("data-a", "data-exp");
        JsonNode created = ok(send("data-a", "POST", "/api/3.0/mlflow/datasets/create", "{\"name\": \"golden\", "
                + "\"experiment_ids\": [\"" + experiment + "\"]}")).path("dataset");
        String id = created.path("dataset_id").asText();
        ok(send("data-a", "POST", "/api/3.0/mlflow/datasets/" + id + "/records", "{\"records\": \"[{\\\"inputs\\\": "
                + "{\\\"q\\\": 1}}]\"}"));
        assertThat(ok(send("data-a", "GET", "/api/3.0/mlflow/datasets/" + id, null)).at("/dataset/name").asText())
                .isEqualTo("golden");
        assertThat(names(ok(send("data-a", "POST", "/api/3.0/mlflow/datasets/search", "{}")).path("datasets"),
                "dataset_id")).containsExactly(id);
        // From another workspace it does not exist: not readable, not writable, not listed.
        error(send(null, "GET", "/api/3.0/mlflow/datasets/" + id, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", "/api/3.0/mlflow/datasets/" + id + "/records", null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "DELETE", "/api/3.0/mlflow/datasets/" + id, null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertThat(names(ok(send(null, "POST", "/api/3.0/mlflow/datasets/search", "{}")).path("datasets"),
                "dataset_id")).doesNotContain(id);
        // Nor can it be linked to an experiment of another workspace.
        String foreign = experiment(null, "data-default-exp");
        error(send("data-a", "POST", "/api/3.0/mlflow/datasets/" + id + "/add-experiments", "{\"experiment_ids\": [\""
                + foreign + "\"]}"), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send("data-a", "POST", "/api/3.0/mlflow/datasets/create", "{\"name\": \"linked\", \"experiment_ids\": "
                + "[\"" + foreign + "\"]}"), 404, "RESOURCE_DOES_NOT_EXIST");
        ok(send("data-a", "DELETE", "/api/3.0/mlflow/datasets/" + id, null));
        error(send("data-a", "GET", "/api/3.0/mlflow/datasets/" + id, null), 404, "RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void workspaceApi_createsListsUpdatesAndValidates() throws Exception {
        createWorkspace("api-one", ", \"description\": \"first\"");
        assertThat(names(ok(send(null, "GET", "/api/3.0/mlflow/workspaces", null)).path("workspaces"), "name"))
                .contains("default", "api-one");
        JsonNode one = ok(send(null, "GET", "/api/3.0/mlflow/workspaces/api-one", null)).path("workspace");
        assertThat(one.path("description").asText()).isEqualTo("first");
        JsonNode updated = ok(send(null, "PATCH", "/api/3.0/mlflow/workspaces/api-one",
                "{\"description\": \"changed\", \"default_artifact_root\": \"s3://bucket/one\"}")).path("workspace");
        assertThat(updated.path("description").asText()).isEqualTo("changed");
        assertThat(updated.path("default_artifact_root").asText()).isEqualTo("s3://bucket/one");
        // An empty root clears it.
        assertThat(ok(send(null, "PATCH", "/ajax-api/3.0/mlflow/workspaces/api-one",
                "{\"default_artifact_root\": \"\"}")).path("workspace").has("default_artifact_root")).isFalse();

        error(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"api-one\"}"), 400,
                "RESOURCE_ALREADY_EXISTS");
        for (String bad : List.of("A", "x", "Upper", "has_underscore", "-lead", "trail-", "api", "workspaces",
                "a".repeat(64))) {
            error(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"" + bad + "\"}"), 400,
                    "INVALID_PARAMETER_VALUE");
        }
        error(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"root-bad\", \"default_artifact_root\": "
                + "\"http://example.com/x\"}"), 400, "INVALID_PARAMETER_VALUE");
        error(send(null, "GET", "/api/3.0/mlflow/workspaces/no-such", null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "PATCH", "/api/3.0/mlflow/workspaces/no-such", "{\"description\": \"x\"}"), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "DELETE", "/api/3.0/mlflow/workspaces/default", null), 400, "INVALID_PARAMETER_VALUE");
        error(send(null, "DELETE", "/api/3.0/mlflow/workspaces/api-one?mode=WHATEVER", null), 400,
                "INVALID_PARAMETER_VALUE");
        error(send(null, "DELETE", "/api/3.0/mlflow/workspaces/no-such", null), 404, "RESOURCE_DOES_NOT_EXIST");
        HttpResponse<String> deleted = send(null, "DELETE", "/api/3.0/mlflow/workspaces/api-one", null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        error(send(null, "GET", "/api/3.0/mlflow/workspaces/api-one", null), 404, "RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void header_namingAnUnknownOrInvalidWorkspace_isRefused() throws Exception {
        error(send("no-such", "POST", "/api/2.0/mlflow/experiments/search", "{}"), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send("Bad_Name", "POST", "/api/2.0/mlflow/experiments/search", "{}"), 400, "INVALID_PARAMETER_VALUE");
        error(send("no-such", "GET", "/api/2.0/mlflow-artifacts/artifacts/0/x", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        // Blank is the default workspace; health and the workspace API ignore the header.
        assertThat(ok(send(" ", "POST", "/api/2.0/mlflow/experiments/search", "{}")).path("experiments").size())
                .isPositive();
        assertThat(send("no-such", "GET", "/health", null).statusCode()).isEqualTo(200);
        assertThat(send("no-such", "GET", "/api/3.0/mlflow/workspaces", null).statusCode()).isEqualTo(200);
    }

    @Test
    void experimentsRunsAndArtifactRoots_stayInTheirWorkspace() throws Exception {
        createWorkspace("team-a", "");
        createWorkspace("team-b", ", \"default_artifact_root\": \"s3://bucket/team-b\"");
        String a = experiment("team-a", "exp-a");
        String b = experiment("team-b", "exp-b");
        String d = experiment(null, "exp-default");

        JsonNode expA = ok(send("team-a", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + a, null));
        assertThat(expA.path("experiment").path("artifact_location").asText())
                .isEqualTo("mlflow-artifacts:/workspaces/team-a/" + a);
        assertThat(ok(send("team-b", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + b, null))
                .path("experiment").path("artifact_location").asText()).isEqualTo("s3://bucket/team-b/" + b);
        assertThat(ok(send(null, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + d, null))
                .path("experiment").path("artifact_location").asText()).isEqualTo("mlflow-artifacts:/" + d);

        // Issue 19, finding 5: a location in another workspace's tree (or outside the caller's) is refused at create.
        for (String[] attempt : new String[][] {{"team-a", "mlflow-artifacts:/" + d + "/stolen"},
            {"team-a", "mlflow-artifacts:/workspaces/team-c/x"}, {"team-a", "s3://bucket/team-b/x"},
            {null, "mlflow-artifacts:/workspaces/team-a/" + a + "/x"}, {null, "mlflow-artifacts:/workspaces/later/x"},
            {null, "s3://bucket/team-b/y"}, {"team-b", "mlflow-artifacts:/workspaces/team-a/z"},
            {"team-a", "mlflow-artifacts:/workspaces/team-a/../team-b/z"}}) {
            error(send(attempt[0], "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"grab-"
                    + Math.abs(attempt[1].hashCode()) + "\", \"artifact_location\": \"" + attempt[1] + "\"}"), 400,
                    "INVALID_PARAMETER_VALUE");
        }
        ok(send("team-a", "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"own-tree\", "
                + "\"artifact_location\": \"mlflow-artifacts:/workspaces/team-a/custom\"}"));
        ok(send("team-b", "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"own-s3\", "
                + "\"artifact_location\": \"s3://bucket/team-b/custom\"}"));

        assertThat(names(ok(send("team-a", "POST", "/api/2.0/mlflow/experiments/search", "{}")).path("experiments"),
                "name")).containsExactlyInAnyOrder("exp-a", "own-tree");
        assertThat(names(ok(send(null, "POST", "/api/2.0/mlflow/experiments/search",
                "{\"max_results\": 1000}")).path("experiments"), "name")).contains("Default", "exp-default")
                .doesNotContain("exp-a", "exp-b");

        // Another workspace's experiment is answered exactly as one that does not exist.
        HttpResponse<String> foreign = send("team-a", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + b,
                null);
        error(foreign, 404, "RESOURCE_DOES_NOT_EXIST");
        assertThat(Json.read(foreign.body()).path("message").asText()).isEqualTo("No Experiment with id=" + b
                + " exists");
        error(send("team-a", "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=exp-b", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send("team-a", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send("team-a", "POST", "/api/2.0/mlflow/experiments/update", "{\"experiment_id\": \"" + b
                + "\", \"new_name\": \"stolen\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send("team-a", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + b + "\"}"), 404,
                "RESOURCE_DOES_NOT_EXIST");

        String run = ok(send("team-a", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + a + "\"}"))
                .path("run").path("info").path("run_id").asText();
        ok(send("team-a", "POST", "/api/2.0/mlflow/runs/log-metric", "{\"run_id\": \"" + run
                + "\", \"key\": \"m\", \"value\": 1, \"timestamp\": 1}"));
        HttpResponse<String> foreignRun = send("team-b", "GET", "/api/2.0/mlflow/runs/get?run_id=" + run, null);
        error(foreignRun, 404, "RESOURCE_DOES_NOT_EXIST");
        assertThat(Json.read(foreignRun.body()).path("message").asText()).isEqualTo("Run with id=" + run
                + " not found");
        error(send("team-b", "POST", "/api/2.0/mlflow/runs/log-metric", "{\"run_id\": \"" + run
                + "\", \"key\": \"m\", \"value\": 2, \"timestamp\": 2}"), 404, "RESOURCE_DOES_NOT_EXIST");
        assertThat(ok(send("team-b", "POST", "/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + a
                + "\"]}")).path("runs").size()).isZero();
        assertThat(ok(send("team-a", "POST", "/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + a
                + "\", \"" + b + "\"]}")).path("runs").size()).isEqualTo(1);
        error(send(null, "GET", "/get-artifact?path=x&run_uuid=" + run, null), 404, "RESOURCE_DOES_NOT_EXIST");

        // The artifact proxy: a workspace reads and writes only under its own folder.
        String own = "/api/2.0/mlflow-artifacts/artifacts/workspaces/team-a/" + a + "/file.txt";
        assertThat(send("team-a", "PUT", own, "hello").statusCode()).isEqualTo(200);
        assertThat(send("team-a", "GET", own, null).body()).isEqualTo("hello");
        error(send("team-b", "GET", own, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", own, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send("team-a", "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + d + "/x.txt", "x"), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send("team-a", "PUT", "/api/2.0/mlflow-artifacts/artifacts/workspaces/team-a/" + b + "/x.txt", "x"),
                404, "RESOURCE_DOES_NOT_EXIST");
        error(send("team-b", "GET", "/api/2.0/mlflow-artifacts/artifacts?path=workspaces/team-a/" + a, null), 404,
                "RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void aRootOfItsOwnUnderTheProxy_isServedToItsWorkspaceOnly_andRootsNeverOverlap() throws Exception {
        createWorkspace("rooted", ", \"default_artifact_root\": \"mlflow-artifacts:/rooted-data\"");
        String exp = experiment("rooted", "exp-rooted");
        assertThat(ok(send("rooted", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp, null))
                .path("experiment").path("artifact_location").asText()).isEqualTo("mlflow-artifacts:/rooted-data/"
                + exp);
        String file = "/api/2.0/mlflow-artifacts/artifacts/rooted-data/" + exp + "/run/artifacts/hello.txt";
        assertThat(send("rooted", "PUT", file, "hello").statusCode()).isEqualTo(200);
        assertThat(send("rooted", "GET", file, null).body()).isEqualTo("hello");
        error(send(null, "GET", file, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "PUT", "/api/2.0/mlflow-artifacts/artifacts/rooted-data/x.txt", "x"), 404,
                "RESOURCE_DOES_NOT_EXIST");

        // No root may share files with another workspace, or take the default workspace's folders.
        String defaultExp = experiment(null, "exp-default-rooted");
        for (String root : List.of("mlflow-artifacts:/rooted-data/inside", "mlflow-artifacts:/",
                "mlflow-artifacts:/" + defaultExp + "/mine", "mlflow-artifacts:/workspaces/rooted/x",
                "mlflow-artifacts:/workspaces")) {
            error(send(null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"grabber\", "
                    + "\"default_artifact_root\": \"" + root + "\"}"), 400, "INVALID_PARAMETER_VALUE");
        }
        createWorkspace("grabber", ", \"default_artifact_root\": \"mlflow-artifacts:/workspaces/grabber/own\"");
        error(send(null, "PATCH", "/api/3.0/mlflow/workspaces/grabber", "{\"default_artifact_root\": "
                + "\"mlflow-artifacts:/rooted-data\"}"), 400, "INVALID_PARAMETER_VALUE");
        // The proxy finds a workspace's files by its root, so the root stays while it has experiments.
        error(send(null, "PATCH", "/api/3.0/mlflow/workspaces/rooted", "{\"default_artifact_root\": "
                + "\"mlflow-artifacts:/elsewhere\"}"), 409, "RESOURCE_CONFLICT");
        assertThat(send("rooted", "GET", file, null).body()).isEqualTo("hello");
    }

    @Test
    void modelsPromptsTracesAndGateway_stayInTheirWorkspace() throws Exception {
        createWorkspace("team-m", "");
        String exp = experiment("team-m", "exp-m");
        ok(send("team-m", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"model-m\"}"));
        ok(send("team-m", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"prompt-m\", \"tags\": "
                + "[{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}]}"));
        ok(send(null, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"model-default\"}"));
        ok(send("team-m", "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"model-m\", \"source\": "
                + "\"mlflow-artifacts:/workspaces/team-m/" + exp + "/model\"}"));

        assertThat(names(ok(send("team-m", "GET", "/api/2.0/mlflow/registered-models/search", null))
                .path("registered_models"), "name")).containsExactly("model-m");
        assertThat(names(ok(send(null, "GET", "/api/2.0/mlflow/registered-models/search?max_results=1000", null))
                .path("registered_models"), "name")).contains("model-default").doesNotContain("model-m");
        assertThat(names(ok(send(null, "GET", "/api/2.0/mlflow/registered-models/search?filter="
                + "tags.%60mlflow.prompt.is_prompt%60%20%3D%20%27true%27", null)).path("registered_models"), "name"))
                .doesNotContain("prompt-m");
        assertThat(names(ok(send("team-m", "GET", "/api/2.0/mlflow/registered-models/search?filter="
                + "tags.%60mlflow.prompt.is_prompt%60%20%3D%20%27true%27", null)).path("registered_models"), "name"))
                .containsExactly("prompt-m");
        assertThat(ok(send(null, "GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D%27model-m%27", null))
                .path("model_versions").size()).isZero();
        assertThat(ok(send("team-m", "GET", "/api/2.0/mlflow/model-versions/search?filter=name%3D%27model-m%27",
                null)).path("model_versions").size()).isEqualTo(1);
        HttpResponse<String> foreign = send(null, "GET", "/api/2.0/mlflow/registered-models/get?name=model-m", null);
        error(foreign, 404, "RESOURCE_DOES_NOT_EXIST");
        assertThat(Json.read(foreign.body()).path("message").asText())
                .isEqualTo("Registered Model with name=model-m not found");
        error(send(null, "DELETE", "/api/2.0/mlflow/registered-models/delete", "{\"name\": \"model-m\"}"), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", "/model-versions/get-artifact?name=model-m&version=1&path=x", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        // A version may not take its files from another workspace's experiment.
        String other = experiment(null, "exp-other-m");
        error(send("team-m", "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"model-m\", \"source\": "
                + "\"mlflow-artifacts:/" + other + "/model\"}"), 404, "RESOURCE_DOES_NOT_EXIST");
        // Renaming keeps the workspace.
        ok(send("team-m", "POST", "/api/2.0/mlflow/registered-models/rename", "{\"name\": \"model-m\", "
                + "\"new_name\": \"model-m2\"}"));
        ok(send("team-m", "GET", "/api/2.0/mlflow/registered-models/get?name=model-m2", null));
        error(send(null, "GET", "/api/2.0/mlflow/registered-models/get?name=model-m2", null), 404,
                "RESOURCE_DOES_NOT_EXIST");

        // Traces follow their experiment.
        String trace = "tr-" + java.util.UUID.randomUUID().toString().replace("-", "");
        ok(send("team-m", "POST", "/api/3.0/mlflow/traces", "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + trace
                + "\", \"trace_location\": {\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": "
                + "{\"experiment_id\": \"" + exp + "\"}}, \"request_time\": \"2026-01-01T00:00:00Z\", "
                + "\"state\": \"OK\"}}}"));
        ok(send("team-m", "GET", "/api/3.0/mlflow/traces/" + trace, null));
        error(send(null, "GET", "/api/3.0/mlflow/traces/" + trace, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", "/api/3.0/mlflow/traces/get?trace_id=" + trace, null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        assertThat(ok(send(null, "POST", "/api/3.0/mlflow/traces/search", "{\"locations\": [{\"type\": "
                + "\"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"" + exp + "\"}}]}"))
                .path("traces").size()).isZero();
        assertThat(ok(send("team-m", "POST", "/api/3.0/mlflow/traces/search", "{\"locations\": [{\"type\": "
                + "\"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"" + exp + "\"}}]}"))
                .path("traces").size()).isEqualTo(1);

        // Gateway secrets are created in the workspace and seen only there.
        String secret = ok(send("team-m", "POST", "/api/3.0/mlflow/gateway/secrets/create", "{\"secret_name\": "
                + "\"key-m\", \"secret_value\": {\"api_key\": \"sk-test\"}, \"provider\": \"openai\"}"))
                .path("secret").path("secret_id").asText();
        assertThat(names(ok(send("team-m", "GET", "/api/3.0/mlflow/gateway/secrets/list", null)).path("secrets"),
                "secret_id")).containsExactly(secret);
        assertThat(names(ok(send(null, "GET", "/api/3.0/mlflow/gateway/secrets/list", null)).path("secrets"),
                "secret_id")).doesNotContain(secret);
        error(send(null, "GET", "/api/3.0/mlflow/gateway/secrets/get?secret_id=" + secret, null), 404,
                "RESOURCE_DOES_NOT_EXIST");

        // An endpoint's usage traces go to an experiment of its own workspace, made on first use.
        String definition = ok(send("team-m", "POST", "/api/3.0/mlflow/gateway/model-definitions/create",
                "{\"name\": \"def-m\", \"secret_id\": \"" + secret + "\", \"provider\": \"openai\", "
                        + "\"model_name\": \"gpt-4o-mini\"}")).path("model_definition").path("model_definition_id")
                .asText();
        String endpointBody = "\"model_configs\": [{\"model_definition_id\": \"" + definition + "\", "
                + "\"linkage_type\": \"PRIMARY\", \"weight\": 1.0}], \"usage_tracking\": true";
        String tracked = ok(send("team-m", "POST", "/api/3.0/mlflow/gateway/endpoints/create", "{\"name\": "
                + "\"ep-m\", " + endpointBody + "}")).path("endpoint").path("experiment_id").asText();
        assertThat(ok(send("team-m", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + tracked, null))
                .path("experiment").path("name").asText()).isEqualTo("gateway/ep-m");
        error(send(null, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + tracked, null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        // Naming another workspace's experiment for the traces is refused as if it did not exist.
        error(send("team-m", "POST", "/api/3.0/mlflow/gateway/endpoints/create", "{\"name\": \"ep-m2\", "
                + endpointBody + ", \"experiment_id\": \"" + other + "\"}"), 404, "RESOURCE_DOES_NOT_EXIST");

        // Webhooks are kept per workspace too.
        assertThat(ok(send("team-m", "GET", "/api/2.0/mlflow/webhooks", null)).path("webhooks").size()).isZero();
        ok(send(null, "GET", "/api/2.0/mlflow/webhooks", null));
    }

    @Test
    void sameNames_inTwoWorkspaces_areIndependent_andAForeignNameLooksFree() throws Exception {
        createWorkspace("twin-a", "");
        createWorkspace("twin-b", "");
        String expA = experiment("twin-a", "churn");
        String expB = experiment("twin-b", "churn");
        assertThat(expA).isNotEqualTo(expB);
        error(send("twin-a", "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"churn\"}"), 400,
                "RESOURCE_ALREADY_EXISTS");
        assertThat(ok(send("twin-b", "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn", null))
                .path("experiment").path("experiment_id").asText()).isEqualTo(expB);
        error(send(null, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn", null), 404,
                "RESOURCE_DOES_NOT_EXIST");

        for (String ws : List.of("twin-a", "twin-b")) {
            String exp = ws.equals("twin-a") ? expA : expB;
            ok(send(ws, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"ranker\", "
                    + "\"description\": \"" + ws + "\"}"));
            ok(send(ws, "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"ranker\", \"source\": "
                    + "\"mlflow-artifacts:/workspaces/" + ws + "/" + exp + "/model\"}"));
            ok(send(ws, "POST", "/api/2.0/mlflow/registered-models/alias", "{\"name\": \"ranker\", \"alias\": "
                    + "\"champion\", \"version\": \"1\"}"));
            ok(send(ws, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"greeting\", \"tags\": "
                    + "[{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}]}"));
            ok(send(ws, "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"greeting\", \"source\": "
                    + "\"dummy-source\", \"tags\": [{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}, "
                    + "{\"key\": \"mlflow.prompt.text\", \"value\": \"Hello from " + ws + "\"}]}"));
        }
        error(send("twin-a", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"ranker\"}"), 400,
                "RESOURCE_ALREADY_EXISTS");
        for (String ws : List.of("twin-a", "twin-b")) {
            assertThat(ok(send(ws, "GET", "/api/2.0/mlflow/registered-models/get?name=ranker", null))
                    .path("registered_model").path("description").asText()).isEqualTo(ws);
            assertThat(ok(send(ws, "GET", "/api/2.0/mlflow/registered-models/alias?name=ranker&alias=champion",
                    null)).path("model_version").path("source").asText()).contains("/workspaces/" + ws + "/");
            assertThat(ok(send(ws, "GET", "/api/2.0/mlflow/model-versions/get?name=greeting&version=1", null))
                    .path("model_version").path("tags").toString()).contains("Hello from " + ws);
        }
        // Deleting B's model leaves A's whole; the default workspace may now take the name as well.
        ok(send("twin-b", "DELETE", "/api/2.0/mlflow/registered-models/delete", "{\"name\": \"ranker\"}"));
        ok(send("twin-a", "GET", "/api/2.0/mlflow/model-versions/get?name=ranker&version=1", null));
        error(send("twin-b", "GET", "/api/2.0/mlflow/model-versions/get?name=ranker&version=1", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        ok(send(null, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"greeting\"}"));

        // Moving B's resources to the default workspace would give it a second "greeting": refused, naming it.
        HttpResponse<String> clash = send(null, "DELETE", "/api/3.0/mlflow/workspaces/twin-b?mode=SET_DEFAULT", null);
        error(clash, 409, "RESOURCE_CONFLICT");
        assertThat(Json.read(clash.body()).path("message").asText()).contains("registered_models: 'greeting'");
        ok(send("twin-b", "GET", "/api/2.0/mlflow/registered-models/get?name=greeting", null));
    }

    @Test
    void deletion_restrictsMovesToDefaultOrCascades() throws Exception {
        createWorkspace("keep-out", "");
        String kept = experiment("keep-out", "exp-keep");
        error(send(null, "DELETE", "/api/3.0/mlflow/workspaces/keep-out", null), 409, "RESOURCE_CONFLICT");
        error(send(null, "DELETE", "/api/3.0/mlflow/workspaces/keep-out?mode=RESTRICT", null), 409,
                "RESOURCE_CONFLICT");
        assertThat(send(null, "DELETE", "/api/3.0/mlflow/workspaces/keep-out?mode=SET_DEFAULT", null).statusCode())
                .isEqualTo(204);
        assertThat(ok(send(null, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + kept, null))
                .path("experiment").path("name").asText()).isEqualTo("exp-keep");

        createWorkspace("wipe-out", "");
        String wiped = experiment("wipe-out", "exp-wipe");
        String run = ok(send("wipe-out", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + wiped
                + "\"}")).path("run").path("info").path("run_id").asText();
        ok(send("wipe-out", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"model-wipe\"}"));
        assertThat(send(null, "DELETE", "/api/3.0/mlflow/workspaces/wipe-out?mode=CASCADE", null).statusCode())
                .isEqualTo(204);
        error(send(null, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + wiped, null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", "/api/2.0/mlflow/runs/get?run_id=" + run, null), 404, "RESOURCE_DOES_NOT_EXIST");
        error(send(null, "GET", "/api/2.0/mlflow/registered-models/get?name=model-wipe", null), 404,
                "RESOURCE_DOES_NOT_EXIST");
        error(send("wipe-out", "POST", "/api/2.0/mlflow/experiments/search", "{}"), 404, "RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void hostileHeaderValues_areRefusedCleanly() throws Exception {
        // As raw bytes: values an HTTP client library would refuse to send.
        for (String value : List.of("../default", "default/..", "team-a\u0000", "%64efault", "DEFAULT", "default,x",
                "a".repeat(5000), "\u00e9quipe", "workspaces", "x y")) {
            var r = dev.osprey.server.testing.RawHttp.send(server.port(), "GET",
                    "/api/2.0/mlflow/experiments/search?max_results=1", "X-MLFLOW-WORKSPACE: " + value);
            // Refused (by us with MLflow's error JSON, or by the HTTP parser for bytes no header may hold), and
            // never served from some workspace.
            assertThat(r.status()).as(value).isIn(400, 404);
            assertThat(r.body()).as(value).doesNotContain("\"experiments\"");
            if (r.body().startsWith("{")) {
                assertThat(Json.read(r.body()).path("error_code").asText()).as(value)
                        .isIn("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST");
            }
        }
    }

    @Test
    void workspacesOff_routesAnswer503AndTheHeaderIsRefused() throws Exception {
        Path other = Files.createTempDirectory("osprey-ws-off");
        try (OspreyServer off = OspreyServer.start(config(other))) {
            for (String[] route : new String[][] {{"GET", "/api/3.0/mlflow/workspaces"},
                {"POST", "/api/3.0/mlflow/workspaces"}, {"GET", "/api/3.0/mlflow/workspaces/default"},
                {"DELETE", "/ajax-api/3.0/mlflow/workspaces/x"}}) {
                HttpResponse<String> r = send(off, null, route[0], route[1], "{}");
                assertThat(r.statusCode()).as(route[1]).isEqualTo(503);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
                assertThat(r.body()).contains("--enable-workspaces");
            }
            HttpResponse<String> named = send(off, "team-a", "POST", "/api/2.0/mlflow/experiments/search", "{}");
            error(named, 400, "INVALID_PARAMETER_VALUE");
            assertThat(named.body()).contains("--enable-workspaces");
            assertThat(send(off, null, "POST", "/api/2.0/mlflow/experiments/search", "{}").statusCode())
                    .isEqualTo(200);
        }
    }
}
