package dev.osprey.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** An ONNX model in MLflow's layout, run by ONNX Runtime and fed as MLflow's pyfunc wrapper feeds it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxFlavorTest {
    private LoadedModel model;
    private Scoring scoring;

    @BeforeAll
    void load() throws Exception {
        byte[] onnx = OnnxModels.linear(new float[][] {{1, 0}, {0, 1}, {1, 1}}, new float[] {0.5f, -1});
        Path dir = OnnxModels.save(Files.createTempDirectory("onnx-model"), onnx, 3, 2);
        model = Flavors.load(dir, "models:/linear/1");
        scoring = new Scoring(model);
    }

    @AfterAll
    void close() {
        model.close();
    }

    private Scoring.Answer call(String body) {
        return scoring.invoke(body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /** The answer exactly as written. */
    private String ok(String body) {
        Scoring.Answer a = call(body);
        String text = new String(a.body(), StandardCharsets.UTF_8);
        assertThat(a.status()).as(text).isEqualTo(200);
        return text;
    }

    @Test
    void aTensorGivesEachOutputWhole_andATableGivesRecords() throws Exception {
        assertThat(model.flavor()).isEqualTo("onnx");
        assertThat(ok("{\"inputs\": [[1, 2, 3], [0, 0, 0]]}"))
                .isEqualTo("{\"predictions\":{\"output\":[[4.5,4.0],[0.5,-1.0]]}}");
        assertThat(ok("{\"instances\": [[1, 2, 3]]}")).isEqualTo("{\"predictions\":{\"output\":[[4.5,4.0]]}}");
        assertThat(ok("{\"inputs\": {\"input\": [[1, 1, 1]]}}"))
                .isEqualTo("{\"predictions\":{\"output\":[[2.5,1.0]]}}");
        assertThat(ok("{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [[1, 2, 3]]}}"))
                .as("each output flattened into a column, as MLflow's wrapper does")
                .isEqualTo("{\"predictions\":[{\"output\":4.5},{\"output\":4.0}]}");
        Scoring.Answer csv = scoring.invoke("a,b,c\n1,2,3\n".getBytes(StandardCharsets.UTF_8), "text/csv");
        assertThat(new String(csv.body(), StandardCharsets.UTF_8)).contains("4.5");
    }

    @Test
    void shapesAndTypesTheModelCannotTake_areClearErrors() throws Exception {
        Scoring.Answer wrongWidth = call("{\"inputs\": [[1, 2]]}");
        assertThat(wrongWidth.status()).isEqualTo(400);
        assertThat(Json.read(wrongWidth.body()).path("message").asText()).contains("has shape [-1, 3]")
                .contains("[1, 2]");
        Scoring.Answer ragged = call("{\"inputs\": [[1, 2, 3], [1, 2]]}");
        assertThat(Json.read(ragged.body()).path("message").asText()).contains("not rectangular");
        Scoring.Answer text = call("{\"inputs\": [[1, \"two\", 3]]}");
        assertThat(Json.read(text.body()).path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(Json.read(text.body()).path("message").asText()).contains("takes numbers");
        Scoring.Answer rank = call("{\"inputs\": [1, 2, 3]}");
        assertThat(Json.read(rank.body()).path("message").asText()).contains("has 2 dimensions");
    }
}
