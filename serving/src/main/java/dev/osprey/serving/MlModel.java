package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model directory's {@code MLmodel} file as MLflow writes it: the flavors (each a mapping of its own settings), the
 * signature (schemas as JSON strings), the run and model ids, and the saved input example.
 *
 * @param inputExample the example's file, relative to the model directory ({@code saved_input_example_info})
 */
public record MlModel(Map<String, JsonNode> flavors, Optional<Signature> signature, Optional<String> runId,
        Optional<String> modelUuid, Optional<String> mlflowVersion, Optional<String> inputExample) {
    public static final String FILE = "MLmodel";
    // Strings stay quoted: unquoted, utc_time_created would read back as a YAML timestamp in Python.
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    public MlModel {
        flavors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(flavors));
    }

    /**
     * Reads {@code dir/MLmodel}.
     *
     * @throws IllegalArgumentException when there is no MLmodel file or it is not one
     */
    public static MlModel read(Path dir) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(dir.resolve(FILE)));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("No MLmodel file in " + dir + ": this is not an MLflow model "
                    + "directory.", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
        if (root == null || !root.path("flavors").isObject()) {
            throw new IllegalArgumentException(dir.resolve(FILE) + " names no flavors.");
        }
        Map<String, JsonNode> flavors = new LinkedHashMap<>();
        root.path("flavors").properties().forEach(e -> flavors.put(e.getKey(), e.getValue()));
        Optional<Signature> signature = root.path("signature").isObject()
                ? Optional.of(Signature.fromMlmodel(root.path("signature"))) : Optional.empty();
        return new MlModel(flavors, signature, text(root, "run_id"), text(root, "model_uuid"),
                text(root, "mlflow_version"), Optional.ofNullable(root.path("saved_input_example_info")
                        .path("artifact_path").textValue()));
    }

    private static Optional<String> text(JsonNode root, String field) {
        return Optional.ofNullable(root.path(field).textValue()).filter(s -> !s.isBlank());
    }

    /** Writes {@code dir/MLmodel} in MLflow's layout. */
    public void write(Path dir, String utcTimeCreated) throws IOException {
        ObjectNode root = YAML.createObjectNode();
        ObjectNode f = root.putObject("flavors");
        flavors.forEach(f::set);
        runId.ifPresent(id -> root.put("run_id", id));
        modelUuid.ifPresent(id -> root.put("model_uuid", id));
        mlflowVersion.ifPresent(v -> root.put("mlflow_version", v));
        inputExample.ifPresent(path -> root.putObject("saved_input_example_info").put("artifact_path", path)
                .put("type", "dataframe").put("pandas_orient", "split"));
        signature.ifPresent(s -> {
            ObjectNode sig = root.putObject("signature");
            s.inputs().ifPresentOrElse(i -> sig.put("inputs", i.toJson()), () -> sig.putNull("inputs"));
            s.outputs().ifPresentOrElse(o -> sig.put("outputs", o.toJson()), () -> sig.putNull("outputs"));
            s.paramsJson().ifPresentOrElse(p -> sig.put("params", p), () -> sig.putNull("params"));
        });
        root.put("utc_time_created", utcTimeCreated);
        Files.writeString(dir.resolve(FILE), YAML.writeValueAsString(root));
    }
}
