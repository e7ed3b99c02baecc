package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** MLflow 3 logged models through REST: path parameters, finalize, tags, params, metrics, search, registry links. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoggedModelApiTest {
    private static final String LM = "/api/2.0/mlflow/logged-models";
    private OspreyServer server;
    private RestClient api;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-logged-models");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private JsonNode ok(RestClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private String experiment(String name) {
        return ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}"))
                .get("experiment_id").asText();
    }

    @Test
    void lifecycle_tagsParamsMetricsArtifactsAndDeletion() {
        String exp = experiment("lm-lifecycle");
        JsonNode created = ok(api.post(LM, "{\"experiment_id\": \"" + exp + "\", \"name\": \"agent\", "
                + "\"model_type\": \"agent\", \"params\": [{\"key\": \"temperature\", \"value\": \"0.2\"}], "
                + "\"tags\": [{\"key\": \"a/b\", \"value\": \"c\"}]}")).get("model");
        String id = created.at("/info/model_id").asText();
        assertThat(id).matches("m-[0-9a-f]{32}");
        assertThat(created.at("/info/status").asText()).isEqualTo("LOGGED_MODEL_PENDING");
        String artifactUri = created.at("/info/artifact_uri").asText();
        assertThat(artifactUri).isEqualTo("mlflow-artifacts:/" + exp + "/models/" + id + "/artifacts");
        assertThat(ok(api.post(LM, "{\"experiment_id\": \"" + exp + "\"}")).at("/model/info/name").asText())
                .as("a generated name").matches("[a-z]+-[a-z]+-\\d+");

        ok(api.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/2.0/mlflow-artifacts/artifacts/"
                + artifactUri.substring("mlflow-artifacts:/".length()) + "/MLmodel"))
                .PUT(HttpRequest.BodyPublishers.ofString("flavors: {}")).build()));
        assertThat(ok(api.get(LM + "/" + id + "/artifacts/directories")).get("files").toString())
                .isEqualTo("[{\"path\":\"MLmodel\",\"is_dir\":false,\"file_size\":11}]");
        assertThat(api.get("/ajax-api/2.0/mlflow/logged-models/" + id + "/artifacts/files?artifact_file_path="
                + "MLmodel").body()).isEqualTo("flavors: {}");
        RestClient.Reply noPath = api.get("/ajax-api/2.0/mlflow/logged-models/" + id + "/artifacts/files");
        assertThat(noPath.status()).isEqualTo(400);
        assertThat(noPath.errorCode()).isEqualTo("BAD_REQUEST");

        ok(api.post(LM + "/" + id + "/params", "{\"params\": [{\"key\": \"temperature\", \"value\": \"0.2\"}, "
                + "{\"key\": \"top_p\", \"value\": \"0.9\"}]}"));
        assertThat(api.post(LM + "/" + id + "/params", "{\"params\": [{\"key\": \"top_p\", \"value\": \"1\"}]}")
                .errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        ok(api.send("PATCH", LM + "/" + id + "/tags", "{\"tags\": [{\"key\": \"stage\", \"value\": \"dev\"}]}"));
        ok(api.send("DELETE", LM + "/" + id + "/tags/a%2Fb", ""));

        String runId = ok(api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}"))
                .at("/run/info/run_id").asText();
        ok(api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId + "\", \"metrics\": [{\"key\": "
                + "\"accuracy\", \"value\": 0.8, \"timestamp\": 10, \"step\": 0, \"model_id\": \"" + id + "\", "
                + "\"dataset_name\": \"eval\", \"dataset_digest\": \"abc\"}]}"));
        assertThat(api.send("PATCH", LM + "/" + id, "{\"status\": \"BROKEN\"}").status()).isEqualTo(400);
        JsonNode ready = ok(api.send("PATCH", LM + "/" + id, "{\"status\": \"LOGGED_MODEL_READY\"}")).get("model");
        assertThat(ready.at("/info/status").asText()).isEqualTo("LOGGED_MODEL_READY");
        assertThat(ready.at("/info/tags").toString()).isEqualTo("[{\"key\":\"stage\",\"value\":\"dev\"}]");
        assertThat(ready.at("/data/params").size()).isEqualTo(2);
        assertThat(ready.at("/data/metrics/0/run_id").asText()).isEqualTo(runId);
        assertThat(ready.at("/data/metrics/0/dataset_name").asText()).isEqualTo("eval");

        assertThat(api.send("PUT", LM + "/" + id, "{}").status()).isEqualTo(405);
        ok(api.send("DELETE", LM + "/" + id, ""));
        RestClient.Reply gone = api.get(LM + "/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("message").asText()).isEqualTo("Logged model with ID '" + id + "' not found.");
        ok(api.get(LM + "/" + id + "?allow_deleted=true"));
    }

    @Test
    void search_filtersWithMetricsOnDatasets_andOrdersByObjects() {
        String exp = experiment("lm-search");
        String runId = ok(api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}"))
                .at("/run/info/run_id").asText();
        String[] ids = new String[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = ok(api.post(LM, "{\"experiment_id\": \"" + exp + "\", \"name\": \"m" + i + "\"}"))
                    .at("/model/info/model_id").asText();
            ok(api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId + "\", \"metrics\": [{\"key\": "
                    + "\"f1\", \"value\": " + (0.5 + i / 10.0) + ", \"timestamp\": 1, \"step\": 0, \"model_id\": \""
                    + ids[i] + "\", \"dataset_name\": \"" + (i == 1 ? "other" : "eval") + "\"}]}"));
        }
        JsonNode found = ok(api.post(LM + "/search", "{\"experiment_ids\": [\"" + exp + "\"], \"filter\": "
                + "\"metrics.f1 > 0.5\", \"datasets\": [{\"dataset_name\": \"eval\"}], \"order_by\": [{\"field_name\": "
                + "\"metrics.f1\", \"ascending\": false, \"dataset_name\": \"eval\"}]}"));
        assertThat(found.get("models")).extracting(m -> m.at("/info/model_id").asText()).containsExactly(ids[2]);
        JsonNode byName = ok(api.post(LM + "/search", "{\"experiment_ids\": [\"" + exp + "\"], \"order_by\": "
                + "[{\"field_name\": \"name\"}], \"max_results\": 2}"));
        assertThat(byName.get("models")).extracting(m -> m.at("/info/name").asText()).containsExactly("m0", "m1");
        assertThat(byName.has("next_page_token")).isTrue();
        assertThat(api.post(LM + "/search", "{\"experiment_ids\": [\"" + exp + "\"], \"order_by\": [{\"field_name\": "
                + "\"params.x\"}]}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.post(LM + "/search", "{}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
    }

    @Test
    void registeringFromALoggedModel_recordsTheRegistrations() {
        String exp = experiment("lm-registry");
        String id = ok(api.post(LM, "{\"experiment_id\": \"" + exp + "\"}")).at("/model/info/model_id").asText();
        ok(api.post("/api/2.0/mlflow/registered-models/create", "{\"name\": \"model\"}"));
        for (int i = 0; i < 2; i++) {
            JsonNode v = ok(api.post("/api/2.0/mlflow/model-versions/create", "{\"name\": \"model\", \"source\": "
                    + "\"models:/" + id + "\", \"model_id\": \"" + id + "\"}")).get("model_version");
            assertThat(v.get("model_id").asText()).isEqualTo(id);
        }
        assertThat(ok(api.get("/api/2.0/mlflow/model-versions/get-download-uri?name=model&version=2"))
                .get("artifact_uri").asText()).endsWith("/models/" + id + "/artifacts");
        JsonNode info = ok(api.get(LM + "/" + id)).at("/model/info");
        assertThat(info.get("tags").get(0).get("value").asText())
                .isEqualTo("[{\"name\": \"model\", \"version\": 1}, {\"name\": \"model\", \"version\": 2}]");
        assertThat(info.get("registrations").toString())
                .isEqualTo("[{\"name\":\"model\",\"version\":\"1\"},{\"name\":\"model\",\"version\":\"2\"}]");
        assertThat(api.post("/api/2.0/mlflow/model-versions/create", "{\"name\": \"model\", \"source\": "
                + "\"models:/m-00000000000000000000000000000000\"}").status()).isEqualTo(400);
    }
}
