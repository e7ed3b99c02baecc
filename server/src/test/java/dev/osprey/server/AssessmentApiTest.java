package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Feedback and expectations on traces through REST: create, get, update by mask, override chain, delete. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AssessmentApiTest {
    private static final String V3 = "/api/3.0/mlflow/traces";
    private OspreyServer server;
    private RestClient api;
    private String traceId;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-assessments");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        traceId = "tr-" + "ab".repeat(16);
        assertThat(api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + traceId + "\", \"trace_location\": "
                + "{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}, "
                + "\"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}").status()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private JsonNode create(String assessment) {
        RestClient.Reply r = api.post(V3 + "/" + traceId + "/assessments", "{\"assessment\": " + assessment + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("assessment");
    }

    @Test
    void anUpdateMaskInProtoJsonCamelCase_namesTheSameFields() {
        String trace = "tr-" + "cd".repeat(16); // its own trace: the lifecycle test counts this one's assessments
        assertThat(api.post(V3, "{\"trace\": {\"trace_info\": {\"trace_id\": \"" + trace + "\", \"trace_location\": "
                + "{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}, "
                + "\"request_time\": \"2026-01-01T00:00:00Z\", \"state\": \"OK\"}}}").status()).isEqualTo(200);
        RestClient.Reply created = api.post(V3 + "/" + trace + "/assessments", "{\"assessment\": {\"assessment_name\": "
                + "\"helpful\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ada\"}, \"feedback\": "
                + "{\"value\": true}}}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String id = created.json().at("/assessment/assessment_id").asText();
        // What MLflow's Python client sends for update_assessment: a FieldMask in proto3 JSON form.
        RestClient.Reply r = api.send("PATCH", V3 + "/" + trace + "/assessments/" + id, "{\"assessment\": "
                + "{\"assessment_name\": \"helpfulness\", \"feedback\": {\"value\": false}, \"rationale\": "
                + "\"on reflection\"}, \"update_mask\": \"assessmentName,feedback,rationale\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode a = r.json().get("assessment");
        assertThat(a.get("assessment_name").asText()).isEqualTo("helpfulness");
        assertThat(a.at("/feedback/value").asBoolean()).isFalse();
        assertThat(a.get("rationale").asText()).isEqualTo("on reflection");
        assertThat(api.send("PATCH", V3 + "/" + trace + "/assessments/" + id, "{\"assessment\": {}, "
                + "\"update_mask\": \"traceId\"}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
    }

    @Test
    void feedbackLifecycle_withOverrides() {
        JsonNode first = create("{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"LLM_JUDGE\", "
                + "\"source_id\": \"gpt-4o\"}, \"feedback\": {\"value\": 0.4}, \"rationale\": \"partly\", "
                + "\"metadata\": {\"judge\": \"v1\"}}");
        String firstId = first.get("assessment_id").asText();
        assertThat(firstId).matches("a-[0-9a-f]{32}");
        assertThat(first.get("valid").asBoolean()).isTrue();
        assertThat(first.get("trace_id").asText()).isEqualTo(traceId);
        assertThat(first.at("/feedback/value").asDouble()).isEqualTo(0.4);
        assertThat(first.get("create_time").asText()).endsWith("Z");

        JsonNode human = create("{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\", "
                + "\"source_id\": \"ada\"}, \"feedback\": {\"value\": true}, \"overrides\": \"" + firstId + "\"}");
        String humanId = human.get("assessment_id").asText();
        assertThat(api.get(V3 + "/" + traceId + "/assessments/" + firstId).json().at("/assessment/valid").asBoolean())
                .isFalse();
        JsonNode info = api.get(V3 + "/" + traceId).json().at("/trace/trace_info");
        assertThat(info.get("assessments")).extracting(a -> a.get("assessment_id").asText())
                .containsExactly(firstId, humanId);

        RestClient.Reply updated = api.send("PATCH", V3 + "/" + traceId + "/assessments/" + firstId, "{\"assessment\": "
                + "{\"rationale\": \"wrong\", \"metadata\": {\"reviewer\": \"bob\"}}, \"update_mask\": "
                + "\"rationale,metadata\"}");
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        JsonNode u = updated.json().get("assessment");
        assertThat(u.get("rationale").asText()).isEqualTo("wrong");
        assertThat(u.at("/metadata/judge").asText()).isEqualTo("v1");
        assertThat(u.at("/metadata/reviewer").asText()).isEqualTo("bob");
        assertThat(u.at("/source/source_type").asText()).isEqualTo("LLM_JUDGE");
        assertThat(api.send("PATCH", V3 + "/" + traceId + "/assessments/" + firstId, "{\"assessment\": {\"expectation\": "
                + "{\"value\": 1}}, \"update_mask\": \"expectation\"}").errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");

        assertThat(api.send("DELETE", V3 + "/" + traceId + "/assessments/" + humanId, "").status()).isEqualTo(200);
        assertThat(api.get(V3 + "/" + traceId + "/assessments/" + firstId).json().at("/assessment/valid").asBoolean())
                .as("deleting the override restores the original").isTrue();
        assertThat(api.send("DELETE", V3 + "/" + traceId + "/assessments/" + humanId, "").status()).isEqualTo(200);
        assertThat(api.get(V3 + "/" + traceId + "/assessments/" + humanId).status()).isEqualTo(404);
    }

    @Test
    void expectations_andBadInput() {
        JsonNode expectation = create("{\"assessment_name\": \"expected_facts\", \"source\": {\"source_type\": "
                + "\"HUMAN\", \"source_id\": \"ada\"}, \"expectation\": {\"value\": [\"a\", {\"b\": 2}]}}");
        assertThat(expectation.at("/expectation/value/1/b").asInt()).isEqualTo(2);
        for (String bad : new String[] {"{\"feedback\": {\"value\": 1}}",
            "{\"assessment_name\": \"x\"}",
            "{\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}, \"expectation\": {\"value\": 1}}",
            "{\"assessment_name\": \"x\", \"feedback\": {\"value\": null}}",
            "{\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}, \"source\": {\"source_type\": \"ROBOT\"}}"}) {
            RestClient.Reply r = api.post(V3 + "/" + traceId + "/assessments", "{\"assessment\": " + bad + "}");
            assertThat(r.status()).as(bad + " -> " + r.body()).isEqualTo(400);
        }
        assertThat(api.post(V3 + "/" + traceId + "/assessments", "{}").status()).isEqualTo(400);
        JsonNode withError = create("{\"assessment_name\": \"x\", \"feedback\": {\"value\": null, \"error\": "
                + "{\"error_code\": \"TIMEOUT\", \"error_message\": \"judge timed out\"}}}");
        assertThat(withError.at("/feedback/error/error_code").asText()).isEqualTo("TIMEOUT");
        assertThat(api.post(V3 + "/tr-" + "00".repeat(16) + "/assessments", "{\"assessment\": {\"assessment_name\": "
                + "\"x\", \"feedback\": {\"value\": 1}}}").status()).isEqualTo(404);
        assertThat(api.post(V3 + "/" + traceId + "/assessments", "{\"assessment\": {\"assessment_name\": \"x\", "
                + "\"feedback\": {\"value\": 1}, \"overrides\": \"a-nope\"}}").status()).isEqualTo(404);
    }
}
