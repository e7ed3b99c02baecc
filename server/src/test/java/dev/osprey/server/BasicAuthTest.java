package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

/** Basic auth through a real socket: fail-closed authentication, MLflow's auth API, per-resource permissions. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BasicAuthTest {
    private static final String ADMIN_PASSWORD = "admin-secret-1";
    private final HttpClient http = HttpClient.newHttpClient();
    private Path dir;
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-auth");
        server = OspreyServer.start(config(Optional.of("admin"), Optional.of(ADMIN_PASSWORD)));
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"alice\", \"password\": \"alice-pass-1\"}");
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"bob\", \"password\": \"bob-pass-123\"}");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private ServerConfig config(Optional<String> admin, Optional<String> password) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db", Optional.empty(),
                dir.resolve("artifacts"), true, "", true)
                .withGateway(new ServerConfig.GatewayOptions(true, Optional.of(dev.osprey.gateway.crypto
                        .KeyEncryptionKey.parse(Base64.getEncoder().encodeToString(key), "test"))))
                .withAuth(new ServerConfig.AuthOptions(true, "READ", admin, password));
    }

    private HttpResponse<String> send(String user, String password, String method, String path, String json)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return dev.osprey.protocol.Json.read(r.body());
    }

    private static String concrete(Endpoint e) {
        return "/api/" + e.majorVersion() + ".0" + e.path().replaceAll("\\{[^}]+}", "x");
    }

    @Test
    void everyRoute_butHealthAndVersion_needsAuthentication() throws Exception {
        List<String> open = new ArrayList<>();
        List<String[]> routes = new ArrayList<>();
        for (Endpoint e : server.apiEndpoints()) {
            routes.add(new String[] {e.method(), concrete(e)});
            routes.add(new String[] {e.method(), concrete(e).replaceFirst("^/api/", "/ajax-api/")});
        }
        for (String[] other : new String[][] {{"POST", "/v1/traces"}, {"GET", "/metrics"}, {"GET", "/get-artifact"},
            {"GET", "/model-versions/get-artifact"}, {"GET", "/api/2.0/mlflow-artifacts/artifacts/0/x"},
            {"PUT", "/api/2.0/mlflow-artifacts/artifacts/0/x"}, {"GET", "/api/3.0/mlflow/traces/get"},
            {"GET", "/ajax-api/2.0/mlflow/get-trace-artifact"}, {"POST", "/gateway/mlflow/v1/chat/completions"},
            {"GET", "/"}, {"GET", "/experiments/1/runs"}, {"GET", "/api/2.0/mlflow/no-such-route"}}) {
            routes.add(other);
        }
        for (String[] route : routes) {
            HttpResponse<String> r = send(null, null, route[0], route[1], "{}");
            if (r.statusCode() != 401 || !r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic")) {
                open.add(route[0] + " " + route[1] + " -> " + r.statusCode());
            }
            HttpResponse<String> wrong = send("nobody", "not-a-password", route[0], route[1], "{}");
            if (wrong.statusCode() != 401 && wrong.statusCode() != 429) {
                open.add("bad password: " + route[0] + " " + route[1] + " -> " + wrong.statusCode());
            }
        }
        assertThat(open).isEmpty();
        assertThat(routes).hasSizeGreaterThan(290);
        assertThat(send(null, null, "GET", "/health", null).statusCode()).isEqualTo(200);
        assertThat(send(null, null, "GET", "/version", null).statusCode()).isEqualTo(200);
    }

    @Test
    void everyApiEndpoint_hasAnExplicitDecision() {
        var policy = server.accessPolicy().orElseThrow();
        List<String> undecided = server.apiEndpoints().stream().filter(e -> policy.rule(e).isEmpty())
                .map(e -> e.method() + " " + e.path()).toList();
        assertThat(undecided).isEmpty();
    }

    @Test
    void noAdminCredentials_refusesToStart() {
        assertThatThrownBy(() -> OspreyServer.start(config(Optional.empty(), Optional.empty())))
                .hasMessageContaining("OSPREY_ADMIN_USERNAME").hasMessageContaining("no default admin password");
        assertThatThrownBy(() -> OspreyServer.start(config(Optional.of("admin"), Optional.of("short"))))
                .hasMessageContaining("at least 12 characters");
        assertThatThrownBy(() -> OspreyServer.start(config(Optional.of("admin"), Optional.of("Password1234"))))
                .as("a common password, whatever its case").hasMessageContaining("OSPREY_ADMIN_PASSWORD")
                .hasMessageContaining("most commonly used");
    }

    /** Issue 19, finding 6: NIST SP 800-63B's length and common-password checks on creation and change. */
    @Test
    void passwords_needTwelveCharacters_andMayNotBeCommon() throws Exception {
        for (String refused : List.of("eleven-char", "password1234", "QWERTYUIOP123", "1q2w3e4r5t6y")) {
            HttpResponse<String> r = send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                    "{\"username\": \"weak-" + refused.length() + refused.hashCode() + "\", \"password\": \"" + refused
                            + "\"}");
            assertThat(r.statusCode()).as(refused).isEqualTo(400);
            assertThat(r.body()).as(refused).contains("INVALID_PARAMETER_VALUE").doesNotContain(refused);
        }
        ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"ivy\", \"password\": \"ivy-pass-1234\"}"));
        HttpResponse<String> change = send("ivy", "ivy-pass-1234", "PATCH", "/api/2.0/mlflow/users/update-password",
                "{\"username\": \"ivy\", \"password\": \"iloveyou1234\"}");
        assertThat(change.statusCode()).as("not in the list: accepted").isEqualTo(200);
        HttpResponse<String> common = send("ivy", "iloveyou1234", "PATCH", "/api/2.0/mlflow/users/update-password",
                "{\"username\": \"ivy\", \"password\": \"qwertyuiop123\"}");
        assertThat(common.statusCode()).isEqualTo(400);
        ok(send("ivy", "iloveyou1234", "GET", "/api/2.0/mlflow/experiments/search", null));
    }

    @Test
    void users_onlyAdminsManageThem_andPasswordsAreArgon2idAtRest() throws Exception {
        HttpResponse<String> byBob = send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"mallory\", \"password\": \"mallory-pass\"}");
        assertThat(byBob.statusCode()).isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/users/get?username=alice", null).statusCode())
                .isEqualTo(403);
        JsonNode self = ok(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/users/get?username=bob", null));
        assertThat(self.at("/user/username").asText()).isEqualTo("bob");
        assertThat(self.at("/user/is_admin").asBoolean()).isFalse();
        assertThat(self.toString()).doesNotContain("argon2").doesNotContain("bob-pass");
        HttpResponse<String> dup = send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"bob\", \"password\": \"another-pass\"}");
        assertThat(dup.statusCode()).isEqualTo(400);
        assertThat(dup.body()).contains("RESOURCE_ALREADY_EXISTS");
        HttpResponse<String> weak = send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"weak\", \"password\": \"123\"}");
        assertThat(weak.statusCode()).isEqualTo(400);
        try (StorageComponent store = Stores.open("sqlite:///" + dir + "/osprey.db")) {
            String hash = store.auth().user("alice").orElseThrow().passwordHash();
            assertThat(hash).startsWith("$argon2id$").doesNotContain("alice-pass-1");
        }
        ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"carol\", \"password\": \"carol-pass-1\"}"));
        ok(send("carol", "carol-pass-1", "PATCH", "/api/2.0/mlflow/users/update-password",
                "{\"username\": \"carol\", \"password\": \"carol-pass-2\"}"));
        assertThat(send("carol", "carol-pass-1", "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                .isEqualTo(401);
        ok(send("carol", "carol-pass-2", "GET", "/api/2.0/mlflow/experiments/search", null));
        ok(send("admin", ADMIN_PASSWORD, "DELETE", "/api/2.0/mlflow/users/delete", "{\"username\": \"carol\"}"));
        assertThat(send("carol", "carol-pass-2", "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void repeatedBadPasswords_areThrottled() throws Exception {
        ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"dave\", \"password\": \"dave-pass-12\"}"));
        for (int i = 0; i < 5; i++) {
            assertThat(send("dave", "wrong-" + i, "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                    .isEqualTo(401);
        }
        HttpResponse<String> throttled = send("dave", "dave-pass-12", "GET", "/api/2.0/mlflow/experiments/search",
                null);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void creatorManages_othersGetTheDefault_andGrantsChangeThat() throws Exception {
        String exp = ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"alice-exp\"}")).path("experiment_id").asText();
        JsonNode grant = ok(send("admin", ADMIN_PASSWORD, "GET", "/api/2.0/mlflow/experiments/permissions/get?"
                + "experiment_id=" + exp + "&username=alice", null));
        assertThat(grant.at("/experiment_permission/permission").asText()).isEqualTo("MANAGE");
        // bob has the default READ: he may look, not write.
        ok(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + exp, null));
        HttpResponse<String> denied = send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/runs/create",
                "{\"experiment_id\": \"" + exp + "\"}");
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
        assertThat(denied.body()).contains("Permission denied").doesNotContain("alice-exp");
        assertThat(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/experiments/delete",
                "{\"experiment_id\": \"" + exp + "\"}").statusCode()).isEqualTo(403);
        // Only a manager grants; bob cannot grant himself more.
        assertThat(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/experiments/permissions/create",
                "{\"experiment_id\": \"" + exp + "\", \"username\": \"bob\", \"permission\": \"MANAGE\"}")
                .statusCode()).isEqualTo(403);
        HttpResponse<String> badName = send("alice", "alice-pass-1", "POST",
                "/api/2.0/mlflow/experiments/permissions/create", "{\"experiment_id\": \"" + exp
                        + "\", \"username\": \"bob\", \"permission\": \"SUPERUSER\"}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("Invalid permission 'SUPERUSER'");
        ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/experiments/permissions/create",
                "{\"experiment_id\": \"" + exp + "\", \"username\": \"bob\", \"permission\": \"EDIT\"}"));
        String run = ok(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/runs/create", "{\"experiment_id\": \""
                + exp + "\"}")).at("/run/info/run_id").asText();
        ok(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/runs/log-metric", "{\"run_id\": \"" + run
                + "\", \"key\": \"m\", \"value\": 1, \"timestamp\": 1}"));
        assertThat(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/runs/delete", "{\"run_id\": \"" + run
                + "\"}").statusCode()).isEqualTo(403);
        // NO_PERMISSIONS hides the experiment from bob's searches and refuses reads.
        ok(send("alice", "alice-pass-1", "PATCH", "/api/2.0/mlflow/experiments/permissions/update",
                "{\"experiment_id\": \"" + exp + "\", \"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}"));
        JsonNode search = ok(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/experiments/search",
                "{\"max_results\": 1000}"));
        assertThat(search.toString()).doesNotContain("alice-exp");
        assertThat(ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/experiments/search",
                "{\"max_results\": 1000}")).toString()).contains("alice-exp");
        assertThat(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/runs/get?run_id=" + run, null).statusCode())
                .isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "GET", "/get-artifact?run_uuid=" + run + "&path=x", null).statusCode())
                .isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow-artifacts/artifacts/" + exp + "/" + run
                + "/artifacts/x", null).statusCode()).isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "GET", "/metrics", null).statusCode()).isEqualTo(403);
        JsonNode user = ok(send("admin", ADMIN_PASSWORD, "GET", "/api/2.0/mlflow/users/get?username=bob", null));
        assertThat(user.at("/user/experiment_permissions/0/permission").asText()).isEqualTo("NO_PERMISSIONS");
    }

    private void hideFromCarol(String kind, String field, String id) throws Exception {
        ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/" + kind + "/permissions/create", "{\"" + field
                + "\": \"" + id + "\", \"username\": \"carol\", \"permission\": \"NO_PERMISSIONS\"}"));
    }

    @Test
    void filteredSearches_fillEveryPage_andNeverShowUnreadableResources() throws Exception {
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"carol\", \"password\": \"carol-pass-1\"}");
        java.util.Set<String> readable = new java.util.TreeSet<>();
        java.util.Set<String> hidden = new java.util.TreeSet<>();
        for (int i = 0; i < 23; i++) {
            String id = ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/experiments/create",
                    "{\"name\": \"paged-" + i + "\"}")).path("experiment_id").asText();
            ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/registered-models/create",
                    "{\"name\": \"paged-model-" + i + "\"}"));
            if (i % 3 != 0) { // two in three hidden: most raw pages come back short before refilling
                hideFromCarol("experiments", "experiment_id", id);
                hideFromCarol("registered-models", "name", "paged-model-" + i);
                hidden.add(id);
            } else {
                readable.add(id);
            }
        }
        List<String> seen = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = ok(send("carol", "carol-pass-1", "POST", "/api/2.0/mlflow/experiments/search",
                    "{\"max_results\": 3, \"filter\": \"name LIKE 'paged-%'\", \"page_token\": \"" + token + "\"}"));
            List<String> ids = new ArrayList<>();
            page.path("experiments").forEach(x -> ids.add(x.path("experiment_id").asText()));
            token = page.path("next_page_token").asText("");
            if (!token.isEmpty()) {
                assertThat(ids).as("a page with more to come is full").hasSize(3);
            }
            seen.addAll(ids);
        } while (!token.isEmpty());
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(readable);
        List<String> models = new ArrayList<>();
        token = "";
        do {
            JsonNode page = ok(send("carol", "carol-pass-1", "GET", "/api/2.0/mlflow/registered-models/search?"
                    + "max_results=2&filter=name%20LIKE%20'paged-model-%25'&page_token=" + token, null));
            page.path("registered_models").forEach(m -> models.add(m.path("name").asText()));
            token = page.path("next_page_token").asText("");
            if (!token.isEmpty()) {
                assertThat(page.path("registered_models").size()).isEqualTo(2);
            }
        } while (!token.isEmpty());
        assertThat(models).hasSize(readable.size()).allSatisfy(name -> assertThat(Integer.parseInt(
                name.substring("paged-model-".length())) % 3).isZero());

        // Runs and traces across experiments: narrowed to the readable ones, never a 403 that confirms the others.
        String open = readable.iterator().next();
        String closed = hidden.iterator().next();
        for (String exp : List.of(open, closed)) {
            ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/runs/create",
                    "{\"experiment_id\": \"" + exp + "\", \"run_name\": \"run-in-" + exp + "\"}"));
        }
        JsonNode runs = ok(send("carol", "carol-pass-1", "POST", "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\"" + open + "\", \"" + closed + "\"]}"));
        assertThat(runs.path("runs")).hasSize(1);
        assertThat(runs.at("/runs/0/info/experiment_id").asText()).isEqualTo(open);
        JsonNode none = ok(send("carol", "carol-pass-1", "POST", "/api/2.0/mlflow/runs/search",
                "{\"experiment_ids\": [\"" + closed + "\"]}"));
        assertThat(none.path("runs")).isEmpty();
        JsonNode traces = ok(send("carol", "carol-pass-1", "POST", "/api/3.0/mlflow/traces/search",
                "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \""
                        + closed + "\"}}]}"));
        assertThat(traces.path("traces")).isEmpty();
    }

    @Test
    void gatewayEndpoints_needUse_andTheirConfigurationFollowsGrants() throws Exception {
        dev.osprey.gateway.MockProvider mock = new dev.osprey.gateway.MockProvider();
        String g = "/api/3.0/mlflow/gateway/";
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"frank\", \"password\": \"frank-pass-12\"}");
        // Alice builds an endpoint from her own secret and model definition: creator manages each.
        String secret = ok(send("alice", "alice-pass-1", "POST", g + "secrets/create", "{\"secret_name\": \"alice-key\", "
                + "\"provider\": \"openai\", \"secret_value\": {\"api_key\": \"sk-alice\"}, \"auth_config\": "
                + "{\"api_base\": \"" + mock.baseUrl() + "/v1\"}}")).at("/secret/secret_id").asText();
        String model = ok(send("alice", "alice-pass-1", "POST", g + "model-definitions/create", "{\"name\": "
                + "\"alice-gpt\", \"secret_id\": \"" + secret + "\", \"provider\": \"openai\", \"model_name\": "
                + "\"gpt-x\"}")).at("/model_definition/model_definition_id").asText();
        String endpoint = ok(send("alice", "alice-pass-1", "POST", g + "endpoints/create", "{\"name\": \"alice-chat\", "
                + "\"model_configs\": [{\"model_definition_id\": \"" + model + "\", \"linkage_type\": \"PRIMARY\", "
                + "\"weight\": 1.0}]}")).at("/endpoint/endpoint_id").asText();
        String chat = "{\"model\": \"alice-chat\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        assertThat(send("alice", "alice-pass-1", "POST", "/gateway/mlflow/v1/chat/completions", chat).statusCode())
                .isEqualTo(200);
        // Frank has the default READ: he sees the endpoint but may not invoke it, nor build on her secret.
        int calls = mock.received().size();
        HttpResponse<String> denied = send("frank", "frank-pass-12", "POST", "/gateway/mlflow/v1/chat/completions",
                chat);
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
        assertThat(mock.received()).hasSize(calls);
        assertThat(ok(send("frank", "frank-pass-12", "GET", "/gateway/mlflow/v1/models", null)).path("data")).isEmpty();
        assertThat(send("frank", "frank-pass-12", "POST", g + "model-definitions/create", "{\"name\": \"frank-gpt\", "
                + "\"secret_id\": \"" + secret + "\", \"provider\": \"openai\", \"model_name\": \"gpt-x\"}")
                .statusCode()).isEqualTo(403);
        assertThat(send("frank", "frank-pass-12", "DELETE", g + "endpoints/delete?endpoint_id=" + endpoint, null)
                .statusCode()).isEqualTo(403);
        // Alice grants USE (MLflow's gateway permission route): Frank invokes, his name on the usage.
        JsonNode granted = ok(send("alice", "alice-pass-1", "POST", g + "endpoints/permissions/create",
                "{\"endpoint_id\": \"" + endpoint + "\", \"username\": \"frank\", \"permission\": \"USE\"}"));
        assertThat(granted.at("/gateway_endpoint_permission/endpoint_id").asText()).isEqualTo(endpoint);
        assertThat(granted.at("/gateway_endpoint_permission/permission").asText()).isEqualTo("USE");
        assertThat(send("frank", "frank-pass-12", "POST", "/gateway/mlflow/v1/chat/completions", chat).statusCode())
                .isEqualTo(200);
        assertThat(ok(send("frank", "frank-pass-12", "GET", "/gateway/mlflow/v1/models", null)).at("/data/0/id")
                .asText()).isEqualTo("alice-chat");
        assertThat(send("frank", "frank-pass-12", "POST", g + "endpoints/update", "{\"endpoint_id\": \"" + endpoint
                + "\", \"name\": \"hijacked\"}").statusCode()).as("USE is not EDIT").isEqualTo(403);
        // Hidden secrets drop out of lists; Frank cannot grant himself anything.
        ok(send("alice", "alice-pass-1", "POST", g + "secrets/permissions/create", "{\"secret_id\": \"" + secret
                + "\", \"username\": \"frank\", \"permission\": \"NO_PERMISSIONS\"}"));
        assertThat(ok(send("frank", "frank-pass-12", "GET", g + "secrets/list", null)).toString()).doesNotContain(secret);
        assertThat(send("frank", "frank-pass-12", "POST", g + "endpoints/permissions/create", "{\"endpoint_id\": \""
                + endpoint + "\", \"username\": \"frank\", \"permission\": \"MANAGE\"}").statusCode()).isEqualTo(403);
        mock.close();
    }

    @Test
    void scorers_followTheirExperiment_unlessGrantedThemselves() throws Exception {
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"erin\", \"password\": \"erin-pass-12\"}");
        String exp = ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"alice-judged\"}")).path("experiment_id").asText();
        String s = "/api/3.0/mlflow/scorers/";
        ok(send("alice", "alice-pass-1", "POST", s + "register", "{\"experiment_id\": \"" + exp + "\", \"name\": "
                + "\"tone\", \"serialized_scorer\": \"{}\"}"));
        assertThat(ok(send("erin", "erin-pass-12", "GET", s + "get?experiment_id=" + exp + "&name=tone", null))
                .toString()).contains("tone");
        assertThat(send("erin", "erin-pass-12", "DELETE", s + "delete?experiment_id=" + exp + "&name=tone", null)
                .statusCode()).isEqualTo(403);
        assertThat(send("erin", "erin-pass-12", "POST", s + "register", "{\"experiment_id\": \"" + exp
                + "\", \"name\": \"tone\", \"serialized_scorer\": \"{}\"}").statusCode()).isEqualTo(403);
        JsonNode grant = ok(send("alice", "alice-pass-1", "POST", s + "permissions/create", "{\"experiment_id\": \""
                + exp + "\", \"scorer_name\": \"tone\", \"username\": \"erin\", \"permission\": \"MANAGE\"}"));
        assertThat(grant.at("/scorer_permission/scorer_name").asText()).isEqualTo("tone");
        assertThat(grant.at("/scorer_permission/experiment_id").asText()).isEqualTo(exp);
        assertThat(ok(send("erin", "erin-pass-12", "GET", s + "permissions/get?experiment_id=" + exp
                + "&scorer_name=tone&username=erin", null)).at("/scorer_permission/permission").asText())
                .isEqualTo("MANAGE");
        ok(send("erin", "erin-pass-12", "DELETE", s + "delete?experiment_id=" + exp + "&name=tone", null));
    }

    private HttpResponse<String> bearer(String token, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void apiTokens_areShownOnce_storedHashed_expiring_andRevocable() throws Exception {
        String t = "/api/2.0/osprey/tokens/";
        JsonNode created = ok(send("alice", "alice-pass-1", "POST", t + "create",
                "{\"name\": \"ci-runner\", \"expires_in_days\": 30}"));
        String secret = created.path("secret").asText();
        assertThat(secret).startsWith("osp_").hasSizeGreaterThan(40);
        long days = (created.at("/token/expires_at").asLong() - created.at("/token/created_at").asLong()) / 86_400_000L;
        assertThat(days).isEqualTo(30);
        String id = created.at("/token/token_id").asText();
        JsonNode listed = ok(send("alice", "alice-pass-1", "GET", t + "list", null));
        assertThat(listed.toString()).contains("ci-runner").contains("ACTIVE").doesNotContain(secret);
        // The token is the user: alice's rights, alice as creator.
        String exp = ok(bearer(secret, "POST", "/api/2.0/mlflow/experiments/create", "{\"name\": \"by-token\"}"))
                .path("experiment_id").asText();
        ok(send("alice", "alice-pass-1", "GET", "/api/2.0/mlflow/experiments/permissions/get?experiment_id=" + exp
                + "&username=alice", null));
        assertThat(bearer(secret.substring(0, secret.length() - 1) + "x", "GET",
                "/api/2.0/mlflow/experiments/search", null).statusCode()).isEqualTo(401);
        assertThat(bearer("not-a-token", "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                .isEqualTo(401);
        for (String bad : List.of("{\"name\": \"x\", \"expires_in_days\": 0}",
                "{\"name\": \"x\", \"expires_in_days\": 366}", "{\"name\": \"\"}")) {
            HttpResponse<String> r = send("alice", "alice-pass-1", "POST", t + "create", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
        }
        // Only a hash is at rest.
        for (String file : List.of("osprey.db", "osprey.db-wal")) {
            Path f = dir.resolve(file);
            if (Files.exists(f)) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).doesNotContain(secret);
            }
        }
        // Others' tokens: admins only.
        assertThat(send("bob", "bob-pass-123", "GET", t + "list?username=alice", null).statusCode()).isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "DELETE", t + "revoke?username=alice&token_id=" + id, null)
                .statusCode()).isEqualTo(403);
        assertThat(ok(send("admin", ADMIN_PASSWORD, "GET", t + "list?username=alice", null)).toString())
                .contains("ci-runner");
        assertThat(bearer(secret, "GET", "/api/2.0/mlflow/experiments/search", null).statusCode()).isEqualTo(200);
        ok(send("alice", "alice-pass-1", "DELETE", t + "revoke?token_id=" + id, null));
        assertThat(bearer(secret, "GET", "/api/2.0/mlflow/experiments/search", null).statusCode())
                .as("revocation takes effect at once, despite the credential cache").isEqualTo(401);
        assertThat(ok(send("alice", "alice-pass-1", "GET", t + "list", null)).toString()).contains("REVOKED");
    }

    @Test
    void auditLog_recordsLoginsAdminActionsAndPermissionChanges_forAdminsOnly() throws Exception {
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"gina\", \"password\": \"gina-pass-12\"}");
        send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/users/create",
                "{\"username\": \"hank\", \"password\": \"hank-pass-12\"}");
        send("gina", "wrong-password", "GET", "/api/2.0/mlflow/experiments/search", null);
        String exp = ok(send("gina", "gina-pass-12", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"gina-exp\"}")).path("experiment_id").asText();
        ok(send("gina", "gina-pass-12", "POST", "/api/2.0/mlflow/experiments/permissions/create",
                "{\"experiment_id\": \"" + exp + "\", \"username\": \"hank\", \"permission\": \"EDIT\"}"));
        assertThat(send("gina", "gina-pass-12", "GET", "/api/2.0/osprey/audit/list", null).statusCode())
                .isEqualTo(403);
        JsonNode admin = ok(send("admin", ADMIN_PASSWORD, "GET", "/api/2.0/osprey/audit/list?max_results=1000", null));
        List<String> lines = new ArrayList<>();
        admin.path("events").forEach(e -> lines.add(e.path("actor").asText() + " " + e.path("action").asText() + " "
                + e.path("target").asText() + " " + e.path("detail").asText()));
        assertThat(lines).anyMatch(l -> l.startsWith("admin user.create gina"))
                .anyMatch(l -> l.startsWith("gina login.failure gina"))
                .anyMatch(l -> l.startsWith("gina login.success gina"))
                .anyMatch(l -> l.equals("gina permission.create EXPERIMENT " + exp + " user 'hank' EDIT"));
        assertThat(lines.toString()).doesNotContain("gina-pass-12").doesNotContain("wrong-password");
        JsonNode mine = ok(send("admin", ADMIN_PASSWORD, "GET", "/api/2.0/osprey/audit/list?actor=gina&max_results=1",
                null));
        assertThat(mine.path("events")).hasSize(1);
        JsonNode next = ok(send("admin", ADMIN_PASSWORD, "GET", "/api/2.0/osprey/audit/list?actor=gina&max_results=1"
                + "&page_token=" + mine.path("next_page_token").asText(), null));
        assertThat(next.at("/events/0/id").asLong()).isLessThan(mine.at("/events/0/id").asLong());
    }

    @Test
    void evaluationDatasets_creatorManages_othersGetTheDefault_andGrantsChangeThat() throws Exception {
        String id = ok(send("alice", "alice-pass-1", "POST", "/api/3.0/mlflow/datasets/create",
                "{\"name\": \"alice-golden\"}")).at("/dataset/dataset_id").asText();
        assertThat(ok(send("admin", ADMIN_PASSWORD, "GET", "/api/3.0/mlflow/datasets/permissions/get?dataset_id=" + id
                + "&username=alice", null)).at("/dataset_permission/permission").asText()).isEqualTo("MANAGE");
        ok(send("alice", "alice-pass-1", "POST", "/api/3.0/mlflow/datasets/" + id + "/records",
                "{\"records\": \"[{\\\"inputs\\\": {\\\"q\\\": 1}}]\"}"));
        // bob has the default READ: he reads the records, he may not change or delete the dataset.
        ok(send("bob", "bob-pass-123", "GET", "/api/3.0/mlflow/datasets/" + id + "/records", null));
        assertThat(send("bob", "bob-pass-123", "POST", "/api/3.0/mlflow/datasets/" + id + "/records",
                "{\"records\": \"[]\"}").statusCode()).isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "DELETE", "/api/3.0/mlflow/datasets/" + id, null).statusCode())
                .isEqualTo(403);
        assertThat(send("bob", "bob-pass-123", "POST", "/api/3.0/mlflow/datasets/permissions/create",
                "{\"dataset_id\": \"" + id + "\", \"username\": \"bob\", \"permission\": \"MANAGE\"}")
                .statusCode()).as("only a manager grants").isEqualTo(403);
        ok(send("alice", "alice-pass-1", "POST", "/api/3.0/mlflow/datasets/permissions/create",
                "{\"dataset_id\": \"" + id + "\", \"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}"));
        assertThat(send("bob", "bob-pass-123", "GET", "/api/3.0/mlflow/datasets/" + id, null).statusCode())
                .isEqualTo(403);
        JsonNode bobSees = ok(send("bob", "bob-pass-123", "POST", "/api/3.0/mlflow/datasets/search", "{}"));
        assertThat(bobSees.path("datasets").toString()).doesNotContain(id);
        // An evaluation job may not read a dataset its submitter cannot.
        String exp = ok(send("bob", "bob-pass-123", "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"bob-evals\"}")).path("experiment_id").asText();
        assertThat(send("bob", "bob-pass-123", "POST", "/api/3.0/osprey/evaluations", "{\"experiment_id\": \"" + exp
                + "\", \"dataset_id\": \"" + id + "\", \"scorers\": []}").statusCode()).isEqualTo(403);
        ok(send("alice", "alice-pass-1", "DELETE", "/api/3.0/mlflow/datasets/" + id, null));
    }

    /** Guardrails decide what every attached endpoint lets through: changing them needs MANAGE. */
    @Test
    void guardrails_needManageToChange_andReadToSee() throws Exception {
        HttpResponse<String> create = send("bob", "bob-pass-123", "POST", "/api/3.0/mlflow/gateway/guardrails/create",
                "{\"name\": \"g\", \"scorer_id\": \"s\", \"scorer_version\": 1, \"stage\": \"BEFORE\", "
                        + "\"action\": \"VALIDATION\"}");
        assertThat(create.statusCode()).as(create.body()).isEqualTo(403);
        HttpResponse<String> attach = send("bob", "bob-pass-123", "POST",
                "/api/3.0/mlflow/gateway/guardrails/add-to-endpoint", "{\"endpoint_id\": \"e\", \"guardrail_id\": \"g\"}");
        assertThat(attach.statusCode()).as(attach.body()).isEqualTo(403);
        assertThat(ok(send("bob", "bob-pass-123", "GET", "/api/3.0/mlflow/gateway/guardrails/list", null))
                .path("guardrails")).isEmpty();
        HttpResponse<String> asAdmin = send("admin", ADMIN_PASSWORD, "POST",
                "/api/3.0/mlflow/gateway/guardrails/create", "{\"name\": \"g\", \"scorer_id\": \"s\", "
                        + "\"scorer_version\": 1, \"stage\": \"BEFORE\", \"action\": \"VALIDATION\"}");
        assertThat(asAdmin.statusCode()).as("past the check, the handler finds no such scorer").isEqualTo(404);
    }

    /** MLflow's job API asks only for a login; here submitting or canceling needs UPDATE on the job's experiment. */
    @Test
    void mlflowJobs_needUpdateOnTheirExperiment() throws Exception {
        String exp = ok(send("admin", ADMIN_PASSWORD, "POST", "/api/2.0/mlflow/experiments/create",
                "{\"name\": \"jobs-auth\"}")).path("experiment_id").asText();
        String params = "{\"experiment_id\": \"" + exp + "\", \"serialized_scorer\": \"{}\", \"trace_ids\": [\"t\"]}";
        HttpResponse<String> submit = send("bob", "bob-pass-123", "POST", "/ajax-api/3.0/jobs/",
                "{\"job_name\": \"invoke_scorer\", \"params\": " + params + "}");
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(403);
        HttpResponse<String> invoke = send("bob", "bob-pass-123", "POST", "/ajax-api/3.0/mlflow/scorer/invoke",
                params);
        assertThat(invoke.statusCode()).as(invoke.body()).isEqualTo(403);
        HttpResponse<String> asAdmin = send("admin", ADMIN_PASSWORD, "POST", "/ajax-api/3.0/mlflow/scorer/invoke",
                params);
        assertThat(asAdmin.statusCode()).as("past the permission check, the handler judges the request")
                .isEqualTo(400);
        assertThat(ok(send("bob", "bob-pass-123", "POST", "/ajax-api/3.0/jobs/search", "{}")).path("jobs")).isEmpty();
    }

    @Test
    void registeredModels_followTheSameRules() throws Exception {
        ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/registered-models/create",
                "{\"name\": \"alice-model\"}"));
        ok(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/registered-models/get?name=alice-model", null));
        assertThat(send("bob", "bob-pass-123", "DELETE", "/api/2.0/mlflow/registered-models/delete",
                "{\"name\": \"alice-model\"}").statusCode()).isEqualTo(403);
        ok(send("alice", "alice-pass-1", "POST", "/api/2.0/mlflow/registered-models/permissions/create",
                "{\"name\": \"alice-model\", \"username\": \"bob\", \"permission\": \"NO_PERMISSIONS\"}"));
        assertThat(ok(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/registered-models/search", null))
                .toString()).doesNotContain("alice-model");
        assertThat(send("bob", "bob-pass-123", "GET", "/api/2.0/mlflow/registered-models/get?name=alice-model",
                null).statusCode()).isEqualTo(403);
        ok(send("alice", "alice-pass-1", "DELETE", "/api/2.0/mlflow/registered-models/delete",
                "{\"name\": \"alice-model\"}"));
    }
}
