package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** MLflow's scorer registry routes through a real socket: versions, latest per name, get, delete, errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScorerApiTest {
    private static final String S = "/api/3.0/mlflow/scorers";
    private OspreyServer server;
    private RestClient api;
    private String experimentId;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-scorers");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        experimentId = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"judges\"}").json()
                .path("experiment_id").asText();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private JsonNode register(String name, String serialized) {
        RestClient.Reply r = api.post(S + "/register", Json.object().put("experiment_id", experimentId)
                .put("name", name).put("serialized_scorer", serialized).toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void registerListGetDelete_inMlflowsShape() {
        String serialized = "{\"name\": \"relevance\", \"call_source\": \"def f(): pass\"}";
        JsonNode first = register("relevance", serialized);
        assertThat(first.path("version").asInt()).isEqualTo(1);
        assertThat(first.path("experiment_id").isTextual()).as("a string in RegisterScorer.Response").isTrue();
        assertThat(first.path("serialized_scorer").asText()).isEqualTo(serialized);
        assertThat(register("relevance", "{\"v\": 2}").path("version").asInt()).isEqualTo(2);
        register("safety", "{}");

        JsonNode listed = api.get(S + "/list?experiment_id=" + experimentId).json().path("scorers");
        assertThat(listed.findValuesAsText("scorer_name")).containsExactly("relevance", "safety");
        assertThat(listed.get(0).path("scorer_version").asInt()).isEqualTo(2);
        assertThat(listed.get(0).path("experiment_id").isNumber()).as("an int32 in Scorer").isTrue();
        assertThat(api.get(S + "/versions?experiment_id=" + experimentId + "&name=relevance").json()
                .path("scorers")).hasSize(2);
        assertThat(api.get(S + "/get?experiment_id=" + experimentId + "&name=relevance&version=1").json()
                .at("/scorer/serialized_scorer").asText()).isEqualTo(serialized);
        assertThat(api.get(S + "/get?experiment_id=" + experimentId + "&name=relevance").json()
                .at("/scorer/scorer_version").asInt()).isEqualTo(2);

        assertThat(api.send("DELETE", S + "/delete", Json.object().put("experiment_id", experimentId)
                .put("name", "relevance").put("version", 2).toString()).status()).isEqualTo(200);
        assertThat(api.get(S + "/get?experiment_id=" + experimentId + "&name=relevance").json()
                .at("/scorer/scorer_version").asInt()).isEqualTo(1);
        assertThat(api.send("DELETE", S + "/delete", Json.object().put("experiment_id", experimentId)
                .put("name", "relevance").toString()).status()).isEqualTo(200);
        RestClient.Reply gone = api.get(S + "/get?experiment_id=" + experimentId + "&name=relevance");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void badInput_getsMlflowErrors() {
        RestClient.Reply missing = api.post(S + "/register", "{\"experiment_id\": \"" + experimentId
                + "\", \"name\": \"x\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        RestClient.Reply noExperiment = api.post(S + "/register", "{\"experiment_id\": \"987654\", \"name\": \"x\", "
                + "\"serialized_scorer\": \"{}\"}");
        assertThat(noExperiment.status()).isEqualTo(404);
        RestClient.Reply both = api.get(S + "/list?experiment_id=" + experimentId + "&experiment_ids="
                + experimentId);
        assertThat(both.status()).isEqualTo(400);
        RestClient.Reply none = api.send("DELETE", S + "/delete", Json.object().put("experiment_id", experimentId)
                .put("name", "never").toString());
        assertThat(none.status()).isEqualTo(404);
    }
}
