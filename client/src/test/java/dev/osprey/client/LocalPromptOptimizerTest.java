package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.LocalPromptOptimizer.PromptSet;
import dev.osprey.client.LocalPromptOptimizer.Request;
import dev.osprey.client.LocalPromptOptimizer.Result;
import dev.osprey.client.PromptOptimizationClient.Optimizer;
import dev.osprey.client.prompts.NewPrompt;
import dev.osprey.client.prompts.PromptType;
import dev.osprey.eval.CodeScorers;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.OpenAiJudgeModel;
import dev.osprey.eval.Scorer;
import dev.osprey.gateway.MockProvider;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The SDK's own optimization loop on a two-prompt program written in Java: a planner prompt and an answer prompt.
 * People want numbered steps (the planner's job) and a cited source (the answerer's); the program does each only when
 * its prompt says so. The reflection model is a scripted model behind the server's gateway; the improved prompts are
 * registered on the server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalPromptOptimizerTest {
    private static final Pattern NAME = Pattern.compile("Prompt name: (\\w+)");
    private static final Pattern TEMPLATE = Pattern.compile("Template:\\n<<<\\n(.*?)\\n>>>", Pattern.DOTALL);
    private MockProvider llm;
    private OspreyServer server;
    private OspreyClient client;
    private JudgeModel reflection;
    private final List<EvalItem> rows = new ArrayList<>();
    private int prompts;

    @BeforeAll
    void start() throws Exception {
        llm = new MockProvider().replyBy(body -> {
            String user = body.path("messages").path(1).path("content").asText();
            Matcher name = NAME.matcher(user);
            Matcher template = TEMPLATE.matcher(user);
            if (!name.find() || !template.find()) {
                return null;
            }
            String fix = name.group(1).startsWith("plan") ? " Write numbered steps." : " Always cite the source.";
            return Json.object().put(name.group(1), template.group(1) + fix).toString();
        });
        server = GatewayTestServers.start("local-optimize");
        client = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build();
        GatewayTestServers.endpoint(server.baseUrl(), "reflect", llm.baseUrl());
        reflection = new OpenAiJudgeModel(server.baseUrl() + "/gateway/mlflow/v1", Optional.empty(), "reflect",
                Duration.ofSeconds(10));
        for (String q : List.of("reset a password", "close an account", "export invoices", "change the plan")) {
            rows.add(new EvalItem(Json.read("{\"task\": \"" + q + "\"}"), Json.object().missingNode(), Json.object(),
                    Optional.empty()));
        }
    }

    @AfterAll
    void stop() {
        server.close();
        llm.close();
    }

    /** Registers fresh "plan_N" and "answer_N" prompts (version 1) and returns their URIs. */
    private List<String> freshPrompts() {
        int n = ++prompts;
        client.prompts().register(new NewPrompt("plan_" + n, PromptType.TEXT, "Plan how to {{task}}.", List.of(),
                Optional.empty(), Map.of(), Optional.empty(), Optional.empty()));
        client.prompts().register(new NewPrompt("answer_" + n, PromptType.TEXT, "Answer: {{task}}", List.of(),
                Optional.empty(), Map.of(), Optional.empty(), Optional.empty()));
        return List.of("prompts:/plan_" + n + "/1", "prompts:/answer_" + n + "/1");
    }

    /** The program: numbered steps only when the planner prompt asks, a citation only when the answer prompt asks. */
    private static BiFunction<PromptSet, JsonNode, JsonNode> program(int n) {
        return (prompts, inputs) -> {
            String plan = prompts.format("plan_" + n, inputs);
            String answer = prompts.format("answer_" + n, inputs);
            String out = (plan.contains("numbered steps") ? "1. " : "") + "Do it." + (answer.contains("cite")
                    ? " [help-center]" : "");
            return Json.object().textNode(out);
        };
    }

    private static final List<Scorer> SCORERS = List.of(CodeScorers.regex("numbered", "^1\\. "),
            CodeScorers.regex("cited", "\\[help-center\\]"));

    @Test
    void gepa_improvesBothPrompts_andRegistersEachAsItsNextVersion() {
        List<String> uris = freshPrompts();
        int n = prompts;
        Result result = client.promptOptimization().local().optimize(Request.of(uris, rows, program(n), SCORERS,
                Optimizer.GEPA, reflection).withBudget(80));

        assertThat(result.initialScore()).isZero();
        assertThat(result.finalScore()).isEqualTo(1.0);
        assertThat(result.optimized()).containsOnlyKeys("plan_" + n, "answer_" + n);
        assertThat(result.optimized().get("plan_" + n)).isEqualTo("prompts:/plan_" + n + "/2");
        assertThat(result.best().get("plan_" + n)).isEqualTo("Plan how to {{task}}. Write numbered steps.");
        assertThat(result.candidates().getFirst().parents()).isEmpty();
        assertThat(result.metricCalls()).isLessThanOrEqualTo(80);
        var v2 = client.prompts().load("prompts:/answer_" + n + "/2");
        assertThat(v2.template()).isEqualTo("Answer: {{task}} Always cite the source.");
        assertThat(v2.tags()).containsEntry("osprey.optimization.source", "prompts:/answer_" + n + "/1")
                .containsEntry("osprey.optimization.optimizer", "gepa")
                .containsEntry("osprey.optimization.finalScore", "1.0");
    }

    @Test
    void metaPrompt_rewritesEachPromptOnce_fromTheBaseline() {
        List<String> uris = freshPrompts();
        int n = prompts;
        Result result = client.promptOptimization().local().optimize(Request.of(uris, rows, program(n), SCORERS,
                Optimizer.METAPROMPT, reflection));
        assertThat(result.finalScore()).isEqualTo(1.0);
        assertThat(result.optimized()).hasSize(2);
        assertThat(result.metricCalls()).as("the baseline and the rewrite, on every row").isEqualTo(8);
    }

    @Test
    void nothingBetter_registersNothing_andBadRequestsAreRefused() {
        List<String> uris = freshPrompts();
        int n = prompts;
        Result result = client.promptOptimization().local().optimize(Request.of(uris, rows, (p, in) ->
                Json.object().textNode("static"), SCORERS, Optimizer.METAPROMPT, reflection));
        assertThat(result.finalScore()).isZero();
        assertThat(result.optimized()).isEmpty();
        assertThatThrownBy(() -> client.prompts().load("prompts:/plan_" + n + "/2"))
                .isInstanceOf(OspreyClientException.class);
        assertThatThrownBy(() -> Request.of(uris, List.of(), program(n), SCORERS, Optimizer.GEPA, reflection))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptSet(Map.of("a", "x")).format("b", Json.object()))
                .hasMessageContaining("No prompt named 'b'");
    }
}
