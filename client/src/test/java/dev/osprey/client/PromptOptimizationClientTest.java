package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.client.PromptOptimizationClient.Job;
import dev.osprey.client.PromptOptimizationClient.Optimizer;
import dev.osprey.client.PromptOptimizationClient.Request;
import dev.osprey.client.prompts.NewPrompt;
import dev.osprey.client.prompts.PromptType;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SDK's prompt optimization against the real server: a scripted model (through the server's gateway) answers
 * correctly only when told to answer in French; GEPA finds that instruction and the SDK reads the new version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromptOptimizationClientTest {
    private static final String FRENCH = "Always answer in French.";
    private MockProvider llm;
    private OspreyServer server;
    private OspreyClient client;
    private String experiment;
    private String dataset;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String prompt = body.path("messages").toString();
            if (prompt.contains("Improve the prompt template")) {
                return "{\"greet\": \"" + FRENCH + " {{question}}\"}";
            }
            if (prompt.contains("a correct answer to")) {
                return "{\"result\": \"" + (prompt.contains("Bonjour") ? "yes" : "no") + "\", \"rationale\": \"r\"}";
            }
            return prompt.contains(FRENCH) ? "Bonjour" : "Hello";
        });
        server = GatewayTestServers.start("optimize-sdk");
        client = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build();
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        experiment = client.createExperiment("optimize-sdk");
        EvaluationClient evaluation = client.evaluation();
        dataset = evaluation.createDataset("greetings", List.of(experiment), Map.of()).datasetId();
        List<JsonNode> records = new ArrayList<>();
        for (String q : List.of("Say hello", "Greet me", "Welcome")) {
            ObjectNode r = Json.object();
            r.putObject("inputs").put("question", q);
            r.putObject("expectations").put("expected_response", "Bonjour");
            records.add(r);
        }
        evaluation.upsertRecords(dataset, records);
        evaluation.registerScorer(experiment, "french", Json.object().put("name", "french")
                .set("instructions_judge_pydantic_data", Json.object()
                        .put("instructions", "Is {{ outputs }} a correct answer to {{ inputs }}?")
                        .put("model", "gateway:/llm")).toString());
        client.prompts().register(new NewPrompt("greet", PromptType.TEXT, "Answer: {{question}}", List.of(),
                Optional.empty(), Map.of(), Optional.empty(),
                Optional.of("{\"provider\": \"gateway\", \"model_name\": \"llm\"}")));
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void gepa_improvesThePrompt_andTheSdkFollowsTheJob() {
        Job started = client.promptOptimization().start(new Request(experiment, "prompts:/greet/1", Optimizer.GEPA,
                Optional.of(dataset), List.of("french"), "gateway:/llm", OptionalLong.of(30), Optional.empty(),
                Map.of("team", "growth")));
        assertThat(started.runId()).isNotEmpty();
        List<String> seen = new ArrayList<>();
        Job done = client.promptOptimization().await(started.jobId(), Duration.ofMillis(50), j -> seen.add(j.status()));
        assertThat(done.status()).as(done.toString()).isEqualTo("JOB_STATUS_COMPLETED");
        assertThat(seen).last().isEqualTo("JOB_STATUS_COMPLETED");
        assertThat(done.initialScores()).containsEntry("aggregate", 0.0);
        assertThat(done.finalScores()).containsEntry("aggregate", 1.0).containsEntry("french", 1.0);
        assertThat(done.optimizedPromptUri()).contains("prompts:/greet/2");
        assertThat(client.prompts().load("prompts:/greet/2").template()).isEqualTo(FRENCH + " {{question}}");
        assertThat(client.promptOptimization().search(experiment)).extracting(Job::jobId).contains(started.jobId());

        client.promptOptimization().delete(started.jobId());
        assertThatThrownBy(() -> client.promptOptimization().get(started.jobId()))
                .isInstanceOf(OspreyClientException.class);
        assertThatThrownBy(() -> client.promptOptimization().start(new Request(experiment, "prompts:/greet/1",
                Optimizer.GEPA, Optional.empty(), List.of(), "gateway:/llm", OptionalLong.empty(), Optional.empty(),
                Map.of()))).isInstanceOf(OspreyClientException.class).hasMessageContaining("GEPA");
    }
}
