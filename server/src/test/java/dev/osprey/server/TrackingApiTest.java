package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The tracking REST API through a real socket: wire format, validation limits, error codes and statuses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrackingApiTest {
    private OspreyServer server;
    private RestClient api;
    private Path dir;

    @BeforeAll
    void start() throws IOException {
        dir = Files.createTempDirectory("osprey-api");
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

    private String experiment() {
        RestClient.Reply r = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + unique("e") + "\"}");
        assertThat(r.status()).isEqualTo(200);
        return r.json().get("experiment_id").asText();
    }

    private String run(String experimentId) {
        RestClient.Reply r = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + experimentId
                + "\", \"start_time\": 1}");
        assertThat(r.status()).isEqualTo(200);
        return r.json().at("/run/info/run_id").asText();
    }

    @Test
    void healthAndVersion_arePlainText() {
        assertThat(api.get("/health")).isEqualTo(new RestClient.Reply(200, "OK"));
        assertThat(api.get("/version").body()).matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void everyRoute_isUnderApiAndAjaxApi() {
        String name = unique("both");
        assertThat(api.post("/ajax-api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}").status())
                .isEqualTo(200);
        assertThat(api.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + name).json()
                .at("/experiment/name").asText()).isEqualTo(name);
    }

    @Test
    void unknownRoutes_are404EndpointNotFound_andWrongMethods405() {
        RestClient.Reply r = api.get("/api/2.0/mlflow/runs/no-such-thing");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("ENDPOINT_NOT_FOUND");
        assertThat(api.get("/api/2.0/mlflow/runs/create").status()).isEqualTo(405);
        assertThat(api.get("/api/3.0/mlflow/runs/get?run_id=x").errorCode()).isEqualTo("ENDPOINT_NOT_FOUND");
    }

    @Test
    void defaultExperiment_isZero() {
        JsonNode e = api.get("/api/2.0/mlflow/experiments/get?experiment_id=0").json().get("experiment");
        assertThat(e.get("name").asText()).isEqualTo("Default");
        assertThat(e.get("artifact_location").asText()).isEqualTo("mlflow-artifacts:/0");
        assertThat(e.get("creation_time").isNumber()).isTrue();
    }

    @Test
    void malformedBodies_are400WithMessages() {
        RestClient.Reply bad = api.post("/api/2.0/mlflow/experiments/create", "{not json");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(bad.json().get("message").asText()).contains("not valid JSON");
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "[1, 2]").status()).isEqualTo(400);
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": 5}").json().get("message").asText())
                .contains("'name'");
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{}").json().get("message").asText())
                .startsWith("Missing value for required parameter 'name'.");
        RestClient.Reply noType = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"x\"}", "text/plain");
        assertThat(noType.status()).isEqualTo(400);
        assertThat(noType.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"x\", \"bogus\": 1} trailing")
                .status()).isEqualTo(400);
    }

    @Test
    void unknownFields_areIgnored_andDoubleEncodedBodiesDecoded() {
        String name = unique("dbl");
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\", \"bogus\": [1]}")
                .status()).isEqualTo(200);
        String doubled = "\"{\\\"name\\\": \\\"" + name + "-2\\\"}\"";
        assertThat(api.post("/api/2.0/mlflow/experiments/create", doubled).status()).isEqualTo(200);
    }

    @Test
    void experimentErrors_useMlflowCodesAndStatuses() {
        String id = experiment();
        String name = api.get("/api/2.0/mlflow/experiments/get?experiment_id=" + id).json()
                .at("/experiment/name").asText();
        RestClient.Reply dup = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + name + "\"}");
        assertThat(dup.status()).isEqualTo(400);
        assertThat(dup.errorCode()).isEqualTo("RESOURCE_ALREADY_EXISTS");
        RestClient.Reply missing = api.get("/api/2.0/mlflow/experiments/get?experiment_id=424242");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
        assertThat(api.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + unique("none")).status())
                .isEqualTo(404);
        api.post("/api/2.0/mlflow/experiments/delete", "{\"experiment_id\": \"" + id + "\"}");
        RestClient.Reply rename = api.post("/api/2.0/mlflow/experiments/update", "{\"experiment_id\": \"" + id
                + "\", \"new_name\": \"" + unique("n") + "\"}");
        assertThat(rename.status()).isEqualTo(500);
        assertThat(rename.errorCode()).isEqualTo("INVALID_STATE");
        RestClient.Reply longName = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + "n".repeat(501)
                + "\"}");
        assertThat(longName.status()).isEqualTo(400);
        RestClient.Reply runsLocation = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \""
                + unique("loc") + "\", \"artifact_location\": \"runs:/abc\"}");
        assertThat(runsLocation.status()).isEqualTo(400);
        RestClient.Reply fragment = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \""
                + unique("loc") + "\", \"artifact_location\": \"s3://b/p#frag\"}");
        assertThat(fragment.status()).isEqualTo(400);
        for (String location : new String[] {"http://evil.example/x", "javascript:alert(1)", "data:text/plain,x"}) {
            RestClient.Reply scheme = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \""
                    + unique("loc") + "\", \"artifact_location\": \"" + location + "\"}");
            assertThat(scheme.status()).as(location).isEqualTo(400);
            assertThat(scheme.json().get("message").asText()).contains("is not allowed");
        }
        for (String location : new String[] {"s3://bucket/prefix", "s3://bucket/", "mlflow-artifacts:/custom",
            "gs://bucket/p"}) {
            assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + unique("loc")
                    + "\", \"artifact_location\": \"" + location + "\"}").status()).as(location).isEqualTo(200);
        }
        assertThat(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + unique("loc")
                + "\", \"artifact_location\": \"" + dir.resolve("artifacts/mine").toUri() + "\"}").status())
                .as("a local path inside the server's root").isEqualTo(200);
        // Issue 19, finding 5: refused when created, not when first used.
        for (String location : new String[] {"file:///etc", "/etc", "/data/mlruns", "relative/path",
            "mlflow-artifacts:/../../etc", "mlflow-artifacts:/a/../../b", "s3://bucket/../other", "dbfs:/x",
            "file:relative"}) {
            RestClient.Reply refused = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \""
                    + unique("loc") + "\", \"artifact_location\": \"" + location + "\"}");
            assertThat(refused.status()).as(location + " -> " + refused.body()).isEqualTo(400);
            assertThat(refused.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        RestClient.Reply bigTag = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"" + unique("t")
                + "\", \"tags\": [{\"key\": \"k\", \"value\": \"" + "v".repeat(5001) + "\"}]}");
        assertThat(bigTag.status()).isEqualTo(400);
    }

    @Test
    void javaClientEncodings_int64AsStringsAndRunUuid() {
        String exp = experiment();
        RestClient.Reply created = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp
                + "\", \"start_time\": \"1700000000000\", \"user_id\": \"bob\"}");
        String runId = created.json().at("/run/info/run_id").asText();
        assertThat(created.json().at("/run/info/start_time").isNumber()).isTrue();
        assertThat(created.json().at("/run/info/run_uuid").asText()).isEqualTo(runId);
        assertThat(api.post("/api/2.0/mlflow/runs/log-metric", "{\"run_uuid\": \"" + runId + "\", \"run_id\": \""
                + runId + "\", \"key\": \"m\", \"value\": \"NaN\", \"timestamp\": \"5\", \"step\": \"2\"}").status())
                .isEqualTo(200);
        JsonNode point = api.get("/api/2.0/mlflow/metrics/get-history?run_uuid=" + runId + "&metric_key=m").json()
                .at("/metrics/0");
        assertThat(point.get("value").asText()).isEqualTo("NaN");
        assertThat(point.get("timestamp").isNumber()).isTrue();
        assertThat(point.get("step").asLong()).isEqualTo(2);
    }

    @Test
    void infiniteMetrics_areClampedToMaxDouble() {
        String runId = run(experiment());
        api.post("/api/2.0/mlflow/runs/log-metric", "{\"run_id\": \"" + runId + "\", \"key\": \"m\", \"value\": "
                + "\"Infinity\", \"timestamp\": 1}");
        assertThat(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/data/metrics/0/value")
                .asDouble()).isEqualTo(Double.MAX_VALUE);
    }

    @Test
    void logBatch_limitsAreExact_andARejectedBatchWritesNothing() {
        String runId = run(experiment());
        StringBuilder metrics = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            metrics.append(i == 0 ? "" : ",").append("{\"key\": \"m\", \"value\": 1, \"timestamp\": ").append(i)
                    .append('}');
        }
        RestClient.Reply tooMany = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"metrics\": [" + metrics + "]}");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().get("message").asText()).contains("at most 1000 metrics");
        assertThat(api.get("/api/2.0/mlflow/metrics/get-history?run_id=" + runId + "&metric_key=m").json()
                .has("metrics")).isFalse();

        String exactly1000 = metrics.substring(0, metrics.lastIndexOf(",{"));
        assertThat(api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId + "\", \"metrics\": ["
                + exactly1000 + "]}").status()).isEqualTo(200);

        String huge = "{\"run_id\": \"" + runId + "\", \"tags\": [{\"key\": \"t\", \"value\": \"" + "x".repeat(1_000_001)
                + "\"}]}";
        assertThat(api.post("/api/2.0/mlflow/runs/log-batch", huge).json().get("message").asText())
                .contains("at most 1000000 bytes");

        RestClient.Reply badKey = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"params\": [{\"key\": \"ok\", \"value\": \"1\"}, {\"key\": \"../etc\", \"value\": \"1\"}]}");
        assertThat(badKey.status()).isEqualTo(400);
        RestClient.Reply longKey = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"params\": [{\"key\": \"" + "k".repeat(251) + "\", \"value\": \"1\"}]}");
        assertThat(longKey.json().get("message").asText()).contains("exceeded length limit of 250");
        RestClient.Reply dupKeys = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"params\": [{\"key\": \"d\", \"value\": \"1\"}, {\"key\": \"d\", \"value\": \"2\"}]}");
        assertThat(dupKeys.json().get("message").asText()).contains("Duplicate parameter keys");
        RestClient.Reply missingValue = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"metrics\": [{\"key\": \"a\", \"timestamp\": 1}]}");
        assertThat(missingValue.json().get("message").asText()).contains("'metrics[0].value'");
        RestClient.Reply boolValue = api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + runId
                + "\", \"metrics\": [{\"key\": \"a\", \"value\": true, \"timestamp\": 1}]}");
        assertThat(boolValue.status()).isEqualTo(400);
        JsonNode data = api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/data");
        assertThat(data.has("params")).isFalse();
    }

    @Test
    void longValues_areTruncatedAtMlflowLimits() {
        String runId = run(experiment());
        api.post("/api/2.0/mlflow/runs/log-parameter", "{\"run_id\": \"" + runId + "\", \"key\": \"p\", \"value\": \""
                + "p".repeat(7000) + "\"}");
        api.post("/api/2.0/mlflow/runs/set-tag", "{\"run_id\": \"" + runId + "\", \"key\": \"t\", \"value\": \""
                + "t".repeat(9000) + "\"}");
        JsonNode data = api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/data");
        assertThat(data.at("/params/0/value").asText()).hasSize(6000);
        for (JsonNode tag : data.get("tags")) {
            if (tag.get("key").asText().equals("t")) {
                assertThat(tag.get("value").asText()).hasSize(8000);
            }
        }
    }

    @Test
    void paramChange_isRejectedWithMlflowWording() {
        String runId = run(experiment());
        api.post("/api/2.0/mlflow/runs/log-parameter", "{\"run_id\": \"" + runId + "\", \"key\": \"lr\", "
                + "\"value\": \"0.1\"}");
        RestClient.Reply changed = api.post("/api/2.0/mlflow/runs/log-parameter", "{\"run_id\": \"" + runId
                + "\", \"key\": \"lr\", \"value\": \"0.2\"}");
        assertThat(changed.status()).isEqualTo(400);
        assertThat(changed.json().get("message").asText()).startsWith("Changing param values is not allowed. "
                + "Param with key='lr' was already logged with value='0.1'");
    }

    @Test
    void runNameRules() {
        String exp = experiment();
        RestClient.Reply both = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp
                + "\", \"run_name\": \"a\", \"tags\": [{\"key\": \"mlflow.runName\", \"value\": \"b\"}]}");
        assertThat(both.status()).isEqualTo(400);
        JsonNode named = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp
                + "\", \"run_name\": \"mine\"}").json().at("/run");
        assertThat(named.at("/info/run_name").asText()).isEqualTo("mine");
        assertThat(named.at("/data/tags/0/value").asText()).isEqualTo("mine");
        JsonNode generated = api.post("/api/2.0/mlflow/runs/create", "{\"experiment_id\": \"" + exp + "\"}").json()
                .at("/run/info/run_name");
        assertThat(generated.asText()).matches("[a-z]+-[a-z]+-\\d{1,3}");
        JsonNode defaultExperiment = api.post("/api/2.0/mlflow/runs/create", "{}").json().at("/run/info");
        assertThat(defaultExperiment.get("experiment_id").asText()).isEqualTo("0");
    }

    @Test
    void deletedRuns_refuseWrites_andUnknownRunsAre404() {
        String runId = run(experiment());
        api.post("/api/2.0/mlflow/runs/delete", "{\"run_id\": \"" + runId + "\"}");
        RestClient.Reply write = api.post("/api/2.0/mlflow/runs/set-tag", "{\"run_id\": \"" + runId
                + "\", \"key\": \"k\", \"value\": \"v\"}");
        assertThat(write.status()).isEqualTo(400);
        assertThat(write.json().get("message").asText()).contains("must be in the 'active' state");
        assertThat(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/info/lifecycle_stage")
                .asText()).isEqualTo("deleted");
        RestClient.Reply unknown = api.get("/api/2.0/mlflow/runs/get?run_id=ffffffffffffffffffffffffffffffff");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("RESOURCE_DOES_NOT_EXIST");
    }

    @Test
    void searchRuns_rejectsBadFiltersAndInjection_with400() {
        String exp = experiment();
        for (String filter : new String[] {"metrics.m > 1; DROP TABLE runs", "params.p = 'a' OR 1=1",
            "metrics.m > 'x'", "junk"}) {
            RestClient.Reply r = api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + exp
                    + "\"], \"filter\": \"" + filter.replace("\"", "\\\"") + "\"}");
            assertThat(r.status()).as(filter).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("INVALID_PARAMETER_VALUE");
        }
        RestClient.Reply order = api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + exp
                + "\"], \"order_by\": [\"start_time; DELETE FROM runs\"]}");
        assertThat(order.status()).isEqualTo(400);
        RestClient.Reply tooMany = api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + exp
                + "\"], \"max_results\": 50001}");
        assertThat(tooMany.status()).isEqualTo(400);
        RestClient.Reply token = api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + exp
                + "\"], \"page_token\": \"garbage!\"}");
        assertThat(token.status()).isEqualTo(400);
        assertThat(api.post("/api/2.0/mlflow/runs/search", "{}").body()).isEqualTo("{}");
    }

    @Test
    void searchExperiments_worksOverGetAndPost() {
        String id = experiment();
        JsonNode viaGet = api.get("/api/2.0/mlflow/experiments/search?max_results=5&view_type=ALL&filter="
                + "attribute.name%20LIKE%20%27e-%25%27").json();
        assertThat(viaGet.get("experiments").size()).isEqualTo(5);
        assertThat(viaGet.has("next_page_token")).isTrue();
        JsonNode viaPost = api.post("/api/2.0/mlflow/experiments/search", "{\"max_results\": 1000, \"order_by\": "
                + "[\"experiment_id DESC\"]}").json();
        assertThat(viaPost.at("/experiments/0/experiment_id").asText()).isNotEmpty();
        assertThat(id).isNotEmpty();
        assertThat(api.get("/api/2.0/mlflow/experiments/search?view_type=BOGUS").status()).isEqualTo(400);
    }

    @Test
    void logModel_appendsToHistoryTag_andValidates() {
        String runId = run(experiment());
        String model = "{\\\"artifact_path\\\": \\\"model\\\", \\\"flavors\\\": {}, \\\"utc_time_created\\\": "
                + "\\\"2024\\\", \\\"run_id\\\": \\\"" + runId + "\\\"}";
        assertThat(api.post("/api/2.0/mlflow/runs/log-model", "{\"run_id\": \"" + runId + "\", \"model_json\": \""
                + model + "\"}").status()).isEqualTo(200);
        api.post("/api/2.0/mlflow/runs/log-model", "{\"run_id\": \"" + runId + "\", \"model_json\": \"" + model
                + "\"}");
        JsonNode tags = api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/data/tags");
        String history = "";
        for (JsonNode t : tags) {
            if (t.get("key").asText().equals("mlflow.log-model.history")) {
                history = t.get("value").asText();
            }
        }
        assertThat(history).startsWith("[{").contains("\"artifact_path\":\"model\"");
        assertThat(history.split("artifact_path")).hasSize(3);
        RestClient.Reply missing = api.post("/api/2.0/mlflow/runs/log-model", "{\"run_id\": \"" + runId
                + "\", \"model_json\": \"{}\"}");
        assertThat(missing.json().get("message").asText()).contains("missing mandatory fields");
        assertThat(api.post("/api/2.0/mlflow/runs/log-model", "{\"run_id\": \"" + runId
                + "\", \"model_json\": \"nope\"}").json().get("message").asText()).contains("Malformed model info");
    }

    @Test
    void bulkInterval_validatesItsArguments() {
        String runId = run(experiment());
        assertThat(api.get("/api/2.0/mlflow/metrics/get-history-bulk-interval?metric_key=m").status())
                .isEqualTo(400);
        assertThat(api.get("/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + runId
                + "&metric_key=m&max_results=2501").json().get("message").asText())
                .isEqualTo("max_results must be between 1 and 2500.");
        assertThat(api.get("/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + runId
                + "&metric_key=m&start_step=1").json().get("message").asText())
                .contains("both must be specified");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            many.append("&run_ids=r").append(i);
        }
        assertThat(api.get("/api/2.0/mlflow/metrics/get-history-bulk-interval?metric_key=m" + many).json()
                .get("message").asText()).contains("at most 100 run_ids. Received 101");
        assertThat(api.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + runId
                + "&metric_key=m").body()).isEqualTo("{}");
    }

    @Test
    void bulkHistory_returnsRunsInIdOrderForTheUi() {
        String exp = experiment();
        String a = run(exp);
        String b = run(exp);
        for (String id : new String[] {a, b}) {
            api.post("/api/2.0/mlflow/runs/log-batch", "{\"run_id\": \"" + id + "\", \"metrics\": ["
                    + "{\"key\": \"m\", \"value\": 1, \"timestamp\": 2, \"step\": 0},"
                    + "{\"key\": \"m\", \"value\": 2, \"timestamp\": 1, \"step\": 1}]}");
        }
        JsonNode metrics = api.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=" + b + "&run_id=" + a
                + "&metric_key=m&max_results=3").json().get("metrics");
        String first = a.compareTo(b) < 0 ? a : b;
        assertThat(metrics).hasSize(3);
        assertThat(metrics.get(0).get("run_id").asText()).isEqualTo(first);
        assertThat(metrics.get(0).get("timestamp").asLong()).isEqualTo(1);
        assertThat(api.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk?metric_key=m").status()).isEqualTo(400);
    }

    @Test
    void logInputs_roundTripsThroughGetRun() {
        String runId = run(experiment());
        RestClient.Reply r = api.post("/api/2.0/mlflow/runs/log-inputs", "{\"run_id\": \"" + runId + "\", "
                + "\"datasets\": [{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"training\"}], "
                + "\"dataset\": {\"name\": \"iris\", \"digest\": \"d1\", \"source_type\": \"local\", "
                + "\"source\": \"{}\"}}], \"models\": [{\"model_id\": \"m-abc\"}]}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode inputs = api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json().at("/run/inputs");
        assertThat(inputs.at("/dataset_inputs/0/dataset/name").asText()).isEqualTo("iris");
        assertThat(inputs.at("/dataset_inputs/0/tags/0/value").asText()).isEqualTo("training");
        assertThat(inputs.at("/model_inputs/0/model_id").asText()).isEqualTo("m-abc");
        RestClient.Reply noDataset = api.post("/api/2.0/mlflow/runs/log-inputs", "{\"run_id\": \"" + runId
                + "\", \"datasets\": [{\"dataset\": {\"name\": \"x\"}}]}");
        assertThat(noDataset.status()).isEqualTo(400);
        assertThat(api.post("/api/2.0/mlflow/runs/outputs", "{\"run_id\": \"" + runId + "\", \"models\": "
                + "[{\"model_id\": \"m-out\", \"step\": 3}]}").status()).isEqualTo(200);
        assertThat(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId).json()
                .at("/run/outputs/model_outputs/0/step").asLong()).isEqualTo(3);
    }

    @Test
    void searchDatasets_theUisSummaryOfDatasetsRunsUsed() {
        String experiment = experiment();
        String runId = run(experiment);
        assertThat(api.post("/api/2.0/mlflow/runs/log-inputs", "{\"run_id\": \"" + runId + "\", \"datasets\": "
                + "[{\"tags\": [{\"key\": \"mlflow.data.context\", \"value\": \"eval\"}], \"dataset\": {\"name\": "
                + "\"golden\", \"digest\": \"g1\", \"source_type\": \"local\", \"source\": \"{}\"}}]}").status())
                .isEqualTo(200);
        RestClient.Reply r = api.post("/ajax-api/2.0/mlflow/experiments/search-datasets", "{\"experiment_ids\": [\""
                + experiment + "\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode summary = r.json().at("/dataset_summaries/0");
        assertThat(summary.get("experiment_id").asText()).isEqualTo(experiment);
        assertThat(summary.get("name").asText()).isEqualTo("golden");
        assertThat(summary.get("digest").asText()).isEqualTo("g1");
        assertThat(summary.get("context").asText()).isEqualTo("eval");
        assertThat(r.json().get("dataset_summaries")).hasSize(1);
        assertThat(api.post("/ajax-api/2.0/mlflow/experiments/search-datasets", "{}").errorCode())
                .isEqualTo("INVALID_PARAMETER_VALUE");
        StringBuilder many = new StringBuilder("{\"experiment_ids\": [\"0\"");
        for (int i = 1; i <= 20; i++) {
            many.append(", \"").append(i).append('"');
        }
        assertThat(api.post("/ajax-api/2.0/mlflow/experiments/search-datasets", many + "]}").errorCode())
                .isEqualTo("INVALID_PARAMETER_VALUE");
    }
}
