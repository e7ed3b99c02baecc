package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The UI helper routes: spans a page at a time, and the experiment overview aggregates. */
class UiRoutesTest {
    @Test
    void spansPage_andOverview() throws Exception {
        Path dir = Files.createTempDirectory("osprey-ui-routes");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0,
                "memory:", Optional.empty(), dir.resolve("artifacts"), true, "", true))) {
            RestClient api = new RestClient(server.baseUrl());
            String exp = api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"ui\"}").json()
                    .path("experiment_id").asText();
            String first = AgentTraces.send(server.baseUrl(), exp, "q1", "a1", "d1");
            AgentTraces.send(server.baseUrl(), exp, "q2", "a2", "d2");
            String base = "/ajax-api/3.0/osprey/ui";

            JsonNode page = api.get(base + "/traces/" + first + "/spans?offset=0&limit=2").json();
            assertThat(page.path("total").asInt()).isEqualTo(3);
            assertThat(page.path("spans")).hasSize(2);
            assertThat(page.path("next_offset").asInt()).isEqualTo(2);
            JsonNode last = api.get(base + "/traces/" + first + "/spans?offset=2&limit=2").json();
            assertThat(last.path("spans")).hasSize(1);
            assertThat(last.has("next_offset")).isFalse();
            assertThat(api.get(base + "/traces/tr-00000000000000000000000000000000/spans").status()).isEqualTo(404);
            RestClient.Reply tooMany = api.get(base + "/traces/" + first + "/spans?limit=5000");
            assertThat(tooMany.status()).isEqualTo(400);
            assertThat(tooMany.body()).contains("INVALID_PARAMETER_VALUE").contains("limit");

            api.post("/api/3.0/mlflow/traces/" + first + "/assessments", "{\"assessment\": {\"assessment_name\": "
                    + "\"safe\", \"trace_id\": \"" + first + "\", \"source\": {\"source_type\": \"HUMAN\"}, "
                    + "\"feedback\": {\"value\": \"yes\"}}}");
            long now = System.currentTimeMillis();
            JsonNode overview = api.get(base + "/experiments/" + exp + "/overview?start_time_ms=" + (now - 3_600_000)
                    + "&end_time_ms=" + (now + 60_000) + "&buckets=4").json();
            assertThat(overview.path("buckets")).hasSize(4);
            assertThat(overview.path("truncated").asBoolean()).isFalse();
            JsonNode total = overview.path("total");
            assertThat(total.path("traces").asInt()).isEqualTo(2);
            assertThat(total.path("errors").asInt()).isZero();
            assertThat(total.path("latency_ms").path("p50").asLong()).isEqualTo(40);
            assertThat(total.at("/scorers/safe/pass_rate").asDouble()).isEqualTo(1.0);
            int inBuckets = 0;
            for (JsonNode b : overview.path("buckets")) {
                inBuckets += b.path("traces").asInt();
            }
            assertThat(inBuckets).isEqualTo(2);
            JsonNode before = api.get(base + "/experiments/" + exp + "/overview?start_time_ms=0&end_time_ms=1000")
                    .json();
            assertThat(before.at("/total/traces").asInt()).isZero();
            assertThat(api.get(base + "/experiments/" + exp + "/overview?buckets=0").status()).isEqualTo(400);
            assertThat(Json.writeString(overview)).doesNotContain("null");
        }
    }

    /** MLflow's UI asks for its telemetry settings and its deployments proxy: Osprey collects none and has none. */
    @Test
    void mlflowUiTelemetry_isOff_andTheDeploymentsProxyListsNothing() throws Exception {
        Path dir = Files.createTempDirectory("osprey-ui-ajax");
        try (OspreyServer server = OspreyServer.start(new ServerConfig("127.0.0.1", 0,
                "memory:", Optional.empty(), dir.resolve("artifacts"), true, "", true))) {
            RestClient api = new RestClient(server.baseUrl());
            JsonNode config = api.get("/ajax-api/3.0/mlflow/ui-telemetry").json();
            assertThat(config.path("disable_ui_telemetry").asBoolean()).isTrue();
            assertThat(config.path("ui_rollout_percentage").asInt()).isZero();
            assertThat(api.post("/ajax-api/3.0/mlflow/ui-telemetry", "{\"records\": [{\"event_name\": \"x\"}]}")
                    .json().path("status").asText()).isEqualTo("disabled");
            assertThat(api.get("/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=api/2.0/endpoints/").json()
                    .path("endpoints")).isEmpty();
            assertThat(api.post("/ajax-api/2.0/mlflow/gateway-proxy", "{\"gateway_path\": \"x\"}").status())
                    .isEqualTo(200);
        }
    }
}
