package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The model registry REST API through a real socket: PATCH/DELETE with JSON bodies, validation, sources. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryApiTest {
    private static final String RM = "/api/2.0/mlflow/registered-models";
    private static final String MV = "/api/2.0/mlflow/model-versions";
    private OspreyServer server;
    private RestClient api;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("osprey-registry");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode ok(RestClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private void badRequest(RestClient.Reply reply, String code) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo(code);
    }

    @Test
    void theReservedAliasLatest_readsTheNewestLiveVersion_andCannotBeSet() {
        String name = unique("latest");
        RestClient.Reply none = api.get(RM + "/alias?name=" + q(name) + "&alias=latest");
        assertThat(none.status()).as(none.body()).isEqualTo(404);
        ok(api.post(RM + "/create", "{\"name\": \"" + name + "\"}"));
        assertThat(api.get(RM + "/alias?name=" + q(name) + "&alias=latest").errorCode())
                .as("a model without versions").isEqualTo("RESOURCE_DOES_NOT_EXIST");
        for (int i = 0; i < 3; i++) {
            ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"mlflow-artifacts:/m/" + i
                    + "\"}"));
        }
        ok(api.post(MV + "/transition-stage", "{\"name\": \"" + name + "\", \"version\": \"1\", \"stage\": "
                + "\"Production\"}"));
        assertThat(ok(api.get(RM + "/alias?name=" + q(name) + "&alias=LATEST")).at("/model_version/version").asText())
                .as("any case; the highest version whatever its stage").isEqualTo("3");
        ok(api.send("DELETE", MV + "/delete", "{\"name\": \"" + name + "\", \"version\": \"3\"}"));
        assertThat(ok(api.get(RM + "/alias?name=" + q(name) + "&alias=latest")).at("/model_version/version").asText())
                .isEqualTo("2");
        badRequest(api.post(RM + "/alias", "{\"name\": \"" + name + "\", \"alias\": \"latest\", \"version\": "
                + "\"1\"}"), "INVALID_PARAMETER_VALUE");
    }

    @Test
    void serverInfo_saysWhatClientsProbe() {
        JsonNode info = ok(api.get("/api/3.0/mlflow/server-info"));
        assertThat(info.get("workspaces_enabled").asBoolean()).isFalse();
        assertThat(info.get("store_type").asText()).isEqualTo("SqlStore");
    }

    @Test
    void models_crudWithPatchAndDeleteBodies() {
        String name = unique("model");
        JsonNode created = ok(api.post(RM + "/create", "{\"name\": \"" + name + "\", \"description\": \"d\"}"))
                .get("registered_model");
        assertThat(created.get("name").asText()).isEqualTo(name);
        assertThat(created.get("description").asText()).isEqualTo("d");
        badRequest(api.post(RM + "/create", "{\"name\": \"" + name + "\"}"), "RESOURCE_ALREADY_EXISTS");
        badRequest(api.post(RM + "/create", "{\"name\": \"\"}"), "INVALID_PARAMETER_VALUE");

        assertThat(ok(api.send("PATCH", RM + "/update", "{\"name\": \"" + name + "\", \"description\": \"new\"}"))
                .at("/registered_model/description").asText()).isEqualTo("new");
        ok(api.post(RM + "/set-tag", "{\"name\": \"" + name + "\", \"key\": \"team\", \"value\": \"ml\"}"));
        ok(api.send("DELETE", RM + "/delete-tag", "{\"name\": \"" + name + "\", \"key\": \"never\"}"));
        String renamed = unique("renamed");
        ok(api.post(RM + "/rename", "{\"name\": \"" + name + "\", \"new_name\": \"" + renamed + "\"}"));
        assertThat(ok(api.get(RM + "/get?name=" + q(renamed))).at("/registered_model/tags/0/key").asText())
                .isEqualTo("team");
        assertThat(api.get(RM + "/get?name=" + q(name)).status()).isEqualTo(404);
        ok(api.send("DELETE", RM + "/delete", "{\"name\": \"" + renamed + "\"}"));
        RestClient.Reply gone = api.get(RM + "/get?name=" + q(renamed));
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        assertThat(api.get("/ajax-api/2.0/mlflow/registered-models/get?name=x").status()).isEqualTo(404);
    }

    @Test
    void versions_fromARun_downloadUriAndUiArtifactRoute() throws Exception {
        String name = unique("served");
        ok(api.post(RM + "/create", "{\"name\": \"" + name + "\"}"));
        JsonNode run = ok(api.post("/api/2.0/mlflow/runs/create", "{}")).at("/run/info");
        String runId = run.get("run_id").asText();
        String root = run.get("artifact_uri").asText();
        ok(api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/2.0/mlflow-artifacts/artifacts/"
                + root.substring("mlflow-artifacts:/".length()) + "/model/MLmodel"))
                .PUT(HttpRequest.BodyPublishers.ofString("flavors: {}")).build()));

        JsonNode v1 = ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"runs:/" + runId
                + "/model\", \"run_id\": \"" + runId + "\", \"tags\": [{\"key\": \"k\", \"value\": \"v\"}]}"))
                .get("model_version");
        assertThat(v1.get("version").asText()).isEqualTo("1");
        assertThat(v1.get("current_stage").asText()).isEqualTo("None");
        assertThat(v1.get("status").asText()).isEqualTo("READY");
        assertThat(ok(api.get(MV + "/get-download-uri?name=" + q(name) + "&version=1")).get("artifact_uri")
                .asText()).isEqualTo(root + "/model");
        assertThat(api.get("/model-versions/get-artifact?name=" + q(name) + "&version=1&path=MLmodel").body())
                .isEqualTo("flavors: {}");
        assertThat(api.get("/model-versions/get-artifact?name=" + q(name) + "&version=1&path=../../x").status())
                .isEqualTo(400);

        ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"models:/" + name + "/1\"}"));
        assertThat(ok(api.get(MV + "/get-download-uri?name=" + q(name) + "&version=2")).get("artifact_uri")
                .asText()).isEqualTo(root + "/model");
        JsonNode moved = ok(api.post(MV + "/transition-stage", "{\"name\": \"" + name + "\", \"version\": \"2\", "
                + "\"stage\": \"STAGING\", \"archive_existing_versions\": true}")).get("model_version");
        assertThat(moved.get("current_stage").asText()).isEqualTo("Staging");
        assertThat(ok(api.get(RM + "/get-latest-versions?name=" + q(name) + "&stages=Staging"))
                .at("/model_versions/0/version").asText()).isEqualTo("2");
        badRequest(api.post(MV + "/transition-stage", "{\"name\": \"" + name + "\", \"version\": \"2\", "
                + "\"stage\": \"Shipped\"}"), "INVALID_PARAMETER_VALUE");

        ok(api.post(RM + "/alias", "{\"name\": \"" + name + "\", \"alias\": \"champion\", \"version\": \"2\"}"));
        assertThat(ok(api.get(RM + "/alias?name=" + q(name) + "&alias=champion")).at("/model_version/aliases/0")
                .asText()).isEqualTo("champion");
        badRequest(api.get(RM + "/alias?name=" + q(name) + "&alias=nobody"), "INVALID_PARAMETER_VALUE");
        for (String reserved : new String[] {"latest", "LATEST", "v3", "bad alias!"}) {
            badRequest(api.post(RM + "/alias", "{\"name\": \"" + name + "\", \"alias\": \"" + reserved
                    + "\", \"version\": \"1\"}"), "INVALID_PARAMETER_VALUE");
        }
        ok(api.send("DELETE", RM + "/alias", "{\"name\": \"" + name + "\", \"alias\": \"champion\"}"));

        ok(api.send("DELETE", MV + "/delete", "{\"name\": \"" + name + "\", \"version\": \"1\"}"));
        assertThat(api.get(MV + "/get?name=" + q(name) + "&version=1").status()).isEqualTo(404);
        badRequest(api.get(MV + "/get?name=" + q(name) + "&version=one"), "INVALID_PARAMETER_VALUE");
        assertThat(ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"s3://b/m\"}"))
                .at("/model_version/version").asText()).isEqualTo("3");
        RestClient.Reply noModel = api.post(MV + "/create", "{\"name\": \"" + unique("nomodel")
                + "\", \"source\": \"s3://b/m\"}");
        assertThat(noModel.status()).isEqualTo(404);
        assertThat(noModel.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        badRequest(api.post(MV + "/create", "{}"), "INVALID_PARAMETER_VALUE");
    }

    @Test
    void versionSources_outsideTheRootsOrWithTraversal_areRefused() {
        String name = unique("sources");
        ok(api.post(RM + "/create", "{\"name\": \"" + name + "\"}"));
        for (String source : new String[] {"file:///etc/passwd", "/etc/passwd", "http://169.254.169.254/latest",
            "https://example.com/model", "s3://bucket/../../etc", "mlflow-artifacts:/%2e%2e/%2e%2e/x",
            "s3://bucket/%252e%252e/x", "model", "ftp://host/x", "runs:/abc/../../x", "C:\\\\models\\\\m"}) {
            RestClient.Reply reply = api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \""
                    + source + "\"}");
            assertThat(reply.status()).as(source + " -> " + reply.body()).isEqualTo(400);
            assertThat(reply.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"file://" + dir.resolve("artifacts")
                + "/0/model\"}"));
        ok(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"dummy-source\", \"tags\": "
                + "[{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}]}"));
        badRequest(api.post(MV + "/create", "{\"name\": \"" + name + "\", \"source\": \"/etc/passwd\", \"tags\": "
                + "[{\"key\": \"mlflow.prompt.is_prompt\", \"value\": \"true\"}]}"), "INVALID_PARAMETER_VALUE");
    }

    @Test
    void search_hidesPromptsUnlessAsked_andValidates() {
        String prefix = unique("find");
        ok(api.post(RM + "/create", "{\"name\": \"" + prefix + "-model\"}"));
        ok(api.post(RM + "/create", "{\"name\": \"" + prefix + "-prompt\", \"tags\": [{\"key\": "
                + "\"mlflow.prompt.is_prompt\", \"value\": \"true\"}]}"));
        String like = q("name LIKE '" + prefix + "%'");
        assertThat(ok(api.get(RM + "/search?filter=" + like)).get("registered_models")).hasSize(1);
        assertThat(ok(api.get(RM + "/search?filter=" + q("name LIKE '" + prefix
                + "%' AND tags.`mlflow.prompt.is_prompt` = 'true'"))).at("/registered_models/0/name").asText())
                .isEqualTo(prefix + "-prompt");
        badRequest(api.get(RM + "/search?max_results=1001"), "INVALID_PARAMETER_VALUE");
        badRequest(api.get(RM + "/search?filter=" + q("owner = 'x'")), "INVALID_PARAMETER_VALUE");
        badRequest(api.get(RM + "/search?filter=" + q("timestamp = '1'")), "INVALID_PARAMETER_VALUE");
        badRequest(api.get(MV + "/search?filter=" + q("creation_timestamp = '1'")), "INVALID_PARAMETER_VALUE");
        ok(api.get(RM + "/search?order_by=" + q("timestamp DESC")));
        badRequest(api.get(RM + "/search?order_by=" + q("creation_timestamp DESC")), "INVALID_PARAMETER_VALUE");
        badRequest(api.get(MV + "/search?filter=" + q("name IN ('a')")), "INVALID_PARAMETER_VALUE");
        assertThat(ok(api.get(MV + "/search?filter=" + q("name = '" + prefix + "-model'"))).size()).isZero();
    }
}
