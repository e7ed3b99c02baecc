package dev.osprey.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.osprey.client.OspreyClient;
import dev.osprey.protocol.Json;
import dev.osprey.server.serving.ScoringServer;
import dev.osprey.serving.Csv;
import dev.osprey.serving.Enforcement;
import dev.osprey.serving.Flavors;
import dev.osprey.serving.Frame;
import dev.osprey.serving.Inputs;
import dev.osprey.serving.LoadedModel;
import dev.osprey.serving.Scoring;
import dev.osprey.serving.ScoringException;
import dev.osprey.serving.ScoringInput;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code osprey models serve | predict}: MLflow's {@code mlflow models} commands for models that run on the JVM. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Serve or batch-score MLflow models that "
        + "run on the JVM (the java_function flavor).", subcommands = {ModelsCommand.Serve.class,
        ModelsCommand.Predict.class})
public final class ModelsCommand {
    private ModelsCommand() {}

    /** Where the model comes from, as {@code mlflow models} names it. */
    static final class ModelSource {
        @Option(names = {"-m", "--model-uri"}, required = true, paramLabel = "URI", description = "runs:/<run_id>/"
                + "<path>, models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest, or a local "
                + "model directory.")
        String modelUri;

        @Option(names = "--tracking-uri", defaultValue = "${env:MLFLOW_TRACKING_URI:-http://127.0.0.1:5000}",
                description = "The Osprey (or MLflow) server the model is downloaded from (default: "
                        + "MLFLOW_TRACKING_URI or ${DEFAULT-VALUE}).")
        String trackingUri;

        /** Downloads (unless local) and loads the model; errors say what to do and exit 2. */
        LoadedModel load(PrintStream err) throws IOException {
            Path local = Path.of(modelUri);
            Path dir;
            if (!modelUri.contains(":/") && Files.isDirectory(local)) {
                dir = local;
            } else {
                Path target = Files.createTempDirectory("osprey-model-download");
                err.println("Downloading " + modelUri + " from " + trackingUri + " ...");
                dir = OspreyClient.builder(trackingUri).maxAttempts(3).build().models().download(modelUri, target);
            }
            return Flavors.load(dir, modelUri);
        }
    }

    // -h is the host, as in mlflow models serve; help is --help only.
    @Command(name = "serve", description = "Serve a model over MLflow's scoring protocol: POST /invocations, GET "
            + "/ping, /health, /version, /metrics.")
    static final class Serve implements Callable<Integer> {
        @Mixin
        ModelSource source;

        @Option(names = "--help", usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Option(names = {"-h", "--host"}, defaultValue = "127.0.0.1", description = "Address to listen on "
                + "(default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
        String host;

        @Option(names = {"-p", "--port"}, defaultValue = "5000", description = "Port (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--max-request-bytes", defaultValue = "104857600", description = "Largest request body "
                + "taken, in bytes (default: ${DEFAULT-VALUE}).")
        long maxRequestBytes;

        @Option(names = {"-w", "--workers"}, description = "Accepted for mlflow models serve's sake; requests run "
                + "on virtual threads.")
        Integer workers;

        @Option(names = "--env-manager", description = "Accepted for mlflow models serve's sake; a Java model "
                + "brings its jars.")
        String envManager;

        PrintStream err = System.err;
        /** Counted down once listening (tests); the command then runs until the process ends. */
        CountDownLatch started = new CountDownLatch(1);
        volatile ScoringServer running;
        CountDownLatch stop = new CountDownLatch(1);

        @Override
        public Integer call() throws Exception {
            LoadedModel model;
            try {
                model = source.load(err);
            } catch (IllegalArgumentException e) {
                err.println("osprey models serve: " + e.getMessage());
                return 2;
            }
            if (workers != null || envManager != null) {
                err.println("Note: --workers and --env-manager are accepted for compatibility and have no effect.");
            }
            running = ScoringServer.start(new Scoring(model), new ScoringServer.Options(host, port, maxRequestBytes));
            err.println("Serving " + source.modelUri + " (" + model.flavor() + ") on http://" + host + ":"
                    + running.port() + "/invocations");
            Runtime.getRuntime().addShutdownHook(new Thread(running::close));
            started.countDown();
            stop.await();
            running.close();
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true, description = "Score a file with a model: JSON in "
            + "MLflow's scoring formats, or CSV read in batches so memory stays flat; writes {\"predictions\": "
            + "[...]}.")
    static final class Predict implements Callable<Integer> {
        @Mixin
        ModelSource source;

        @Option(names = {"-i", "--input-path"}, paramLabel = "FILE", description = "The input (default: stdin).")
        Path input;

        @Option(names = {"-o", "--output-path"}, paramLabel = "FILE", description = "Where predictions go "
                + "(default: stdout).")
        Path output;

        @Option(names = {"-t", "--content-type"}, defaultValue = "json", description = "json or csv (default: "
                + "${DEFAULT-VALUE}).")
        String contentType;

        @Option(names = "--batch-size", defaultValue = "1000", description = "CSV rows scored per call (default: "
                + "${DEFAULT-VALUE}).")
        int batchSize;

        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream stdin = System.in;

        @Override
        public Integer call() throws Exception {
            if (!contentType.equals("json") && !contentType.equals("csv")) {
                err.println("osprey models predict: --content-type is json or csv, not '" + contentType + "'.");
                return 2;
            }
            if (batchSize < 1) {
                err.println("osprey models predict: --batch-size must be at least 1.");
                return 2;
            }
            LoadedModel model;
            try {
                model = source.load(err);
            } catch (IllegalArgumentException e) {
                err.println("osprey models predict: " + e.getMessage());
                return 2;
            }
            long size = input == null ? -1 : Files.size(input);
            try (model; InputStream raw = input == null ? stdin : Files.newInputStream(input);
                    Counting in = new Counting(raw);
                    OutputStream sink = output == null ? new NonClosing(out) : Files.newOutputStream(output)) {
                Scoring scoring = new Scoring(model);
                long rows = contentType.equals("csv") ? csv(scoring, in, sink, size) : json(scoring, in, sink);
                err.println();
                err.println("Scored " + rows + " rows" + (output == null ? "" : " into " + output) + ".");
                return 0;
            } catch (ScoringException e) {
                err.println();
                err.println("osprey models predict: " + e.getMessage());
                return 1;
            }
        }

        private long json(Scoring scoring, InputStream in, OutputStream sink) throws IOException {
            ScoringInput parsed = Enforcement.apply(Inputs.json(in.readAllBytes()), scoring.model().signature());
            Scoring.writePredictions(scoring.predict(parsed), sink);
            return parsed.rows();
        }

        /** Batches of CSV rows, each scored and its predictions appended to one JSON answer as they come. */
        private long csv(Scoring scoring, Counting in, OutputStream sink, long size) throws IOException {
            long rows = 0;
            try (Csv.RowReader reader = new Csv.RowReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    JsonGenerator g = Json.MAPPER.createGenerator(sink)) {
                g.writeStartObject();
                g.writeArrayFieldStart("predictions");
                List<List<Object>> batch = new ArrayList<>(batchSize);
                while (true) {
                    var row = reader.next();
                    if (row.isPresent()) {
                        batch.add(row.get());
                    }
                    if (batch.size() == batchSize || (row.isEmpty() && !batch.isEmpty())) {
                        ScoringInput parsed = Enforcement.apply(ScoringInput.of(new Frame(reader.columns(), batch),
                                Map.of()), scoring.model().signature());
                        Object predictions = scoring.predict(parsed);
                        if (predictions instanceof Collection<?> c) {
                            for (Object p : c) {
                                Scoring.writeValue(g, p);
                            }
                        } else if (predictions instanceof Frame f) {
                            for (int i = 0; i < f.size(); i++) {
                                Scoring.writeValue(g, record(f, i));
                            }
                        } else {
                            Scoring.writeValue(g, predictions);
                        }
                        rows += batch.size();
                        batch = new ArrayList<>(batchSize);
                        CliJobs.progressBar(err, size > 0 ? (double) in.count / size : 0, rows + " rows");
                    }
                    if (row.isEmpty()) {
                        break;
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return rows;
        }

        private static Map<String, Object> record(Frame f, int row) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            for (int c = 0; c < f.columns().size(); c++) {
                out.put(f.columns().get(c), f.rows().get(row).get(c));
            }
            return out;
        }
    }

    /** Counts bytes read, for the progress bar. */
    private static final class Counting extends FilterInputStream {
        volatile long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Standard output stays open after the command. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
