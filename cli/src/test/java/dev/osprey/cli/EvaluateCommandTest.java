package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.client.EvaluationClient;
import dev.osprey.client.OspreyClient;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code osprey evaluate} against a running server: progress on stderr, a summary table on stdout. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateCommandTest {
    private OspreyServer server;
    private String datasetId;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("osprey-evaluate-cli");
        server = OspreyServer.start(new ServerConfig("127.0.0.1", 0, "sqlite:///" + dir + "/osprey.db",
                Optional.empty(), dir.resolve("artifacts"), true, "", true));
        OspreyClient client = OspreyClient.create(server.baseUrl());
        String exp = client.createExperiment("cli-eval");
        EvaluationClient evaluation = client.evaluation();
        datasetId = evaluation.createDataset("golden", List.of(exp), Map.of()).datasetId();
        List<ObjectNode> records = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ObjectNode r = Json.object();
            r.putObject("inputs").put("q", i);
            r.put("outputs", "{\"ok\": " + i + "}");
            records.add(r);
        }
        records.getLast().put("outputs", "not json");
        evaluation.upsertRecords(datasetId, records);
        evaluation.registerScorer(exp, "valid_json", ScorerSpecs.codeScorer("json_valid", Json.object()));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void evaluate_showsProgressAndASummaryPerScorer() {
        CliRun run = CliRun.of("evaluate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-eval",
                "--dataset", datasetId, "--scorers", "valid_json");
        assertThat(run.code()).as(run.err()).isEqualTo(0);
        assertThat(run.err()).contains("Evaluation job ej-").contains("4/4 rows  COMPLETED");
        assertThat(run.out()).containsPattern("valid_json\\s+3\\s+1\\s+0\\s+0\\.750");
        assertThat(run.out()).contains("(4 rows)");
    }

    @Test
    void badArguments_sayWhatToDo() {
        CliRun missing = CliRun.of("evaluate", "--tracking-uri", server.baseUrl(), "--dataset", datasetId);
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("give --experiment, --dataset and --scorers");
        CliRun unknown = CliRun.of("evaluate", "--tracking-uri", server.baseUrl(), "--experiment", "cli-eval",
                "--dataset", datasetId, "--scorers", "nope");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("Scorer with name 'nope' not found");
    }
}
