package dev.osprey.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.osprey.server.serving.ScoringServer;
import dev.osprey.serving.Flavors;
import dev.osprey.serving.OnnxModels;
import dev.osprey.serving.Scoring;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * SRV-1: an ONNX model (a two-layer perceptron, 16 features, 64 hidden units, 1 output, written by
 * {@link OnnxModels}) served by Osprey's scoring server over HTTP ({@code POST /invocations} with MLflow's
 * {@code {"inputs": [[...]]}}), against the floor: ONNX Runtime called in process on a ready tensor, with as many
 * threads as connections. 1-row and 100-row requests at 1, 8 and 64 connections; each level warms up first.
 * Arguments: seconds per measurement (10), connection counts (1,8,64).
 */
public final class ServingLoad {
    private static final int FEATURES = 16;

    private ServingLoad() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Integer> levels = new ArrayList<>();
        for (String c : (args.length > 1 ? args[1] : "1,8,64").split(",")) {
            levels.add(Integer.parseInt(c.trim()));
        }
        byte[] onnx = OnnxModels.mlp(FEATURES, 64, 1, 7);
        Path dir = OnnxModels.save(Files.createTempDirectory("srv1"), onnx, FEATURES, 1);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<String> table = new ArrayList<>();
        try (ScoringServer server = ScoringServer.start(new Scoring(Flavors.load(dir, dir.toString())),
                new ScoringServer.Options("127.0.0.1", 0, 64L << 20));
                OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
            for (int rows : List.of(1, 100)) {
                float[] values = new float[rows * FEATURES];
                Random random = new Random(rows);
                StringBuilder json = new StringBuilder("{\"inputs\": [");
                for (int r = 0; r < rows; r++) {
                    json.append(r == 0 ? "[" : ", [");
                    for (int f = 0; f < FEATURES; f++) {
                        values[r * FEATURES + f] = random.nextFloat();
                        json.append(f == 0 ? "" : ", ").append(values[r * FEATURES + f]);
                    }
                    json.append(']');
                }
                byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                for (int connections : levels) {
                    ClosedLoop.CallerFactory inProcess = () -> () -> {
                        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(values),
                                new long[] {rows, FEATURES}); OrtSession.Result r = session.run(
                                java.util.Map.of("input", t))) {
                            return r.get(0) != null;
                        }
                    };
                    ClosedLoop.CallerFactory http = () -> {
                        KeepAliveClient client = new KeepAliveClient("127.0.0.1", server.port());
                        return new ClosedLoop.Caller() {
                            @Override
                            public boolean call() throws Exception {
                                return client.post("/invocations", body) == 200;
                            }

                            @Override
                            public void close() throws Exception {
                                client.close();
                            }
                        };
                    };
                    ClosedLoop.run(connections, Math.max(2, seconds / 3), inProcess);
                    ClosedLoop.run(connections, Math.max(2, seconds / 3), http);
                    ClosedLoop.Result floor = ClosedLoop.run(connections, seconds, inProcess);
                    ClosedLoop.Result served = ClosedLoop.run(connections, seconds, http);
                    if (served.errors() > 0 || floor.errors() > 0) {
                        throw new IllegalStateException("errors: served " + served.errors() + ", in process "
                                + floor.errors());
                    }
                    table.add(String.format(Locale.ROOT, "| %d | %d | %.0f | %.3f | %.0f | %.3f / %.3f | **%.0f %%** | "
                            + "%.3f |", rows, connections, floor.perSecond(), floor.p50Ms(), served.perSecond(),
                            served.p50Ms(), served.p99Ms(), 100 * served.perSecond() / floor.perSecond(),
                            served.p50Ms() - floor.p50Ms()));
                }
            }
        }
        Bench.printTable(table, "rows / request", "connections", "in-process calls/s", "in-process p50 ms",
                "HTTP requests/s", "HTTP p50 / p99 ms", "HTTP / in-process", "p50 overhead ms");
    }
}
