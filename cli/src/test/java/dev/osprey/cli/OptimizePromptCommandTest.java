package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.OspreyClient;
import dev.osprey.client.prompts.NewPrompt;
import dev.osprey.client.prompts.PromptType;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code osprey optimize-prompt} against a server whose scripted model improves when told to be brief. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OptimizePromptCommandTest {
    private MockProvider llm;
    private OspreyServer server;
    private String dataset;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String prompt = body.path("messages").toString();
            if (prompt.contains("Improve the prompt template")) {
                return "{\"summary\": \"Be brief. {{text}}\"}";
            }
            if (prompt.contains("is short")) {
                return "{\"result\": \"" + (prompt.contains("Short.") ? "yes" : "no") + "\", \"rationale\": \"r\"}";
            }
            return prompt.contains("Be brief.") ? "Short." : "A very long rambling answer.";
        });
        server = GatewayTestServers.start("optimize-cli");
        OspreyClient client = OspreyClient.create(server.baseUrl());
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        String exp = client.createExperiment("cli-optimize");
        dataset = client.evaluation().createDataset("texts", List.of(exp), Map.of()).datasetId();
        JsonNode record = Json.object().set("inputs", Json.object().put("text", "Summarize the report."));
        client.evaluation().upsertRecords(dataset, List.of(record));
        client.evaluation().registerScorer(exp, "short", Json.object().put("name", "short")
                .set("instructions_judge_pydantic_data", Json.object().put("instructions", "{{ outputs }} is short?")
                        .put("model", "gateway:/llm")).toString());
        client.prompts().register(new NewPrompt("summary", PromptType.TEXT, "{{text}}", List.of(), Optional.empty(),
                Map.of(), Optional.empty(), Optional.of("{\"provider\": \"gateway\", \"model_name\": \"llm\"}")));
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void optimizePrompt_showsProgressScoresAndTheNewVersion() {
        CliRun run = CliRun.of("optimize-prompt", "--tracking-uri", server.baseUrl(), "--experiment", "cli-optimize",
                "--prompt", "prompts:/summary/1", "--optimizer", "metaprompt", "--dataset", dataset, "--scorers",
                "short", "--reflection-model", "gateway:/llm");
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.err()).contains("Prompt optimization job ").contains("JOB_STATUS_COMPLETED");
        assertThat(run.out()).containsPattern("aggregate\\s+0\\.000\\s+1\\.000");
        assertThat(run.out()).contains("optimized prompt prompts:/summary/2 (from prompts:/summary/1");
    }

    @Test
    void badArguments_sayWhatToDo() {
        CliRun missing = CliRun.of("optimize-prompt", "--tracking-uri", server.baseUrl(), "--prompt",
                "prompts:/summary/1");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("give --experiment, --prompt and --reflection-model");
        CliRun wrong = CliRun.of("optimize-prompt", "--tracking-uri", server.baseUrl(), "--experiment",
                "cli-optimize", "--prompt", "prompts:/summary/1", "--optimizer", "simba", "--reflection-model",
                "gateway:/llm");
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("gepa or metaprompt");
        CliRun refused = CliRun.of("optimize-prompt", "--tracking-uri", server.baseUrl(), "--experiment",
                "cli-optimize", "--prompt", "prompts:/summary/1", "--reflection-model", "gateway:/llm");
        assertThat(refused.code()).as("GEPA without a dataset is the server's 400").isEqualTo(1);
        assertThat(refused.err()).contains("GEPA optimizer learns from scored examples");
    }
}
