package dev.osprey.serving;

import java.nio.file.Path;
import java.util.Map;

/**
 * A model written in Java: Osprey's {@code java_function} flavor. The class (with a public no-argument constructor)
 * and its dependencies are packaged as jars in the model's artifacts; serving loads them in a class loader of their
 * own, calls {@link #load} once with the model directory, then {@link #predict} per request.
 *
 * <p>What {@code predict} returns becomes MLflow's {@code {"predictions": ...}}: a list (one value per row), a
 * {@link Frame} (a list of records), a map, or a single value.
 */
public interface JavaModel {

    /** Reads what the model needs from its directory (weights, vocabularies) before the first request. */
    default void load(Path modelDirectory) throws Exception {}

    /**
     * Predicts for every row of {@code input}, conformed to the signature (columns converted to their declared
     * types).
     *
     * @param params the inference params: the signature's, typed and defaulted
     * @throws Exception a failure that is the model's; the caller gets a 400 naming it
     */
    Object predict(Frame input, Map<String, Object> params) throws Exception;
}
