package dev.osprey.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.client.ModelsClient.JavaModelSpec;
import dev.osprey.client.OspreyClient;
import dev.osprey.protocol.Json;
import dev.osprey.server.GatewayTestServers;
import dev.osprey.server.OspreyServer;
import dev.osprey.serving.ColumnSpec;
import dev.osprey.serving.DataType;
import dev.osprey.serving.Frame;
import dev.osprey.serving.Schema;
import dev.osprey.serving.Signature;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * {@code osprey models serve | predict} on a Java model compiled into a jar here (so its class is not on the test
 * class path), logged with the SDK to a real server, registered, given an alias, downloaded by
 * {@code models:/name@alias} and scored over HTTP in MLflow's formats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelsCommandTest {
    private static final String SOURCE = """
            package demo;

            import dev.osprey.serving.Frame;
            import dev.osprey.serving.JavaModel;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.Map;

            public class ChurnModel implements JavaModel {
                private double bias;

                @Override
                public void load(java.nio.file.Path dir) throws Exception {
                    try (var in = ChurnModel.class.getResourceAsStream("/demo/bias.txt")) {
                        bias = Double.parseDouble(new String(in.readAllBytes()).trim());
                    }
                }

                @Override
                public Object predict(Frame input, Map<String, Object> params) {
                    List<Object> out = new ArrayList<>();
                    for (int i = 0; i < input.size(); i++) {
                        out.add(input.getDouble(i, "tenure") * 0.5 + (Long) input.get(i, "tickets") + bias);
                    }
                    return out;
                }
            }
            """;
    private OspreyServer server;
    private OspreyClient client;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    void start() throws Exception {
        server = GatewayTestServers.start("models-cli");
        client = OspreyClient.create(server.baseUrl());
        String exp = client.createExperiment("churn");
        String run = client.createRun(exp).info().runId();
        Signature signature = new Signature(Optional.of(Schema.ofColumns(List.of(ColumnSpec.of("tenure",
                DataType.DOUBLE), ColumnSpec.of("tickets", DataType.LONG)))), Optional.empty(), List.of());
        String uri = client.models().logJavaModel(run, "model", new JavaModelSpec("demo.ChurnModel",
                List.of(modelJar()), Optional.of(signature), Optional.of(new Frame(List.of("tenure", "tickets"),
                        List.of(List.of(12.0, 1L))))));
        assertThat(uri).isEqualTo("runs:/" + run + "/model");
        client.registry().createRegisteredModel("churn", List.of(), Optional.empty());
        client.registry().createModelVersion("churn", uri, run, List.of());
        client.registry().setAlias("churn", "champion", "1");
    }

    @AfterAll
    void stop() {
        pool.shutdownNow();
        server.close();
    }

    /** demo.ChurnModel compiled against the serving API, with a resource it reads when loaded. */
    private static Path modelJar() throws Exception {
        Path src = Files.createTempDirectory("model-src");
        Path file = Files.createDirectories(src.resolve("demo")).resolve("ChurnModel.java");
        Files.writeString(file, SOURCE);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int code = javac.run(null, null, null, "-classpath", System.getProperty("java.class.path"), "-d",
                src.toString(), file.toString());
        assertThat(code).as("javac").isZero();
        Path jar = Files.createTempDirectory("model-jar").resolve("churn-model.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("demo/ChurnModel.class"));
            out.write(Files.readAllBytes(src.resolve("demo/ChurnModel.class")));
            out.putNextEntry(new JarEntry("demo/bias.txt"));
            out.write("100\n".getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    private static HttpResponse<String> post(String url, String contentType, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
                contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serve_scoresTheRegisteredModelInMlflowsFormats_andAnswersMlflowsErrors() throws Exception {
        ModelsCommand.Serve serve = new ModelsCommand.Serve();
        Future<Integer> exit = pool.submit(() -> new CommandLine(serve).execute("-m", "models:/churn@champion",
                "--tracking-uri", server.baseUrl(), "-h", "127.0.0.1", "--port", "0", "--max-request-bytes",
                "4096"));
        assertThat(serve.started.await(60, TimeUnit.SECONDS)).as("serving started").isTrue();
        String base = "http://127.0.0.1:" + serve.running.port();
        try {
            assertThat(get(base + "/ping").statusCode()).isEqualTo(200);
            assertThat(get(base + "/health").statusCode()).isEqualTo(200);
            assertThat(get(base + "/version").body()).isNotBlank();
            String json = "application/json";
            for (String body : List.of("{\"dataframe_split\": {\"columns\": [\"tenure\", \"tickets\"], \"data\": "
                    + "[[10, 1], [20.5, 0]]}}", "{\"dataframe_records\": [{\"tenure\": 10, \"tickets\": 1}, "
                    + "{\"tenure\": 20.5, \"tickets\": 0}]}", "{\"inputs\": {\"tenure\": [10, 20.5], \"tickets\": "
                    + "[1, 0]}}")) {
                HttpResponse<String> r = post(base + "/invocations", json, body);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).as(body).isEqualTo("{\"predictions\":[106.0,110.25]}");
            }
            HttpResponse<String> csv = post(base + "/invocations", "text/csv", "tenure,tickets\n4,2\n");
            assertThat(csv.body()).isEqualTo("{\"predictions\":[104.0]}");

            HttpResponse<String> missing = post(base + "/invocations", json, "{\"dataframe_records\": "
                    + "[{\"tenure\": 1}]}");
            assertThat(missing.statusCode()).isEqualTo(400);
            JsonNode error = Json.read(missing.body());
            assertThat(error.path("error_code").asText()).isEqualTo("INVALID_PARAMETER_VALUE");
            assertThat(error.path("message").asText()).contains("Model is missing inputs ['tickets']");
            HttpResponse<String> wrongType = post(base + "/invocations", json, "{\"dataframe_records\": "
                    + "[{\"tenure\": \"long\", \"tickets\": 1}]}");
            assertThat(Json.read(wrongType.body()).path("message").asText()).contains("Incompatible input types "
                    + "for column tenure");
            assertThat(post(base + "/invocations", "application/xml", "<x/>").statusCode()).isEqualTo(415);
            HttpResponse<String> tooBig = post(base + "/invocations", json, "{\"dataframe_records\": ["
                    + "{\"tenure\": 1, \"tickets\": 1},".repeat(200) + "{\"tenure\": 1, \"tickets\": 1}]}");
            assertThat(tooBig.statusCode()).isEqualTo(413);
            assertThat(Json.read(tooBig.body()).path("message").asText()).contains("--max-request-bytes");
            assertThat(get(base + "/metrics").body()).contains("osprey_scoring_requests_total{flavor="
                    + "\"java_function\",status=\"200\"} 4").contains("status=\"400\"} 2");
        } finally {
            serve.stop.countDown();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void predict_scoresALargeCsvInBatches_withProgress() throws Exception {
        Path in = Files.createTempFile("rows", ".csv");
        int rows = 25_000;
        try (OutputStream out = Files.newOutputStream(in)) {
            out.write("tenure,tickets\n".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < rows; i++) {
                out.write((i + "," + (i % 3) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        Path outFile = Files.createTempFile("predictions", ".json");
        CliRun run = CliRun.of("models", "predict", "-m", "models:/churn/1", "--tracking-uri", server.baseUrl(),
                "-i", in.toString(), "-o", outFile.toString(), "-t", "csv", "--batch-size", "1000");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("25000 rows").contains("Scored 25000 rows");
        JsonNode predictions = Json.read(Files.readAllBytes(outFile)).path("predictions");
        assertThat(predictions).hasSize(rows);
        assertThat(predictions.get(7).asDouble()).isEqualTo(7 * 0.5 + 1 + 100);

        Path json = Files.createTempFile("rows", ".json");
        Files.writeString(json, "{\"dataframe_split\": {\"columns\": [\"tenure\", \"tickets\"], \"data\": [[2, 1]]}}");
        CliRun jsonRun = CliRun.of("models", "predict", "-m", "models:/churn/latest", "--tracking-uri",
                server.baseUrl(), "-i", json.toString());
        assertThat(jsonRun.code()).as(jsonRun.err()).isZero();
        assertThat(jsonRun.out()).isEqualTo("{\"predictions\":[102.0]}");
    }

    @Test
    void modelsThatNeedPython_andBadUris_sayWhatToDo() throws Exception {
        Path sklearn = Files.createTempDirectory("sklearn-model");
        Files.writeString(sklearn.resolve("MLmodel"), "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"
                + "  sklearn:\n    pickled_model: model.pkl\n");
        CliRun python = CliRun.of("models", "predict", "-m", sklearn.toString(), "-i", sklearn.resolve("MLmodel")
                .toString());
        assertThat(python.code()).isEqualTo(2);
        assertThat(python.err()).contains("need Python").contains("mlflow models serve -m " + sklearn);
        CliRun badUri = CliRun.of("models", "predict", "-m", "models:/no-version", "--tracking-uri",
                server.baseUrl());
        assertThat(badUri.code()).isEqualTo(2);
        assertThat(badUri.err()).contains("models:/<name>/<version>");
        CliRun badType = CliRun.of("models", "predict", "-m", sklearn.toString(), "-t", "parquet");
        assertThat(badType.code()).isEqualTo(2);
    }
}
