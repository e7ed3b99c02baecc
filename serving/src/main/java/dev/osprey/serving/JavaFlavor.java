package dev.osprey.serving;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Osprey's {@code java_function} flavor: {@code loader_class} (a {@link JavaModel}) and {@code jars} (paths relative
 * to the model directory) in MLmodel. The jars get a class loader of their own whose parent knows this module, so the
 * model and the server share {@link JavaModel} and {@link Frame} and nothing else.
 */
public final class JavaFlavor {
    public static final String NAME = "java_function";

    private JavaFlavor() {}

    /** MLmodel's entry for a Java model. */
    public static JsonNode entry(String loaderClass, List<String> jars, String ospreyVersion) {
        var node = MlModel.YAML.createObjectNode().put("loader_class", loaderClass);
        jars.forEach(node.putArray("jars")::add);
        node.put("java_version", Runtime.version().feature()).put("osprey_version", ospreyVersion);
        return node;
    }

    static LoadedModel load(Path dir, MlModel mlmodel) {
        JsonNode flavor = mlmodel.flavors().get(NAME);
        String className = flavor.path("loader_class").asText("");
        if (className.isBlank()) {
            throw new IllegalArgumentException("The java_function flavor in " + dir.resolve(MlModel.FILE)
                    + " names no loader_class.");
        }
        List<URL> urls = new ArrayList<>();
        Path root = dir.toAbsolutePath().normalize();
        for (JsonNode jar : flavor.path("jars")) {
            Path path = root.resolve(jar.asText()).normalize();
            if (!path.startsWith(root) || !Files.isRegularFile(path)) {
                throw new IllegalArgumentException("The java_function flavor lists jar '" + jar.asText()
                        + "', which is not a file inside the model directory.");
            }
            try {
                urls.add(path.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(e);
            }
        }
        URLClassLoader loader = new URLClassLoader("osprey-model", urls.toArray(URL[]::new),
                JavaModel.class.getClassLoader());
        JavaModel model;
        try {
            Class<?> type = Class.forName(className, true, loader);
            if (!JavaModel.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException("Class " + className + " does not implement "
                        + JavaModel.class.getName() + ".");
            }
            model = (JavaModel) type.getDeclaredConstructor().newInstance();
            model.load(dir);
        } catch (ReflectiveOperationException e) {
            close(loader);
            throw new IllegalArgumentException("Cannot create " + className + " from the model's jars: "
                    + e.getClass().getSimpleName() + " " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            close(loader);
            throw e;
        } catch (Exception e) {
            close(loader);
            throw new IllegalArgumentException("The model " + className + " failed to load: " + e.getMessage(), e);
        }
        return new LoadedModel() {
            @Override
            public String flavor() {
                return NAME;
            }

            @Override
            public Optional<Signature> signature() {
                return mlmodel.signature();
            }

            @Override
            public Object predict(ScoringInput input) throws Exception {
                if (input.frame().isEmpty()) {
                    throw ScoringException.badRequest("This Java model takes a table: send 'dataframe_split', "
                            + "'dataframe_records', records under 'instances'/'inputs', or CSV.");
                }
                return model.predict(input.frame().get(), input.params());
            }

            @Override
            public void close() {
                JavaFlavor.close(loader);
            }
        };
    }

    private static void close(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            // nothing held that matters: the jars are read-only
        }
    }
}
