package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.OspreyClient;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * {@code osprey agents serve} with a Java agent, traced to a real server, and the conversation simulator aimed at it
 * through the Responses API: each simulated turn's trace holds the simulator's span and the agent server's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentsCommandTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private MockProvider llm;
    private OspreyServer server;
    private String experiment;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String first = body.path("messages").path(0).path("content").asText();
            String second = body.path("messages").path(1).path("content").asText();
            if (first.contains("role-play")) {
                return "When are you open?";
            }
            return "{\"result\": \"" + (second.contains("9 to 6") ? "yes" : "no") + "\", \"rationale\": \"r\"}";
        });
        server = GatewayTestServers.start("agents-cli");
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        experiment = OspreyClient.create(server.baseUrl()).createExperiment("agent-served");
    }

    @AfterAll
    void stop() {
        pool.shutdownNow();
        server.close();
        llm.close();
    }

    @Test
    void aServedJavaAgent_isTracedAndSimulatedAgainst() throws Exception {
        AgentsCommand.Serve serve = new AgentsCommand.Serve();
        Future<Integer> exit = pool.submit(() -> new CommandLine(serve).execute("--class", HoursAgent.class.getName(),
                "--port", "0", "--tracking-uri", server.baseUrl(), "--experiment-id", experiment));
        assertThat(serve.started.await(30, TimeUnit.SECONDS)).isTrue();
        String agent = "http://127.0.0.1:" + serve.running.port();
        try {
            HttpResponse<String> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent
                    + "/invocations")).header("Content-Type", "application/json").header("x-mlflow-return-trace-id",
                    "true").POST(HttpRequest.BodyPublishers.ofString("{\"input\": [{\"role\": \"user\", "
                    + "\"content\": \"are you open?\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(direct.statusCode()).isEqualTo(200);
            String traceId = Json.read(direct.body()).at("/metadata/trace_id").asText();
            assertThat(traceId).startsWith("tr-");

            Path cases = Files.createTempFile("cases", ".json");
            Files.writeString(cases, "[{\"goal\": \"Learn the opening hours\"}]");
            CliRun simulate = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment", experiment,
                    "--cases", cases.toString(), "--agent-url", agent, "--agent-api", "responses",
                    "--user-model", "gateway:/llm", "--max-turns", "2");
            assertThat(simulate.code()).as(simulate.err() + simulate.out()).isZero();
            assertThat(simulate.out()).contains("1 conversations, 1 reached their goal");

            JsonNode traces = Json.read(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    server.baseUrl() + "/api/3.0/mlflow/traces/search")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                            + "\"mlflow_experiment\": {\"experiment_id\": \"" + experiment + "\"}}], \"filter\": "
                            + "\"metadata.`mlflow.simulation.turn` = '0'\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String turn = traces.at("/traces/0/trace_id").asText();
            assertThat(turn).startsWith("tr-");
            Waiting.until(() -> spanNames(turn).contains("predict"));
            assertThat(spanNames(turn)).as("the agent server's span joined the simulated turn's trace")
                    .contains("simulated_turn", "predict");
            Waiting.until(() -> spanNames(traceId).contains("predict"));
        } finally {
            serve.stop.countDown();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }

    private String spanNames(String traceId) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    server.baseUrl() + "/api/3.0/mlflow/traces/get?trace_id=" + traceId)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Json.read(r.body()).findValuesAsText("name").toString() : "";
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aMissingAgentClass_saysWhatToDo() {
        CliRun run = CliRun.of("agents", "serve", "--class", "com.example.Missing", "--port", "0");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("No class com.example.Missing").contains("--jar");
    }
}
