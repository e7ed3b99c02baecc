package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** MLflow 3's evaluation dataset routes through a real socket, in the JSON shapes MLflow's client sends and reads. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetApiTest {
    private static final String D = "/api/3.0/mlflow/datasets";
    private OspreyServer server;
    private RestClient api;
    private String experimentId;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-datasets");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "memory:",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        api = new RestClient(server.baseUrl());
        experimentId = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"qa\"}").json()
                .path("experiment_id").asText();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private JsonNode create(String name, String tagsJson) {
        ObjectNode body = Json.object().put("name", name).put("tags", tagsJson);
        body.putArray("experiment_ids").add(experimentId);
        RestClient.Reply r = api.post(D + "/create", body.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("dataset");
    }

    private JsonNode upsert(String datasetId, ArrayNode records) {
        RestClient.Reply r = api.post(D + "/" + datasetId + "/records", Json.object()
                .put("records", records.toString()).toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static ObjectNode record(String question, String expected) {
        ObjectNode r = Json.object();
        r.putObject("inputs").put("question", question);
        r.putObject("expectations").put("expected_response", expected);
        return r;
    }

    private List<JsonNode> allRecords(String datasetId, int pageSize) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String token = "";
        do {
            JsonNode page = api.get(D + "/" + datasetId + "/records?max_results=" + pageSize
                    + (token.isEmpty() ? "" : "&page_token=" + token)).json();
            Json.read(page.path("records").asText()).forEach(out::add);
            token = page.path("next_page_token").asText("");
        } while (!token.isEmpty());
        return out;
    }

    @Test
    void createUpsertPageAndMerge_inMlflowsShape() throws Exception {
        JsonNode d = create("geography", "{\"owner\": \"ml\", \"n\": 3, \"skip\": null}");
        String id = d.path("dataset_id").asText();
        assertThat(id).matches("d-[0-9a-f]{32}");
        assertThat(Json.read(d.path("tags").asText())).isEqualTo(Json.read("{\"n\": \"3\", \"owner\": \"ml\"}"));
        assertThat(d.path("experiment_ids").get(0).asText()).isEqualTo(experimentId);

        ArrayNode first = Json.MAPPER.createArrayNode().add(record("Capital of France?", "Paris"))
                .add(record("Capital of Peru?", "Lima"));
        assertThat(upsert(id, first).path("inserted_count").asInt()).isEqualTo(2);
        // The same inputs with keys in another order and a new expectation: one update, merged.
        ObjectNode again = Json.object();
        again.putObject("inputs").put("question", "Capital of France?");
        again.putObject("expectations").put("facts", "on the Seine");
        ArrayNode second = Json.MAPPER.createArrayNode().add(again).add(record("Capital of Chad?", "N'Djamena"));
        JsonNode counts = upsert(id, second);
        assertThat(counts.path("inserted_count").asInt()).isEqualTo(1);
        assertThat(counts.path("updated_count").asInt()).isEqualTo(1);

        List<JsonNode> records = allRecords(id, 2);
        assertThat(records).hasSize(3);
        JsonNode france = records.getFirst();
        assertThat(france.path("dataset_record_id").asText()).startsWith("dr-");
        assertThat(france.at("/expectations/expected_response").asText()).isEqualTo("Paris");
        assertThat(france.at("/expectations/facts").asText()).isEqualTo("on the Seine");
        assertThat(france.path("last_update_time").asLong()).isGreaterThanOrEqualTo(
                france.path("created_time").asLong());

        JsonNode after = api.get(D + "/" + id).json().path("dataset");
        assertThat(after.path("digest").asText()).isNotEqualTo(d.path("digest").asText());

        RestClient.Reply deleted = api.send("DELETE", D + "/" + id + "/records", Json.object().set("dataset_record_ids",
                Json.MAPPER.createArrayNode().add(records.get(1).path("dataset_record_id").asText())).toString());
        assertThat(deleted.json().path("deleted_count").asInt()).isEqualTo(1);
        assertThat(allRecords(id, 100)).hasSize(2);
    }

    @Test
    void aDatasetBuiltFromTraces_takesTheirInputsOutputsAndExpectations() throws Exception {
        String traceId = AgentTraces.send(server.baseUrl(), experimentId, "What is 1+1?", "2", "arithmetic");
        RestClient.Reply expectation = api.post("/api/3.0/mlflow/traces/" + traceId + "/assessments",
                "{\"assessment\": {\"assessment_name\": \"expected_response\", \"expectation\": {\"value\": \"2\"}, "
                        + "\"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann\"}}}");
        assertThat(expectation.status()).as(expectation.body()).isEqualTo(200);
        String id = create("from-traces", "{}").path("dataset_id").asText();
        ObjectNode fromTrace = Json.object();
        fromTrace.putObject("source").put("source_type", "TRACE").putObject("source_data").put("trace_id", traceId);
        upsert(id, Json.MAPPER.createArrayNode().add(fromTrace));

        JsonNode r = allRecords(id, 10).getFirst();
        assertThat(r.path("inputs")).isEqualTo(Json.read("{\"question\": \"What is 1+1?\"}"));
        assertThat(r.path("outputs").asText()).isEqualTo("2");
        assertThat(r.at("/expectations/expected_response").asText()).isEqualTo("2");
        assertThat(r.path("source_type").asText()).isEqualTo("TRACE");
        assertThat(r.path("source_id").asText()).isEqualTo(traceId);
    }

    @Test
    void searchTagsAndExperiments() {
        String name = "search-" + System.nanoTime();
        String id = create(name, "{\"stage\": \"draft\"}").path("dataset_id").asText();
        assertThat(api.send("PATCH", D + "/" + id + "/tags", "{\"tags\": \"{\\\"stage\\\": \\\"final\\\"}\"}").status())
                .isEqualTo(200);
        JsonNode found = api.post(D + "/search", Json.object().put("filter_string", "tags.stage = 'final' AND "
                + "name = '" + name + "'").toString()).json().path("datasets");
        assertThat(found).hasSize(1);
        assertThat(found.get(0).path("dataset_id").asText()).isEqualTo(id);
        assertThat(api.get(D + "/search?experiment_ids=" + experimentId + "&filter_string=name%20%3D%20%27" + name
                + "%27").json().path("datasets")).hasSize(1);
        assertThat(api.send("DELETE", D + "/" + id + "/tags/stage", "").status()).isEqualTo(200);
        assertThat(api.send("DELETE", D + "/" + id + "/tags/stage", "").status()).as("idempotent").isEqualTo(200);

        String other = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}").json()
                .path("experiment_id").asText();
        JsonNode added = api.post(D + "/" + id + "/add-experiments", "{\"experiment_ids\": [\"" + other + "\"]}")
                .json().path("dataset");
        assertThat(added.path("experiment_ids")).hasSize(2);
        api.post(D + "/" + id + "/remove-experiments", "{\"experiment_ids\": [\"" + experimentId + "\"]}");
        assertThat(api.get(D + "/" + id + "/experiment-ids").json().path("experiment_ids").get(0).asText())
                .isEqualTo(other);
        assertThat(api.send("DELETE", D + "/" + id, "").status()).isEqualTo(200);
        assertThat(api.get(D + "/" + id).status()).isEqualTo(404);
        assertThat(api.send("DELETE", D + "/" + id, "").status()).as("idempotent, as MLflow 3.11's").isEqualTo(200);
    }

    @Test
    void badInput_getsMlflowErrorCodes() {
        RestClient.Reply noName = api.post(D + "/create", "{}");
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.json().path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        RestClient.Reply missing = api.get(D + "/d-00000000000000000000000000000000");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error_code").asText()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        assertThat(missing.json().path("message").asText())
                .isEqualTo("Could not find evaluation dataset with ID d-00000000000000000000000000000000");
        String id = create("bad-input", "{}").path("dataset_id").asText();
        for (String bad : List.of("{\"records\": \"not json\"}", "{\"records\": \"{}\"}",
                "{\"records\": \"[{\\\"expectations\\\": {}}]\"}", "{\"records\": \"[1]\"}",
                "{\"records\": \"[{\\\"inputs\\\": {\\\"q\\\": 1}, \\\"source\\\": {\\\"source_type\\\": \\\"X\\\"}}]\"}",
                "{}")) {
            RestClient.Reply r = api.post(D + "/" + id + "/records", bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().path("error_code").asText()).as(bad).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        assertThat(allRecordsQuietly(id)).as("nothing stored from a refused batch").isEmpty();
        RestClient.Reply badFilter = api.post(D + "/search", "{\"filter_string\": \"bogus_key = 1\"}");
        assertThat(badFilter.status()).isEqualTo(400);
        RestClient.Reply unknownExperiment = api.post(D + "/create", "{\"name\": \"x\", \"experiment_ids\": "
                + "[\"99999\"]}");
        assertThat(unknownExperiment.status()).isEqualTo(404);
    }

    private List<JsonNode> allRecordsQuietly(String id) {
        try {
            return allRecords(id, 100);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
