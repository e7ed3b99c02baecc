package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.JudgeAlignmentClient.Job;
import dev.osprey.client.JudgeAlignmentClient.Optimizer;
import dev.osprey.client.JudgeAlignmentClient.Request;
import dev.osprey.eval.EvalItem;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SDK's judge alignment against the real server: answers are logged with the SDK's evaluate(), a person's
 * verdicts with {@code logHumanFeedback}; the people want answers to be polite, the judge's scripted model only
 * minds politeness once its prompt says so, and the reflection model learns that from the verdicts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JudgeAlignmentClientTest {
    private static final String GUIDELINE = "Answers must be polite and say please.";
    private MockProvider llm;
    private OspreyServer server;
    private OspreyClient client;
    private String experiment;
    private final List<String> traces = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String user = body.path("messages").path(1).path("content").asText();
            if (user.contains("Judged examples:")) {
                return "{\"guidelines\": [{\"guideline_text\": \"" + GUIDELINE + "\", \"source_trace_ids\": [0]}]}";
            }
            int at = user.indexOf("Reply: ");
            String reply = user.substring(at + 7, user.indexOf('\n', at + 7) < 0 ? user.length()
                    : user.indexOf('\n', at + 7));
            boolean ok = !user.contains("polite") || reply.contains("please");
            return "{\"result\": \"" + (ok ? "yes" : "no") + "\", \"rationale\": \"r\"}";
        });
        server = GatewayTestServers.start("align-sdk");
        client = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build();
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        experiment = client.createExperiment("align-sdk");
        EvaluationClient evaluation = client.evaluation();
        List<EvalItem> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String reply = i % 2 == 0 ? "Sit down, please." : "Sit down.";
            rows.add(new EvalItem(Json.read("{\"ask\": \"seat " + i + "\"}"), Json.object().textNode(reply),
                    Json.object(), Optional.empty()));
        }
        traces.addAll(evaluation.evaluate(experiment, rows, Optional.empty(), List.of(), 1).traceIds());
        for (int i = 0; i < traces.size(); i++) {
            evaluation.logHumanFeedback(traces.get(i), "polite", i % 2 == 0, i % 2 == 0 ? "says please" : "rude",
                    "ana");
        }
        evaluation.registerScorer(experiment, "polite", Json.object().put("name", "polite")
                .set("instructions_judge_pydantic_data", Json.object().put("instructions", "Is this reply "
                        + "acceptable?\nRequest: {{ inputs }}\nReply: {{ outputs }}").put("model", "gateway:/llm"))
                .toString());
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void memAlign_throughTheSdk_reportsAgreement_andRegistersTheAlignedJudge() throws Exception {
        JudgeAlignmentClient alignment = client.judgeAlignment();
        List<Double> seen = new ArrayList<>();
        Job started = alignment.start(Request.of(experiment, "polite", Optimizer.MEMALIGN).withTraces(traces)
                .withHoldout(0.4).registering().withOption("embedding_model", "gateway:/llm")
                .withOption("embedding_dim", 3));
        Job done = alignment.await(started.jobId(), Duration.ofMillis(100), j -> j.progress().ifPresent(seen::add));

        assertThat(done.status()).as(done.error().orElse("")).isEqualTo("SUCCEEDED");
        var result = done.result().orElseThrow();
        assertThat(result.trainCount()).isEqualTo(6);
        assertThat(result.heldOutCount()).isEqualTo(4);
        assertThat(result.base().orElseThrow().accuracy()).isLessThan(1.0);
        assertThat(result.aligned().orElseThrow().accuracy()).isEqualTo(1.0);
        assertThat(result.aligned().orElseThrow().cohenKappa()).isEqualTo(1.0);
        assertThat(result.guidelines()).containsExactly(GUIDELINE);
        assertThat(result.registeredVersion()).contains(2);
        assertThat(result.judgeCalls()).isEqualTo(8);
        assertThat(result.reflectionCalls()).isEqualTo(1);
        JsonNode form = Json.read(result.alignedScorer());
        assertThat(form.at("/memory_augmented_judge_data/semantic_memory/0/guideline_text").asText())
                .isEqualTo(GUIDELINE);
        assertThat(alignment.list(experiment)).extracting(Job::jobId).contains(started.jobId());
        assertThat(done.progress()).contains(1.0);

        JsonNode memory = form.path("memory_augmented_judge_data");
        String first = memory.at("/episodic_trace_ids/0").asText();
        var unaligned = alignment.unalign(experiment, "polite", List.of(first), true);
        assertThat(unaligned.removedExamples()).isEqualTo(1);
        assertThat(unaligned.registeredVersion()).contains(3);
        assertThat(Json.read(unaligned.alignedScorer()).at("/memory_augmented_judge_data/episodic_trace_ids"))
                .hasSize(memory.path("episodic_trace_ids").size() - 1);
    }

    @Test
    void aClientMistake_isATypedError_beforeAnyJobExists() {
        JudgeAlignmentClient alignment = client.judgeAlignment();
        assertThatThrownBy(() -> alignment.start(Request.of(experiment, "polite", Optimizer.SIMBA)
                .withTraces(List.of("tr-00000000000000000000000000000000"))))
                .isInstanceOf(OspreyClientException.class).hasMessageContaining("No human feedback named 'polite'");
        assertThatThrownBy(() -> client.evaluation().logHumanFeedback(traces.getFirst(), "polite", List.of(1), "",
                "ana")).isInstanceOf(IllegalArgumentException.class);
    }
}
