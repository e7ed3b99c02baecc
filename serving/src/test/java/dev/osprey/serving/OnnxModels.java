package dev.osprey.serving;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * ONNX models written byte by byte (ONNX's protobuf messages, field numbers from onnx.proto), so tests need neither
 * Python nor a converter: a linear model {@code output = input x W + B} in MLflow's {@code mlflow.onnx} layout.
 */
public final class OnnxModels {
    private static final int FLOAT = 1;

    private OnnxModels() {}

    /** A protobuf message under construction. */
    private static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        Message integer(int field, long v) {
            varint((long) field << 3);
            varint(v);
            return this;
        }

        Message bytes(int field, byte[] b) {
            varint(((long) field << 3) | 2);
            varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Message text(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Message message(int field, Message m) {
            return bytes(field, m.out.toByteArray());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** A float tensor's type with a free first dimension (the batch) and fixed others. */
    private static Message valueInfo(String name, long... dims) {
        Message shape = new Message();
        for (long d : dims) {
            shape.message(1, d < 0 ? new Message().text(2, "batch") : new Message().integer(1, d));
        }
        Message tensorType = new Message().integer(1, FLOAT).message(2, shape);
        return new Message().text(1, name).message(2, new Message().message(1, tensorType));
    }

    private static Message initializer(String name, float[] values, long... dims) {
        Message t = new Message();
        for (long d : dims) {
            t.integer(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return t.integer(2, FLOAT).text(8, name).bytes(9, raw.array());
    }

    /**
     * {@code output = input x weights + bias}: input float [batch, features], output float [batch, outputs].
     *
     * @param weights row-major [features][outputs]
     */
    public static byte[] linear(float[][] weights, float[] bias) {
        int features = weights.length;
        int outputs = bias.length;
        float[] w = new float[features * outputs];
        for (int i = 0; i < features; i++) {
            System.arraycopy(weights[i], 0, w, i * outputs, outputs);
        }
        Message graph = new Message()
                .message(1, new Message().text(1, "input").text(1, "W").text(2, "xw").text(3, "matmul")
                        .text(4, "MatMul"))
                .message(1, new Message().text(1, "xw").text(1, "B").text(2, "output").text(3, "add").text(4, "Add"))
                .text(2, "linear")
                .message(5, initializer("W", w, features, outputs))
                .message(5, initializer("B", bias, outputs))
                .message(11, valueInfo("input", -1, features))
                .message(12, valueInfo("output", -1, outputs));
        return model(graph);
    }

    /**
     * A two-layer perceptron with random weights: {@code relu(input x W1 + B1) x W2 + B2}, input float [batch,
     * features], output float [batch, outputs] (the benchmark's model).
     */
    public static byte[] mlp(int features, int hidden, int outputs, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] w1 = new float[features * hidden];
        float[] b1 = new float[hidden];
        float[] w2 = new float[hidden * outputs];
        float[] b2 = new float[outputs];
        for (float[] a : List.of(w1, b1, w2, b2)) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian() * 0.1f;
            }
        }
        Message graph = new Message()
                .message(1, node("MatMul", "l1", "input", "W1", "h1"))
                .message(1, node("Add", "b1", "h1", "B1", "h2"))
                .message(1, node("Relu", "relu", "h2", null, "h3"))
                .message(1, node("MatMul", "l2", "h3", "W2", "o1"))
                .message(1, node("Add", "b2", "o1", "B2", "output"))
                .text(2, "mlp")
                .message(5, initializer("W1", w1, features, hidden))
                .message(5, initializer("B1", b1, hidden))
                .message(5, initializer("W2", w2, hidden, outputs))
                .message(5, initializer("B2", b2, outputs))
                .message(11, valueInfo("input", -1, features))
                .message(12, valueInfo("output", -1, outputs));
        return model(graph);
    }

    /** A ModelProto around the graph: IR version 8, the default operator set at version 13. */
    private static byte[] model(Message graph) {
        return new Message().integer(1, 8).text(2, "osprey-tests").message(7, graph)
                .message(8, new Message().text(1, "").integer(2, 13)).toBytes();
    }

    private static Message node(String op, String name, String a, String b, String out) {
        Message n = new Message().text(1, a);
        if (b != null) {
            n.text(1, b);
        }
        return n.text(2, out).text(3, name).text(4, op);
    }

    /** A model directory as {@code mlflow.onnx.save_model} lays it out, with a tensor signature. */
    public static Path save(Path dir, byte[] model, int features, int outputs) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), model);
        Files.writeString(dir.resolve(MlModel.FILE), """
                artifact_path: model
                flavors:
                  onnx:
                    code: null
                    data: model.onnx
                    onnx_version: 1.17.0
                    providers:
                    - CUDAExecutionProvider
                    - CPUExecutionProvider
                  python_function:
                    data: model.onnx
                    env:
                      conda: conda.yaml
                      virtualenv: python_env.yaml
                    loader_module: mlflow.onnx
                    python_version: 3.11.7
                mlflow_version: 3.11.0
                model_uuid: 0d9c1f2e
                signature:
                  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, %d]}}]'
                  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, %d]}}]'
                  params: null
                utc_time_created: '2026-12-08 00:00:00.000000'
                """.formatted(features, outputs));
        return dir;
    }

    static List<String> columns(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "f" + i).toList();
    }
}
