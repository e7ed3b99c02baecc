package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MLflow 3.11's issues over REST on SQLite: create, get, update and search with MLflow's filter, order and trace
 * counts, where traces are linked to an issue by issue assessments.
 */
class IssueApiTest {
    private static final String I = "/api/3.0/mlflow/issues";
    private OspreyServer server;
    private RestClient api;
    private String experiment;

    @BeforeEach
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-issues");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        experiment = ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"issues\"}"))
                .path("experiment_id").asText();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode ok(RestClient.Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private JsonNode create(String name, String severity, String sourceRun) {
        ObjectNode body = Json.object().put("experiment_id", experiment).put("name", name)
                .put("description", name + " happens");
        if (severity != null) {
            body.put("severity", severity);
        }
        if (sourceRun != null) {
            body.put("source_run_id", sourceRun);
        }
        body.putArray("root_causes").add("retrieval misses");
        body.putArray("categories").add("quality");
        return ok(api.post(I, body.toString())).path("issue");
    }

    private void link(String traceId, JsonNode issue) {
        ObjectNode a = Json.object().put("assessment_name", issue.path("issue_id").asText()).put("trace_id", traceId);
        a.putObject("issue").put("issue_name", issue.path("name").asText());
        a.putObject("source").put("source_type", "HUMAN").put("source_id", "reviewer");
        ok(api.post("/api/3.0/mlflow/traces/" + traceId + "/assessments", Json.object().set("assessment", a)
                .toString()));
    }

    private List<String> search(String body) {
        return ok(api.post(I + "/search", body)).path("issues").findValuesAsText("name");
    }

    @Test
    void createGetUpdate_roundTrip() {
        JsonNode created = create("Hallucinated prices", "high", "run-1");
        String id = created.path("issue_id").asText();
        assertThat(id).startsWith("iss-");
        assertThat(created.path("status").asText()).isEqualTo("pending");
        assertThat(created.path("experiment_id").asText()).isEqualTo(experiment);
        assertThat(created.path("root_causes")).extracting(JsonNode::asText).containsExactly("retrieval misses");
        assertThat(ok(api.get(I + "/" + id)).path("issue")).isEqualTo(created);

        JsonNode updated = ok(api.send("PATCH", I + "/" + id, Json.object().put("issue_id", id)
                .put("status", "resolved").put("severity", "low").toString())).path("issue");
        assertThat(updated.path("status").asText()).isEqualTo("resolved");
        assertThat(updated.path("severity").asText()).isEqualTo("low");
        assertThat(updated.path("name").asText()).as("unchanged when not given").isEqualTo("Hallucinated prices");
        assertThat(updated.path("last_updated_timestamp").asLong())
                .isGreaterThanOrEqualTo(created.path("created_timestamp").asLong());

        assertThat(api.get(I + "/iss-missing").status()).isEqualTo(404);
        assertThat(api.send("PATCH", I + "/" + id, "{\"status\": \"closed\"}").status()).isEqualTo(400);
        assertThat(api.post(I, Json.object().put("experiment_id", experiment).put("name", "x").toString()).status())
                .as("description is required").isEqualTo(400);
        assertThat(api.post(I, Json.object().put("experiment_id", "98765").put("name", "x").put("description", "y")
                .toString()).status()).isEqualTo(404);
    }

    @Test
    void search_filtersOrdersBySeverityAndTraceCount_andPages() throws Exception {
        JsonNode low = create("low one", "low", "run-1");
        JsonNode highFew = create("high few", "high", "run-2");
        JsonNode highMany = create("high many", "high", null);
        create("no severity", null, "run-1");
        String t1 = AgentTraces.send(server.baseUrl(), experiment, "q1", "a1", "d");
        String t2 = AgentTraces.send(server.baseUrl(), experiment, "q2", "a2", "d");
        link(t1, highMany);
        link(t2, highMany);
        link(t2, highMany);
        link(t1, highFew);
        link(t1, low);

        String all = "{\"experiment_id\": \"" + experiment + "\"";
        assertThat(search(all + "}")).as("severity first, then newest")
                .containsExactly("high many", "high few", "low one", "no severity");
        JsonNode counted = ok(api.post(I + "/search", all + ", \"include_trace_count\": true}")).path("issues");
        assertThat(counted.findValuesAsText("name")).containsExactly("high many", "high few", "low one",
                "no severity");
        assertThat(counted.get(0).path("trace_count").asLong()).as("distinct traces").isEqualTo(2);
        assertThat(counted.get(1).path("trace_count").asLong()).isEqualTo(1);
        assertThat(counted.get(3).path("trace_count").asLong()).isZero();

        assertThat(search(all + ", \"filter_string\": \"source_run_id = 'run-1'\"}"))
                .containsExactly("low one", "no severity");
        assertThat(search(all + ", \"filter_string\": \"status = 'pending' AND source_run_id != 'run-1'\"}"))
                .containsExactly("high few");
        RestClient.Reply like = api.post(I + "/search", all + ", \"filter_string\": \"status LIKE 'p%'\"}");
        assertThat(like.status()).isEqualTo(400);
        assertThat(api.post(I + "/search", all + ", \"filter_string\": \"name = 'x'\"}").status()).isEqualTo(400);

        JsonNode first = ok(api.post(I + "/search", all + ", \"max_results\": 3}"));
        assertThat(first.path("issues")).hasSize(3);
        JsonNode rest = ok(api.post(I + "/search", all + ", \"max_results\": 3, \"page_token\": \""
                + first.path("next_page_token").asText() + "\"}"));
        assertThat(rest.path("issues").findValuesAsText("name")).containsExactly("no severity");
        assertThat(rest.has("next_page_token")).isFalse();
    }
}
