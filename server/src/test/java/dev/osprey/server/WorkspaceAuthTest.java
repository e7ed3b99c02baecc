package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workspaces with basic auth: a user enters a workspace other than the default one only with a permission there
 * (without one it is answered as missing), that permission applies to the workspace's resources without grants of
 * their own, and only admins create or delete workspaces.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceAuthTest {
    private static final String ADMIN = "admin-secret-1";
    private final HttpClient http = HttpClient.newHttpClient();
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-ws-auth");
        server = OspreyServer.start(WorkspacesTest.config(dir).withWorkspaces(true)
                .withAuth(new ServerConfig.AuthOptions(true, "READ", Optional.of("admin"), Optional.of(ADMIN))));
        for (String user : List.of("alice", "bob")) {
            assertThat(send("admin", ADMIN, null, "POST", "/api/2.0/mlflow/users/create", "{\"username\": \"" + user
                    + "\", \"password\": \"" + user + "-password-12\"}").statusCode()).isEqualTo(200);
        }
        assertThat(send("admin", ADMIN, null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"secret-team\"}")
                .statusCode()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String user, String password, String workspace, String method, String path,
            String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json");
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        if (workspace != null) {
            b.header("X-MLFLOW-WORKSPACE", workspace);
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> as(String user, String workspace, String method, String path, String json)
            throws Exception {
        return send(user, user.equals("admin") ? ADMIN : user + "-password-12", workspace, method, path, json);
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.read(r.body());
    }

    private void grant(String op, String user, String permission) throws Exception {
        ok(as("admin", null, op.equals("create") ? "POST" : "PATCH", "/api/2.0/mlflow/workspaces/permissions/" + op,
                "{\"workspace_name\": \"secret-team\", \"username\": \"" + user + "\", \"permission\": \""
                        + permission + "\"}"));
    }

    @Test
    void workspacePermissions_gateEntryReadingAndCreating() throws Exception {
        String exp = ok(as("admin", "secret-team", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"hidden\"}")).path("experiment_id").asText();
        String search = "/api/2.0/mlflow/experiments/search";

        // Anonymous callers get 401 before anything about workspaces is looked at.
        assertThat(send(null, null, "secret-team", "POST", search, "{}").statusCode()).isEqualTo(401);
        // Without a permission in it, the workspace does not exist for alice.
        HttpResponse<String> refused = as("alice", "secret-team", "POST", search, "{}");
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.body()).isEqualTo(as("alice", "no-such-team", "POST", search, "{}").body()
                .replace("no-such-team", "secret-team"));
        assertThat(as("alice", "secret-team", "GET", "/api/3.0/mlflow/workspaces/secret-team", null).statusCode())
                .isEqualTo(404);
        assertThat(ok(as("alice", null, "GET", "/api/3.0/mlflow/workspaces", null)).toString())
                .doesNotContain("secret-team").contains("default");
        assertThat(as("alice", "secret-team", "PUT", "/api/2.0/mlflow-artifacts/artifacts/workspaces/secret-team/"
                + exp + "/x.txt", "x").statusCode()).isEqualTo(404);

        grant("create", "alice", "READ");
        assertThat(ok(as("alice", null, "GET", "/api/3.0/mlflow/workspaces", null)).toString())
                .contains("secret-team");
        assertThat(ok(as("alice", "secret-team", "POST", search, "{}")).path("experiments").get(0).path("name")
                .asText()).isEqualTo("hidden");
        assertThat(as("alice", "secret-team", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"alice-exp\"}").statusCode()).isEqualTo(403);
        assertThat(as("alice", "secret-team", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp
                + "\"}").statusCode()).isEqualTo(403);
        assertThat(as("bob", "secret-team", "POST", search, "{}").statusCode()).isEqualTo(404);

        grant("update", "alice", "EDIT");
        ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"alice-exp\"}"));
        ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}"));
        assertThat(as("alice", "secret-team", "PUT", "/api/2.0/mlflow-artifacts/artifacts/workspaces/secret-team/"
                + exp + "/x.txt", "x").statusCode()).isEqualTo(200);
        // Model versions take their files from what the caller may read.
        JsonNode run = ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \""
                + exp + "\"}")).path("run").path("info");
        ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"alice-m\"}"));
        ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"alice-m\", "
                + "\"source\": \"" + run.path("artifact_uri").asText() + "/model\", \"run_id\": \""
                + run.path("run_id").asText() + "\"}"));
        assertThat(as("alice", "secret-team", "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": "
                + "\"alice-m\", \"source\": \"s3://someone-elses-bucket/model\"}").statusCode()).isEqualTo(403);
        ok(as("admin", "secret-team", "POST", "/api/2.0/mlflow/model-versions/create", "{\"name\": \"alice-m\", "
                + "\"source\": \"s3://someone-elses-bucket/model\"}"));
        // Alice manages what she created, from its workspace only; the workspace's own permissions are not hers.
        String own = ok(as("alice", "secret-team", "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name="
                + "alice-exp", null)).path("experiment").path("experiment_id").asText();
        String grantBob = "{\"experiment_id\": \"" + own + "\", \"username\": \"bob\", \"permission\": \"READ\"}";
        assertThat(as("alice", null, "POST", "/api/2.0/mlflow/experiments/permissions/create", grantBob).statusCode())
                .isEqualTo(403);
        ok(as("alice", "secret-team", "POST", "/api/2.0/mlflow/experiments/permissions/create", grantBob));
        assertThat(as("alice", "secret-team", "POST", "/api/2.0/mlflow/workspaces/permissions/create",
                "{\"workspace_name\": \"secret-team\", \"username\": \"bob\", \"permission\": \"READ\"}")
                .statusCode()).isEqualTo(403);
        // EDIT is not MANAGE: the workspace itself stays the admins' (and its managers').
        assertThat(as("alice", "secret-team", "PATCH", "/api/3.0/mlflow/workspaces/secret-team",
                "{\"description\": \"mine\"}").statusCode()).isEqualTo(403);
        assertThat(as("alice", null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"alice-space\"}")
                .statusCode()).isEqualTo(403);
        assertThat(as("alice", null, "DELETE", "/api/3.0/mlflow/workspaces/secret-team?mode=CASCADE", null)
                .statusCode()).isEqualTo(403);
        // In the default workspace alice has the server's default permission (READ), as before workspaces.
        String shared = ok(as("admin", null, "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"shared-default\"}")).path("experiment_id").asText();
        assertThat(as("alice", null, "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + shared
                + "\"}").statusCode()).isEqualTo(403);
        ok(as("alice", null, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + shared, null));
    }

    @Test
    void grantsOnModels_holdInTheirOwnWorkspace_notOnTheSameNameElsewhere() throws Exception {
        assertThat(as("admin", null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"twin-team\"}")
                .statusCode()).isEqualTo(201);
        ok(as("admin", null, "POST", "/api/2.0/mlflow/workspaces/permissions/create", "{\"workspace_name\": "
                + "\"twin-team\", \"username\": \"bob\", \"permission\": \"READ\"}"));
        for (String ws : java.util.Arrays.asList(null, "twin-team")) {
            ok(as("admin", ws, "POST", "/api/2.0/mlflow/registered-models/create", "{\"name\": \"twin\"}"));
        }
        String get = "/api/2.0/mlflow/registered-models/get?name=twin";
        String update = "/api/2.0/mlflow/registered-models/update";
        ok(as("admin", null, "POST", "/api/2.0/mlflow/registered-models/permissions/create", "{\"name\": \"twin\", "
                + "\"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}"));
        assertThat(as("bob", null, "GET", get, null).statusCode()).isEqualTo(403);
        ok(as("bob", "twin-team", "GET", get, null));
        assertThat(as("bob", "twin-team", "PATCH", update, "{\"name\": \"twin\", \"description\": \"x\"}")
                .statusCode()).isEqualTo(403);

        JsonNode granted = ok(as("admin", "twin-team", "POST", "/api/2.0/mlflow/registered-models/permissions/create",
                "{\"name\": \"twin\", \"username\": \"bob\", \"permission\": \"MANAGE\"}"))
                .path("registered_model_permission");
        assertThat(granted.path("name").asText()).isEqualTo("twin");
        assertThat(granted.path("workspace").asText()).isEqualTo("twin-team");
        ok(as("bob", "twin-team", "PATCH", update, "{\"name\": \"twin\", \"description\": \"bob's\"}"));
        assertThat(as("bob", null, "GET", get, null).statusCode()).as("the default workspace's twin stays closed")
                .isEqualTo(403);
        assertThat(ok(as("admin", null, "GET", "/api/2.0/mlflow/registered-models/permissions/get?name=twin&"
                + "username=bob", null)).path("registered_model_permission").path("permission").asText())
                .isEqualTo("NO_PERMISSIONS");
        // A search lists what bob may read: the team's twin, not the default one.
        assertThat(ok(as("bob", null, "GET", "/api/2.0/mlflow/registered-models/search?filter=name%3D%27twin%27",
                null)).path("registered_models").size()).isZero();
        assertThat(ok(as("bob", "twin-team", "GET", "/api/2.0/mlflow/registered-models/search?filter=name%3D"
                + "%27twin%27", null)).path("registered_models").get(0).path("description").asText())
                .isEqualTo("bob's");
    }

    @Test
    void filesUnderAWorkspacesOwnProxiedRoot_areAuthorizedByTheirExperiment() throws Exception {
        assertThat(as("admin", null, "POST", "/api/3.0/mlflow/workspaces", "{\"name\": \"rooted-auth\", "
                + "\"default_artifact_root\": \"mlflow-artifacts:/rooted-auth-files\"}").statusCode()).isEqualTo(201);
        ok(as("admin", null, "POST", "/api/2.0/mlflow/workspaces/permissions/create", "{\"workspace_name\": "
                + "\"rooted-auth\", \"username\": \"bob\", \"permission\": \"READ\"}"));
        String exp = ok(as("admin", "rooted-auth", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"files\"}")).path("experiment_id").asText();
        String file = "/api/2.0/mlflow-artifacts/artifacts/rooted-auth-files/" + exp + "/notes.txt";
        assertThat(as("admin", "rooted-auth", "PUT", file, "notes").statusCode()).isEqualTo(200);
        HttpResponse<String> read = as("bob", "rooted-auth", "GET", file, null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("notes");
        assertThat(as("bob", "rooted-auth", "PUT", file, "overwritten").statusCode()).as("READ only").isEqualTo(403);
    }

    @Test
    void everyApiEndpoint_hasAnExplicitDecision_withWorkspacesOn() {
        var policy = server.accessPolicy().orElseThrow();
        assertThat(server.apiEndpoints().stream().filter(e -> policy.rule(e).isEmpty())
                .map(e -> e.method() + " " + e.path()).toList()).isEmpty();
        assertThat(server.apiEndpoints().stream().map(e -> e.method() + " " + e.path()))
                .contains("GET /mlflow/workspaces", "DELETE /mlflow/workspaces/{workspace_name}",
                        "POST /mlflow/workspaces/permissions/create");
    }
}
