package dev.osprey.serving;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Picks the flavor that serves a model directory on the JVM. A model only Python can run gets an error that names its
 * flavors and the MLflow command that serves it.
 */
public final class Flavors {
    /** Flavors that are Python by nature, named in the error for a model that has nothing else. */
    private static final Set<String> PYTHON_ONLY = Set.of("python_function", "sklearn", "xgboost", "lightgbm",
            "pytorch", "tensorflow", "keras", "transformers", "langchain", "openai", "statsmodels", "prophet",
            "catboost", "spacy", "h2o", "pmdarima", "diviner", "sentence_transformers", "llama_index", "dspy");

    private Flavors() {}

    /**
     * Loads the model in {@code dir}.
     *
     * @param modelUri how the user named it, for the error that points at {@code mlflow models serve}
     * @throws IllegalArgumentException when no flavor here can run it, saying which flavors it has and what to do
     */
    public static LoadedModel load(Path dir, String modelUri) {
        MlModel mlmodel = MlModel.read(dir);
        if (mlmodel.flavors().containsKey(JavaFlavor.NAME)) {
            return JavaFlavor.load(dir, mlmodel);
        }
        if (mlmodel.flavors().containsKey(OnnxFlavor.NAME)) {
            return OnnxFlavor.load(dir, mlmodel);
        }
        List<String> flavors = List.copyOf(mlmodel.flavors().keySet());
        boolean one = flavors.size() == 1;
        String why = flavors.stream().allMatch(PYTHON_ONLY::contains) ? (one ? " needs" : " need") + " Python"
                : one ? " is not one Osprey serves" : " are not ones Osprey serves";
        throw new IllegalArgumentException("The model's flavor" + (flavors.size() == 1 ? " " : "s ") + flavors + why
                + " (Osprey serves java_function and onnx models on the JVM). Serve it with MLflow instead: mlflow models "
                + "serve -m " + modelUri);
    }
}
