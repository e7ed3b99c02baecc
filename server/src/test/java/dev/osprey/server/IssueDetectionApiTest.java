package dev.osprey.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MLflow's issue detection (the UI's {@code issues/invoke}) end to end: a scripted model behind the gateway triages
 * six traces (three fail: two refunds that were not processed, one login that broke) and groups the failures; the
 * job records two issues with the detection run as their source and links each to its traces.
 */
class IssueDetectionApiTest {
    private static final String INVOKE = "/ajax-api/3.0/mlflow/issues/invoke";
    private static final Pattern FAILURE = Pattern.compile("\\[(\\d+)] request: [^\\n]*\\n\\s+response: [^\\n]*\\n"
            + "\\s+problem: ([^\\n]*)");
    private MockProvider llm;
    private OspreyServer server;
    private RestClient api;
    private String experiment;
    private final List<String> traces = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        llm = new MockProvider().replyBy(IssueDetectionApiTest::script);
        server = OspreyServer.start(JudgeGateway.config(Files.createTempDirectory("osprey-issues"),
                JudgeGateway.newKek()));
        api = new RestClient(server.baseUrl());
        JudgeGateway.create(api, llm.baseUrl());
        experiment = ok(api.post("/api/2.0/mlflow/experiments/create", "{\"name\": \"detect\"}"))
                .path("experiment_id").asText();
        String[][] chats = {
            {"Refund my order 12", "Sorry, refunds are unavailable"},
            {"Where is my parcel?", "It arrives tomorrow."},
            {"Refund order 13 please", "Sorry, refunds are unavailable"},
            {"Log me in", "Error: login service down"},
            {"Change my address", "Done, address updated."},
            {"Opening hours?", "9 to 5 on weekdays."},
        };
        for (String[] c : chats) {
            traces.add(AgentTraces.send(server.baseUrl(), experiment, c[0], c[1], "d"));
        }
    }

    @AfterEach
    void stop() {
        server.close();
        llm.close();
    }

    /** The triage judge fails apologies and errors; the grouping puts refund and login problems apart. */
    private static String script(JsonNode body) {
        String user = body.path("messages").path(1).path("content").asText();
        if (user.contains("Group them into at most")) {
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            Matcher m = FAILURE.matcher(user);
            while (m.find()) {
                groups.computeIfAbsent(m.group(2).contains("refund") ? "refund" : "login", k -> new ArrayList<>())
                        .add(Integer.parseInt(m.group(1)));
            }
            ObjectNode out = Json.object();
            var issues = out.putArray("issues");
            groups.forEach((k, indexes) -> {
                ObjectNode issue = issues.addObject().put("name", k.equals("refund") ? "Issue: Refunds are refused"
                        : "Login outage").put("description", "Users cannot " + k + ".")
                        .put("root_cause", k + " backend").put("severity", k.equals("refund") ? "high" : "medium");
                issue.putArray("categories").add("execution");
                indexes.forEach(issue.putArray("trace_indexes")::add);
            });
            return out.toString();
        }
        if (user.contains("Decide whether the AI assistant achieved")) {
            int at = user.indexOf("Response: ");
            String response = user.substring(at, user.indexOf('\n', at) < 0 ? user.length() : user.indexOf('\n', at));
            boolean failed = response.contains("Sorry") || response.contains("Error");
            String why = response.contains("refund") ? "execution: the refund was not processed"
                    : "execution: the login failed";
            return "{\"result\": \"" + (failed ? "no" : "yes") + "\", \"rationale\": \"" + (failed ? why : "fine")
                    + "\"}";
        }
        return null;
    }

    private static JsonNode ok(RestClient.Reply r) {
        return JudgeGateway.ok(r);
    }

    private ObjectNode request() {
        ObjectNode body = Json.object().put("experiment_id", experiment).put("provider", "openai")
                .put("endpoint_name", "judge");
        traces.forEach(body.putArray("trace_ids")::add);
        body.putArray("categories").add("correctness").add("execution");
        return body;
    }

    @Test
    void issuesAreFound_recordedWithTheirRun_andLinkedToTheirTraces() throws Exception {
        JsonNode started = ok(api.post(INVOKE, request().toString()));
        String jobId = started.path("job_id").asText();
        String runId = started.path("run_id").asText();
        JsonNode[] job = new JsonNode[1];
        JudgeGateway.await(() -> {
            job[0] = ok(api.get("/ajax-api/3.0/jobs/" + jobId));
            return !List.of("PENDING", "RUNNING").contains(job[0].path("status").asText());
        });
        assertThat(job[0].path("status").asText()).as(job[0].toString()).isEqualTo("SUCCEEDED");
        assertThat(job[0].path("job_name").asText()).isEqualTo("invoke_issue_detection");
        JsonNode result = job[0].path("result");
        assertThat(result.path("issues").asInt()).isEqualTo(2);
        assertThat(result.path("total_traces_analyzed").asInt()).isEqualTo(6);
        assertThat(result.path("summary").asText()).contains("3 did not satisfy their user")
                .contains("Refunds are refused");

        JsonNode found = ok(api.post("/api/3.0/mlflow/issues/search", "{\"experiment_id\": \"" + experiment
                + "\", \"include_trace_count\": true}")).path("issues");
        assertThat(found.findValuesAsText("name")).containsExactly("Refunds are refused", "Login outage");
        assertThat(found.get(0).path("trace_count").asLong()).isEqualTo(2);
        assertThat(found.get(1).path("trace_count").asLong()).isEqualTo(1);
        assertThat(found.get(0).path("source_run_id").asText()).isEqualTo(runId);
        assertThat(found.get(0).path("severity").asText()).isEqualTo("high");
        assertThat(found.get(0).path("status").asText()).isEqualTo("pending");

        JsonNode refused = ok(api.get("/api/3.0/mlflow/traces/" + traces.get(0))).path("trace");
        JsonNode link = refused.findValue("assessments").get(0);
        assertThat(link.path("assessment_name").asText()).isEqualTo(found.get(0).path("issue_id").asText());
        assertThat(link.at("/issue/issue_name").asText()).isEqualTo("Refunds are refused");
        assertThat(link.path("rationale").asText()).contains("refund was not processed");

        JsonNode run = ok(api.get("/api/2.0/mlflow/runs/get?run_id=" + runId)).path("run");
        assertThat(run.at("/info/status").asText()).isEqualTo("FINISHED");
        Map<String, String> tags = new LinkedHashMap<>();
        run.at("/data/tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
        assertThat(tags).containsEntry("mlflow.runType", "issue_detection")
                .containsEntry("mlflow.issueDetection.jobId", jobId).containsEntry("model", "gateway:/judge")
                .containsEntry("categories", "correctness,execution").containsEntry("total_traces", "6");
    }

    @Test
    void aProviderAndAGatewaySecret_callTheProviderWithTheSecretsKey() throws Exception {
        String secretId = ok(api.get("/api/3.0/mlflow/gateway/secrets/get?secret_name=judge-key"))
                .at("/secret/secret_id").asText();
        ObjectNode body = request();
        body.remove("endpoint_name");
        body.put("model", "gpt-direct").put("secret_id", secretId);
        String jobId = ok(api.post(INVOKE, body.toString())).path("job_id").asText();
        JsonNode[] job = new JsonNode[1];
        JudgeGateway.await(() -> {
            job[0] = ok(api.get("/ajax-api/3.0/jobs/" + jobId));
            return !List.of("PENDING", "RUNNING").contains(job[0].path("status").asText());
        });
        assertThat(job[0].path("status").asText()).as(job[0].toString()).isEqualTo("SUCCEEDED");
        assertThat(job[0].at("/params/secret_id").asText()).as("the id is kept, not the key").isEqualTo(secretId);
        assertThat(job[0].path("params").toString()).doesNotContain("sk-judge");
        var last = llm.last();
        assertThat(last.body().path("model").asText()).isEqualTo("gpt-direct");
        assertThat(last.header("Authorization")).isEqualTo("Bearer sk-judge");
    }

    @Test
    void badRequests_areClear400sAnd404s() throws Exception {
        ObjectNode noModel = request();
        noModel.remove("endpoint_name");
        RestClient.Reply r = api.post(INVOKE, noModel.toString());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("Either 'endpoint_name' or both 'provider' and 'model'");
        assertThat(api.post(INVOKE, request().put("experiment_id", "999").toString()).status()).isEqualTo(404);
        ObjectNode other = request();
        other.remove("endpoint_name");
        other.put("provider", "anthropic").put("model", "claude").put("secret_id", "s-1");
        RestClient.Reply viaSecret = api.post(INVOKE, other.toString());
        assertThat(viaSecret.status()).isEqualTo(400);
        assertThat(viaSecret.body()).contains("pass 'endpoint_name'");
        ObjectNode unknownSecret = request();
        unknownSecret.remove("endpoint_name");
        unknownSecret.put("model", "gpt-4o-mini").put("secret_id", "no-such-secret");
        assertThat(api.post(INVOKE, unknownSecret.toString()).status()).as("a secret not of this workspace")
                .isEqualTo(404);
        ObjectNode noTraces = request();
        noTraces.putArray("trace_ids");
        assertThat(api.post(INVOKE, noTraces.toString()).status()).isEqualTo(400);
        assertThat(ok(api.post("/api/2.0/mlflow/runs/search", "{\"experiment_ids\": [\"" + experiment + "\"]}"))
                .path("runs").isMissingNode()).as("no run was made").isTrue();
    }
}
