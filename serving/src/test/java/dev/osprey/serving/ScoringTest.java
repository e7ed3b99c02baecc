package dev.osprey.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * MLflow's scoring formats, schema enforcement and error answers, on a model that adds its columns (so a wrong
 * conversion shows in the predictions).
 */
class ScoringTest {
    private static final Signature SIGNATURE = new Signature(Optional.of(Schema.ofColumns(List.of(
            ColumnSpec.of("x", DataType.DOUBLE), ColumnSpec.of("n", DataType.LONG),
            new ColumnSpec(Optional.of("note"), DataType.STRING, false)))), Optional.empty(),
            List.of(new ParamSpec("scale", DataType.DOUBLE, Json.MAPPER.getNodeFactory().numberNode(1.0))));

    /** x * scale + n per row, and what it saw (the types after enforcement). */
    private static final LoadedModel MODEL = new LoadedModel() {
        @Override
        public String flavor() {
            return "test";
        }

        @Override
        public Optional<Signature> signature() {
            return Optional.of(SIGNATURE);
        }

        @Override
        public Object predict(ScoringInput input) {
            Frame f = input.frame().orElseThrow();
            double scale = (Double) input.params().get("scale");
            return f.rows().stream().map(r -> ((Double) r.get(f.indexOf("x"))) * scale + (Long) r.get(f.indexOf("n")))
                    .toList();
        }
    };
    private final Scoring scoring = new Scoring(MODEL);

    /** The answer's predictions exactly as written. */
    private String ok(String body, String contentType) {
        Scoring.Answer a = scoring.invoke(body.getBytes(StandardCharsets.UTF_8), contentType);
        String text = new String(a.body(), StandardCharsets.UTF_8);
        assertThat(a.status()).as(text).isEqualTo(200);
        return text;
    }

    private JsonNode error(String body, String contentType, int status) throws Exception {
        Scoring.Answer a = scoring.invoke(body.getBytes(StandardCharsets.UTF_8), contentType);
        assertThat(a.status()).as(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo(status);
        return Json.read(a.body());
    }

    @Test
    void everyMlflowInputFormat_givesTheSamePredictions() throws Exception {
        String json = "application/json";
        List<String> bodies = List.of(
                "{\"dataframe_split\": {\"columns\": [\"x\", \"n\"], \"data\": [[1.5, 1], [2, 2]]}}",
                "{\"dataframe_split\": {\"index\": [0, 1], \"columns\": [\"n\", \"x\"], \"data\": [[1, 1.5], [2, 2]]}}",
                "{\"dataframe_records\": [{\"x\": 1.5, \"n\": 1}, {\"x\": 2, \"n\": 2, \"extra\": \"dropped\"}]}",
                "{\"instances\": [{\"x\": 1.5, \"n\": 1}, {\"x\": 2, \"n\": 2}]}",
                "{\"inputs\": {\"x\": [1.5, 2], \"n\": [1, 2]}}");
        for (String body : bodies) {
            assertThat(ok(body, json)).as(body).isEqualTo("{\"predictions\":[2.5,4.0]}");
        }
        assertThat(ok("x,n,note\n1.5,1,\"a, quoted \"\"note\"\"\"\n2,2,\n", "text/csv; charset=utf-8"))
                .isEqualTo("{\"predictions\":[2.5,4.0]}");
        assertThat(ok("{\"dataframe_records\": [{\"x\": 1, \"n\": 1}], \"params\": {\"scale\": 10}}", json))
                .as("params typed and used").isEqualTo("{\"predictions\":[11.0]}");
    }

    @Test
    void schemaViolations_areMlflowsInvalidParameterValue() throws Exception {
        String json = "application/json";
        JsonNode missing = error("{\"dataframe_records\": [{\"x\": 1.0, \"z\": 3}]}", json, 400);
        assertThat(missing.path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
        assertThat(missing.path("message").asText()).startsWith("Failed to enforce schema of data '1 row x columns "
                + "[x, z]' with schema '['x': double (required), 'n': long (required), 'note': string (optional)]'.")
                .contains("Model is missing inputs ['n']. Note that there were extra inputs: ['z'].");
        assertThat(error("{\"dataframe_records\": [{\"x\": \"high\", \"n\": 1}]}", json, 400).path("message")
                .asText()).contains("Incompatible input types for column x. Can not safely convert object to float64.");
        assertThat(error("{\"dataframe_records\": [{\"x\": 1, \"n\": 1.5}]}", json, 400).path("message").asText())
                .as("a decimal never becomes an integer").contains("Can not safely convert float64 to int64.");
        assertThat(error("{\"dataframe_records\": [{\"x\": 1, \"n\": null}]}", json, 400).path("message").asText())
                .contains("missing values");
        assertThat(error("{\"dataframe_records\": [{\"x\": 1, \"n\": 1}], \"params\": {\"scale\": \"big\"}}", json,
                400).path("message").asText()).contains("for param `scale`");
    }

    @Test
    void malformedRequests_areBadRequests_andOtherContentTypesA415() throws Exception {
        String json = "application/json";
        for (String body : List.of("{not json", "[1, 2]", "{\"dataframe_split\": {}, \"instances\": []}",
                "{\"data\": [[1, 2]]}", "{\"dataframe_split\": {\"columns\": [\"x\"], \"data\": [[1, 2]]}}")) {
            JsonNode e = error(body, json, 400);
            assertThat(e.path("error_code").asText()).as(body).isEqualTo("BAD_REQUEST");
        }
        assertThat(error("{\"data\": 1}", json, 400).path("message").asText())
                .contains("exactly one of the input fields");
        Scoring.Answer xml = scoring.invoke("<x/>".getBytes(StandardCharsets.UTF_8), "application/xml");
        assertThat(xml.status()).isEqualTo(415);
        assertThat(xml.contentType()).isEqualTo("text/plain");
        assertThat(scoring.invoke("{}".getBytes(StandardCharsets.UTF_8), "application/json; charset=latin-1")
                .status()).isEqualTo(415);
        assertThat(error("x,n\n1,2,3\n", "text/csv", 400).path("message").asText()).contains("CSV line");
    }

    @Test
    void aModelsOwnFailure_isABadRequestNamingIt() throws Exception {
        Scoring failing = new Scoring(new LoadedModel() {
            @Override
            public String flavor() {
                return "test";
            }

            @Override
            public Optional<Signature> signature() {
                return Optional.empty();
            }

            @Override
            public Object predict(ScoringInput input) {
                throw new IllegalStateException("weights not loaded");
            }
        });
        Scoring.Answer a = failing.invoke("{\"instances\": [[1, 2]]}".getBytes(StandardCharsets.UTF_8),
                "application/json");
        assertThat(a.status()).isEqualTo(400);
        assertThat(new String(a.body(), StandardCharsets.UTF_8)).contains("BAD_REQUEST")
                .contains("IllegalStateException: weights not loaded");
    }

    @Test
    void mlmodelFiles_asMlflowWritesThem_areReadAndWritten() throws Exception {
        Path dir = Files.createTempDirectory("mlmodel");
        Files.writeString(dir.resolve("MLmodel"), """
                artifact_path: model
                flavors:
                  python_function:
                    loader_module: mlflow.sklearn
                    model_path: model.pkl
                    python_version: 3.11.7
                  sklearn:
                    pickled_model: model.pkl
                    serialization_format: cloudpickle
                    sklearn_version: 1.5.0
                mlflow_version: 3.11.0
                model_uuid: 6e2f0c
                run_id: 4b1f
                saved_input_example_info:
                  artifact_path: input_example.json
                  pandas_orient: split
                  type: dataframe
                signature:
                  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "long",
                    "name": "n", "required": false}]'
                  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
                  params: null
                utc_time_created: '2026-12-01 10:00:00.000000'
                """);
        MlModel m = MlModel.read(dir);
        assertThat(m.flavors()).containsOnlyKeys("python_function", "sklearn");
        assertThat(m.runId()).hasValue("4b1f");
        assertThat(m.inputExample()).hasValue("input_example.json");
        Schema in = m.signature().orElseThrow().inputs().orElseThrow();
        assertThat(in.columns()).containsExactly(ColumnSpec.of("sepal length (cm)", DataType.DOUBLE),
                new ColumnSpec(Optional.of("n"), DataType.LONG, false));
        TensorSpec out = m.signature().orElseThrow().outputs().orElseThrow().tensors().getFirst();
        assertThat(out.dtype()).isEqualTo("int64");
        assertThat(out.shape()).containsExactly(-1L);
        assertThatThrownBy(() -> Flavors.load(dir, "models:/iris/1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[python_function, sklearn] need Python")
                .hasMessageContaining("mlflow models serve -m models:/iris/1");

        Path written = Files.createTempDirectory("mlmodel-written");
        new MlModel(Map.of(JavaFlavor.NAME, JavaFlavor.entry("com.example.M", List.of("jars/m.jar"), "0.1")),
                Optional.of(SIGNATURE), Optional.of("run"), Optional.of("uuid"), Optional.empty(),
                Optional.of("input_example.json")).write(written, "2026-12-08 00:00:00.000000");
        MlModel back = MlModel.read(written);
        assertThat(back.signature().orElseThrow().inputs()).isEqualTo(SIGNATURE.inputs());
        ParamSpec scale = back.signature().orElseThrow().params().getFirst();
        assertThat(scale.name()).isEqualTo("scale");
        assertThat(scale.type()).isEqualTo(DataType.DOUBLE);
        assertThat(scale.defaultValue().asDouble()).isEqualTo(1.0);
        assertThat(back.flavors().get(JavaFlavor.NAME).path("loader_class").asText()).isEqualTo("com.example.M");
        assertThat(Files.readString(written.resolve("MLmodel"))).contains("utc_time_created: \"2026-12-08 00:00:00");
        assertThatThrownBy(() -> MlModel.read(Files.createTempDirectory("empty")))
                .hasMessageContaining("not an MLflow model directory");
    }

    @Test
    void csvFields_areTypedAsPandasReadsThem() {
        Frame f = Csv.parse("a,b,c,d,e\n1,2.5,True,text,\n-3,1e3,false,\"x\ny\",nan\n");
        assertThat(f.columns()).containsExactly("a", "b", "c", "d", "e");
        assertThat(f.rows().get(0)).containsExactly(1L, 2.5, true, "text", null);
        assertThat(f.rows().get(1).subList(0, 4)).containsExactly(-3L, 1000.0, false, "x\ny");
        assertThat((Double) f.rows().get(1).get(4)).isNaN();
    }
}
