package dev.osprey.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.CodeScorers;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.FeedbackValue;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Java SDK's evaluation client against the real server: datasets, evaluate() logged, server jobs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluationClientTest {
    private OspreyServer server;
    private OspreyClient client;
    private EvaluationClient evaluation;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-eval-sdk");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        client = OspreyClient.builder(server.baseUrl()).maxAttempts(1).build();
        evaluation = client.evaluation();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static EvalItem item(String question, String expected) {
        return new EvalItem(Json.object().put("question", question), Json.MAPPER.missingNode(),
                Json.object().put("expected_response", expected), Optional.empty());
    }

    @Test
    void evaluate_runsJavaScorersHere_andLogsARunWithTracesAndAssessments() throws Exception {
        String exp = client.createExperiment("sdk-evaluate");
        Function<JsonNode, JsonNode> predict = in -> Json.MAPPER.getNodeFactory()
                .textNode(in.path("question").asText().toUpperCase());
        Scorer shouting = Scorer.of("shouting", item -> new FeedbackValue.Bool(item.outputText().equals(
                item.outputText().toUpperCase())));
        EvaluationClient.LoggedEvaluation logged = evaluation.evaluate(exp, List.of(item("a", "A"), item("b", "x")),
                Optional.of(predict), List.of(CodeScorers.exactMatch(), shouting), 4);

        assertThat(logged.result().aggregates().get("exact_match").passed()).isEqualTo(1);
        assertThat(logged.traceIds()).hasSize(2);
        var run = client.getRun(logged.runId());
        assertThat(run.info().status().name()).isEqualTo("FINISHED");
        assertThat(run.metrics()).extracting(m -> m.key() + "=" + m.value())
                .contains("exact_match/mean=0.5", "shouting/mean=1.0");
        assertThat(traceIds(exp)).containsExactlyInAnyOrderElementsOf(logged.traceIds());
    }

    private List<String> traceIds(String experimentId) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl()
                + "/api/3.0/mlflow/traces/search")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"experiment_ids\": [\"" + experimentId
                        + "\"]}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        List<String> ids = new ArrayList<>();
        for (JsonNode t : Json.read(body).path("traces")) {
            ids.add(t.path("trace_id").asText());
            assertThat(t.path("assessments")).as("feedback per scorer").hasSize(2);
            assertThat(t.at("/trace_metadata/mlflow.sourceRun").asText()).isNotEmpty();
        }
        return ids;
    }

    @Test
    void datasets_buildFromRecordsAndAJobScoresThemOnTheServer() {
        String exp = client.createExperiment("sdk-datasets");
        EvaluationClient.DatasetInfo d = evaluation.createDataset("golden", List.of(exp), Map.of("team", "qa"));
        List<ObjectNode> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode r = Json.object();
            r.putObject("inputs").put("q", i);
            r.put("outputs", "a" + i);
            r.putObject("expectations").put("expected_response", i < 3 ? "a" + i : "other");
            records.add(r);
        }
        assertThat(evaluation.upsertRecords(d.datasetId(), records)).isEqualTo(new EvaluationClient.UpsertCounts(5, 0));
        assertThat(evaluation.records(d.datasetId())).hasSize(5);
        assertThat(evaluation.getDataset(d.datasetId()).digest()).isNotEqualTo(d.digest());

        evaluation.registerScorer(exp, "exact", ScorerSpecs.codeScorer("exact_match", Json.object()));
        EvaluationClient.JobInfo submitted = evaluation.submitJob(exp, d.datasetId(), List.of("exact"), 2);
        List<String> seen = new ArrayList<>();
        EvaluationClient.JobInfo done = evaluation.awaitJob(submitted.jobId(), Duration.ofMillis(50),
                j -> seen.add(j.status()));
        assertThat(done.status()).isEqualTo("COMPLETED");
        assertThat(done.result().at("/scorers/exact/passed").asInt()).isEqualTo(3);
        assertThat(seen).last().isEqualTo("COMPLETED");
        assertThatThrownBy(() -> evaluation.submitJob(exp, d.datasetId(), List.of("missing"), 2))
                .isInstanceOf(OspreyClientException.class).hasMessageContaining("missing");
    }
}
