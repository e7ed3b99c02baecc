package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.client.OspreyClient;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code osprey simulate} against a server whose users and judge are a scripted model behind the gateway, and whose
 * agent is the gateway's own Chat Completions URL (an agent behind HTTP), streamed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulateCommandTest {
    private MockProvider llm;
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String first = body.path("messages").path(0).path("content").asText();
            String second = body.path("messages").path(1).path("content").asText();
            if (first.contains("role-play")) {
                return "When is the store open?";
            }
            if (first.contains("reached its user's goal")) {
                // The agent streams (MockProvider's fixed pieces): met once they were joined into one answer.
                return "{\"result\": \"" + (second.contains("assistant: Hello there!") ? "yes" : "no")
                        + "\", \"rationale\": \"r\"}";
            }
            if (second.contains("helpful")) {
                return "{\"result\": \"yes\", \"rationale\": \"it was\"}";
            }
            return "Open 9 to 6.";
        });
        server = GatewayTestServers.start("simulate-cli");
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        OspreyClient client = OspreyClient.create(server.baseUrl());
        String exp = client.createExperiment("cli-simulate");
        client.evaluation().registerScorer(exp, "helpful", Json.object().put("name", "helpful")
                .set("instructions_judge_pydantic_data", Json.object().put("instructions", "Was the assistant "
                        + "helpful in {{ conversation }}?").put("model", "gateway:/llm")).toString());
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void simulate_showsProgressAndASummary() throws Exception {
        Path cases = Files.createTempFile("cases", ".jsonl");
        Files.writeString(cases, "{\"goal\": \"Learn the store hours\", \"persona\": \"A night owl\"}\n\n"
                + "{\"goal\": \"Learn when it opens\", \"simulation_guidelines\": \"Be brief\"}\n");
        CliRun run = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-simulate",
                "--cases", cases.toString(), "--agent-url", server.baseUrl() + "/gateway/mlflow/v1",
                "--agent-model", "llm", "--agent-stream", "--user-model", "gateway:/llm", "--judge", "helpful",
                "--max-turns", "3",
                "--run-name", "cli-sim");
        assertThat(run.code()).as(run.err() + run.out()).isEqualTo(0);
        assertThat(run.err()).contains("Simulation job ").contains("2/2 conversations").contains("SUCCEEDED");
        assertThat(run.out()).contains("2 conversations, 2 reached their goal (100%), 0 failed");
        assertThat(run.out()).contains("2 turns (1.0 per conversation)");
        assertThat(run.out()).contains("judge helpful: 2 passed, 0 failed, 0 errors (mean 1.00)");
        assertThat(run.out()).contains("(cli-sim)");
    }

    @Test
    void badArguments_sayWhatToDo() throws Exception {
        CliRun missing = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-simulate");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("give --experiment, the test cases");
        Path noGoal = Files.createTempFile("cases", ".json");
        Files.writeString(noGoal, "[{\"goal\": \"ok\"}, {\"persona\": \"who?\"}]");
        CliRun bad = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-simulate",
                "--cases", noGoal.toString(), "--agent-endpoint", "llm");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("test case 2").contains("goal");
        Path fine = Files.createTempFile("cases", ".json");
        Files.writeString(fine, "[{\"goal\": \"ok\", \"context\": {\"messages\": []}}]");
        CliRun refused = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-simulate",
                "--cases", fine.toString(), "--agent-endpoint", "llm");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("reserved");
        CliRun noEndpoint = CliRun.of("simulate", "--tracking-uri", server.baseUrl(), "--experiment",
                "cli-simulate", "--cases", cases(), "--agent-endpoint", "missing");
        assertThat(noEndpoint.code()).isEqualTo(1);
        assertThat(noEndpoint.err()).contains("no gateway endpoint 'missing'");
    }

    private static String cases() throws Exception {
        Path f = Files.createTempFile("cases", ".json");
        Files.writeString(f, "[{\"goal\": \"g\"}]");
        return f.toString();
    }
}
