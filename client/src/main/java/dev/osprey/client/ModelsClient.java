package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ModelVersion;
import dev.osprey.protocol.Json;
import dev.osprey.serving.Frame;
import dev.osprey.serving.JavaFlavor;
import dev.osprey.serving.JavaModel;
import dev.osprey.serving.MlModel;
import dev.osprey.serving.Signature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * MLflow models from Java: log a {@link JavaModel} (Osprey's {@code java_function} flavor: an {@code MLmodel} file,
 * the model's jars, its signature and an input example, under the run's artifacts as MLflow lays a model out), and
 * download any model by MLflow's URIs ({@code runs:/<run>/<path>}, {@code models:/<name>/<version>},
 * {@code models:/<name>@<alias>}, {@code models:/<name>/latest}, a logged model's {@code models:/m-<id>}) for
 * serving. Obtained from
 * {@link OspreyClient#models()}.
 */
public final class ModelsClient {
    private static final DateTimeFormatter MLFLOW_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
            .withZone(ZoneOffset.UTC);
    private final OspreyClient client;

    ModelsClient(OspreyClient client) {
        this.client = client;
    }

    /**
     * A Java model to log.
     *
     * @param loaderClass the {@link JavaModel} implementation's class name
     * @param jars the jars holding it and what it needs beyond Osprey's serving API
     * @param inputExample a few rows, saved as MLflow's split-orient {@code input_example.json}
     */
    public record JavaModelSpec(String loaderClass, List<Path> jars, Optional<Signature> signature,
            Optional<Frame> inputExample) {
        public JavaModelSpec {
            jars = List.copyOf(jars);
        }

        public static JavaModelSpec of(Class<? extends JavaModel> type, List<Path> jars, Signature signature) {
            return new JavaModelSpec(type.getName(), jars, Optional.of(signature), Optional.empty());
        }

        public JavaModelSpec withInputExample(Frame example) {
            return new JavaModelSpec(loaderClass, jars, signature, Optional.of(example));
        }
    }

    /**
     * Logs the model under {@code artifactPath} of the run; returns its URI ({@code runs:/<run>/<artifactPath>}),
     * which {@link ModelRegistry#createModelVersion} takes as the version's source.
     */
    public String logJavaModel(String runId, String artifactPath, JavaModelSpec spec) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("osprey-model");
            List<String> jarPaths = new ArrayList<>();
            Path jars = Files.createDirectories(dir.resolve("jars"));
            for (Path jar : spec.jars()) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalArgumentException("No jar at " + jar + ".");
                }
                Files.copy(jar, jars.resolve(jar.getFileName()));
                jarPaths.add("jars/" + jar.getFileName());
            }
            Optional<String> example = Optional.empty();
            if (spec.inputExample().isPresent()) {
                Files.write(dir.resolve("input_example.json"), Json.write(split(spec.inputExample().get())));
                example = Optional.of("input_example.json");
            }
            String version = Optional.ofNullable(ModelsClient.class.getPackage().getImplementationVersion())
                    .orElse("dev");
            new MlModel(Map.of(JavaFlavor.NAME, JavaFlavor.entry(spec.loaderClass(), jarPaths, version)),
                    spec.signature(), Optional.of(runId), Optional.of(UUID.randomUUID().toString().replace("-", "")),
                    Optional.empty(), example).write(dir, MLFLOW_TIME.format(Instant.now()));
            client.logArtifact(runId, dir, artifactPath);
            return "runs:/" + runId + "/" + artifactPath;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stage the model for upload", e);
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    private static ObjectNode split(Frame frame) {
        ObjectNode out = Json.object();
        frame.columns().forEach(out.putArray("columns")::add);
        ArrayNode data = out.putArray("data");
        for (List<Object> row : frame.rows()) {
            data.add(Json.MAPPER.valueToTree(row));
        }
        return out;
    }

    /**
     * Downloads the model a URI names into {@code destination} and returns the model's directory there.
     *
     * @throws IllegalArgumentException for a URI this client cannot resolve, saying which forms it takes
     */
    public Path download(String modelUri, Path destination) {
        if (modelUri.startsWith("runs:/")) {
            String rest = modelUri.substring("runs:/".length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                throw new IllegalArgumentException("A runs:/ model URI is runs:/<run_id>/<path>, got " + modelUri);
            }
            return client.downloadArtifacts(rest.substring(0, slash), rest.substring(slash + 1), destination);
        }
        if (modelUri.startsWith("models:/m-")) {
            // An MLflow 3 logged model: its own artifact location.
            String modelId = modelUri.substring("models:/".length());
            String location = client.transport().get("/api/2.0/mlflow/logged-models/" + modelId, Map.of()).json()
                    .at("/model/info/artifact_uri").asText("");
            if (location.isEmpty()) {
                throw new IllegalArgumentException("Logged model " + modelId + " has no artifact location.");
            }
            return client.downloadArtifactRoot(location, destination);
        }
        if (modelUri.startsWith("models:/")) {
            ModelVersion version = version(modelUri.substring("models:/".length()), modelUri);
            String source = version.source();
            if (source.startsWith("runs:/") || source.startsWith("models:/m-")) {
                return download(source, destination);
            }
            if (!version.runId().isEmpty()) {
                String root = client.getRun(version.runId()).info().artifactUri();
                if (source.startsWith(root + "/")) {
                    return client.downloadArtifacts(version.runId(), source.substring(root.length() + 1),
                            destination);
                }
            }
            throw new IllegalArgumentException("Model version " + version.name() + "/" + version.version()
                    + " comes from " + source + ", which this client cannot download yet (it takes versions whose "
                    + "source is a run's artifacts).");
        }
        Path local = Path.of(modelUri.startsWith("file:") ? java.net.URI.create(modelUri).getPath() : modelUri);
        if (Files.isDirectory(local)) {
            return local;
        }
        throw new IllegalArgumentException("Cannot resolve model URI '" + modelUri + "': use runs:/<run_id>/<path>, "
                + "models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest, models:/m-<id> or a local "
                + "directory.");
    }

    private ModelVersion version(String rest, String uri) {
        int at = rest.indexOf('@');
        if (at > 0) {
            return client.registry().getModelVersionByAlias(rest.substring(0, at), rest.substring(at + 1));
        }
        int slash = rest.lastIndexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("A models:/ URI is models:/<name>/<version>, models:/<name>@<alias> "
                    + "or models:/<name>/latest, got " + uri);
        }
        String name = rest.substring(0, slash);
        String v = rest.substring(slash + 1);
        if (v.equals("latest")) {
            return client.registry().getLatestVersions(name, List.of()).stream()
                    .max(Comparator.comparingLong(x -> Long.parseLong(x.version())))
                    .orElseThrow(() -> new IllegalArgumentException("Registered model " + name + " has no versions."));
        }
        return client.registry().getModelVersion(name, v);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
