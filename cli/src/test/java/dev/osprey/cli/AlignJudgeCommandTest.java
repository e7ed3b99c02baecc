package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.client.OspreyClient;
import dev.osprey.eval.EvalItem;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code osprey align-judge} against a server whose people want short answers and whose judge learns it by SIMBA. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlignJudgeCommandTest {
    private MockProvider llm;
    private OspreyServer server;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String user = body.path("messages").path(1).path("content").asText();
            if (user.contains("Write one general rule")) {
                return "{\"rule\": \"Only short answers, under 12 characters, are good.\"}";
            }
            int at = user.indexOf("Answer: ");
            int end = user.indexOf('\n', at);
            String answer = user.substring(at + 8, end < 0 ? user.length() : end);
            boolean ok = !user.contains("short answers") || answer.length() < 12;
            return "{\"result\": \"" + (ok ? "yes" : "no") + "\", \"rationale\": \"r\"}";
        });
        server = GatewayTestServers.start("align-cli");
        OspreyClient client = OspreyClient.create(server.baseUrl());
        GatewayTestServers.endpoint(server.baseUrl(), "llm", llm.baseUrl());
        String exp = client.createExperiment("cli-align");
        List<EvalItem> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(new EvalItem(Json.read("{\"q\": \"question " + i + "\"}"), Json.object().textNode(i % 2 == 0
                    ? "Yes." : "Well, it depends on many things."), Json.object(), Optional.empty()));
        }
        List<String> traces = client.evaluation().evaluate(exp, rows, Optional.empty(), List.of(), 1).traceIds();
        for (int i = 0; i < traces.size(); i++) {
            client.evaluation().logHumanFeedback(traces.get(i), "brief", i % 2 == 0, "", "ana");
        }
        client.evaluation().registerScorer(exp, "brief", Json.object().put("name", "brief")
                .set("instructions_judge_pydantic_data", Json.object().put("instructions", "Is the answer good?\n"
                        + "Question: {{ inputs }}\nAnswer: {{ outputs }}").put("model", "gateway:/llm")).toString());
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    @Test
    void alignJudge_showsProgressAgreementBeforeAndAfter_andWhatWasLearned() {
        CliRun run = CliRun.of("align-judge", "--tracking-uri", server.baseUrl(), "--experiment", "cli-align",
                "--judge", "brief", "--optimizer", "simba", "--holdout", "0.4", "--option", "max_steps=3",
                "--option", "batch_size=4", "--register");
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.err()).contains("Judge alignment job ").contains("model calls").contains("SUCCEEDED");
        assertThat(run.out()).contains("learned from 6 labelled examples; measured on 4 held out");
        assertThat(run.out()).containsPattern("after\\s+100\\.0%\\s+1\\.000");
        assertThat(run.out()).contains("rule: Only short answers, under 12 characters, are good.");
        assertThat(run.out()).contains("registered as version 2 of brief");
    }

    @Test
    void badArguments_sayWhatToDo() {
        CliRun missing = CliRun.of("align-judge", "--tracking-uri", server.baseUrl(), "--judge", "brief");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("give --experiment and --judge");
        CliRun wrong = CliRun.of("align-judge", "--tracking-uri", server.baseUrl(), "--experiment", "cli-align",
                "--judge", "brief", "--optimizer", "gepa");
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("memalign or simba");
        CliRun unknown = CliRun.of("align-judge", "--tracking-uri", server.baseUrl(), "--experiment", "cli-align",
                "--judge", "nobody");
        assertThat(unknown.code()).as("the server's 404").isEqualTo(1);
        assertThat(unknown.err()).contains("Scorer 'nobody'");
    }
}
