package dev.osprey.serving;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's {@code onnx} flavor run by ONNX Runtime, fed as MLflow's pyfunc wrapper feeds it: a table goes to the
 * model's only input as a rows x columns matrix (or column by column to inputs of those names), a tensor payload to
 * the first input (or a dictionary of tensors by name); 64-bit floats are narrowed where the model takes 32-bit ones.
 * A table's predictions are records, one column per output (each output flattened, as MLflow does); a tensor
 * payload's are a dictionary of outputs.
 */
public final class OnnxFlavor {
    public static final String NAME = "onnx";

    private OnnxFlavor() {}

    static LoadedModel load(Path dir, MlModel mlmodel) {
        JsonNode flavor = mlmodel.flavors().get(NAME);
        Path root = dir.toAbsolutePath().normalize();
        Path file = root.resolve(flavor.path("data").asText("model.onnx")).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("The onnx flavor names data '" + flavor.path("data").asText()
                    + "', which is not a file inside the model directory.");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        List<Map.Entry<String, TensorInfo>> inputs = new ArrayList<>();
        List<String> outputs;
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            session = env.createSession(file.toString(), options);
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo t)) {
                    session.close();
                    throw new IllegalArgumentException("Input '" + e.getKey() + "' of the ONNX model is not a tensor; "
                            + "Osprey feeds tensor inputs only.");
                }
                inputs.add(Map.entry(e.getKey(), t));
            }
            outputs = List.copyOf(session.getOutputNames());
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + file + ": " + e.getMessage(), e);
        }
        return new Model(env, session, List.copyOf(inputs), outputs, mlmodel.signature());
    }

    private record Model(OrtEnvironment env, OrtSession session, List<Map.Entry<String, TensorInfo>> inputs,
            List<String> outputs, Optional<Signature> signature) implements LoadedModel {
        @Override
        public String flavor() {
            return NAME;
        }

        @Override
        public Object predict(ScoringInput input) throws OrtException {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            try {
                if (input.frame().isPresent()) {
                    feedTable(input.frame().get(), feed);
                } else {
                    feedTensors(input.tensor().get(), feed);
                }
                try (OrtSession.Result result = session.run(feed)) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (String name : outputs) {
                        Optional<OnnxValue> value = result.get(name);
                        out.put(name, value.isPresent() ? plain(value.get().getValue()) : null);
                    }
                    return input.frame().isPresent() ? records(out) : out;
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }

        private void feedTable(Frame frame, Map<String, OnnxTensor> feed) throws OrtException {
            if (inputs.size() == 1) {
                Map.Entry<String, TensorInfo> in = inputs.getFirst();
                List<Object> flat = new ArrayList<>(frame.size() * frame.columns().size());
                frame.rows().forEach(flat::addAll);
                feed.put(in.getKey(), tensor(in.getKey(), in.getValue(), flat, new long[] {frame.size(),
                        frame.columns().size()}));
                return;
            }
            for (Map.Entry<String, TensorInfo> in : inputs) {
                if (!frame.columns().contains(in.getKey())) {
                    throw ScoringException.badRequest("The ONNX model takes inputs " + inputs.stream()
                            .map(Map.Entry::getKey).toList() + "; the table has no column '" + in.getKey() + "'.");
                }
                long[] shape = in.getValue().getShape().length == 2 ? new long[] {frame.size(), 1}
                        : new long[] {frame.size()};
                feed.put(in.getKey(), tensor(in.getKey(), in.getValue(), frame.column(in.getKey()), shape));
            }
        }

        private void feedTensors(JsonNode payload, Map<String, OnnxTensor> feed) throws OrtException {
            if (payload.isObject()) {
                for (Map.Entry<String, TensorInfo> in : inputs) {
                    if (!payload.has(in.getKey())) {
                        throw ScoringException.badRequest("The ONNX model takes inputs " + inputs.stream()
                                .map(Map.Entry::getKey).toList() + "; the request has no tensor '" + in.getKey()
                                + "'.");
                    }
                    feed.put(in.getKey(), nested(in.getKey(), in.getValue(), payload.get(in.getKey())));
                }
                return;
            }
            if (inputs.size() != 1) {
                throw ScoringException.badRequest("Unable to map a single tensor to this model's " + inputs.size()
                        + " inputs " + inputs.stream().map(Map.Entry::getKey).toList() + ": send a dictionary of "
                        + "tensors by input name, or a table.");
            }
            feed.put(inputs.getFirst().getKey(), nested(inputs.getFirst().getKey(), inputs.getFirst().getValue(),
                    payload));
        }

        /** A nested JSON list as a tensor: its shape read off the nesting, which must be rectangular. */
        private OnnxTensor nested(String name, TensorInfo info, JsonNode node) throws OrtException {
            List<Long> shape = new ArrayList<>();
            for (JsonNode n = node; n.isArray(); n = n.size() > 0 ? n.get(0) : com.fasterxml.jackson.databind.node
                    .MissingNode.getInstance()) {
                shape.add((long) n.size());
            }
            long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
            if (info.type == OnnxJavaType.FLOAT) {
                checkShape(name, info, dims);
                // The common case, without boxing: straight into the direct buffer ONNX Runtime reads.
                long count = 1;
                for (long d : dims) {
                    count *= d;
                }
                FloatBuffer floats = ByteBuffer.allocateDirect(Math.toIntExact(count * 4))
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                fill(node, 0, shape, floats, name);
                return OnnxTensor.createTensor(env, floats.flip(), dims);
            }
            List<Object> flat = new ArrayList<>();
            flatten(node, 0, shape, flat, name);
            return tensor(name, info, flat, dims);
        }

        private static void fill(JsonNode node, int depth, List<Long> shape, FloatBuffer out, String name) {
            if (depth == shape.size()) {
                if (!node.isNumber()) {
                    throw ScoringException.invalid("Input '" + name + "' takes numbers; got " + (node.isNull()
                            ? "a missing value" : node.toString()) + ".");
                }
                out.put((float) node.doubleValue());
                return;
            }
            if (!node.isArray() || node.size() != shape.get(depth)) {
                throw ScoringException.badRequest("Tensor '" + name + "' is not rectangular: every list at depth "
                        + depth + " must have " + shape.get(depth) + " items.");
            }
            for (JsonNode child : node) {
                fill(child, depth + 1, shape, out, name);
            }
        }

        private static void flatten(JsonNode node, int depth, List<Long> shape, List<Object> out, String name) {
            if (depth == shape.size()) {
                if (node.isArray() || node.isObject()) {
                    throw ScoringException.badRequest("Tensor '" + name + "' is not rectangular.");
                }
                out.add(Inputs.value(node));
                return;
            }
            if (!node.isArray() || node.size() != shape.get(depth)) {
                throw ScoringException.badRequest("Tensor '" + name + "' is not rectangular: every list at depth "
                        + depth + " must have " + shape.get(depth) + " items.");
            }
            node.forEach(child -> flatten(child, depth + 1, shape, out, name));
        }

        /** Values as the input's element type; the shape checked against the model's fixed dimensions. */
        private OnnxTensor tensor(String name, TensorInfo info, List<Object> values, long[] shape)
                throws OrtException {
            checkShape(name, info, shape);
            int n = values.size();
            OnnxJavaType type = info.type;
            switch (type) {
                case FLOAT -> {
                    FloatBuffer b = FloatBuffer.allocate(n);
                    values.forEach(v -> b.put((float) number(name, v)));
                    return OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case DOUBLE -> {
                    DoubleBuffer b = DoubleBuffer.allocate(n);
                    values.forEach(v -> b.put(number(name, v)));
                    return OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case INT64 -> {
                    LongBuffer b = LongBuffer.allocate(n);
                    values.forEach(v -> b.put(integer(name, v)));
                    return OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case INT32 -> {
                    IntBuffer b = IntBuffer.allocate(n);
                    values.forEach(v -> b.put(Math.toIntExact(integer(name, v))));
                    return OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case STRING -> {
                    String[] s = values.stream().map(String::valueOf).toArray(String[]::new);
                    return OnnxTensor.createTensor(env, s, shape);
                }
                default -> throw ScoringException.invalid("Input '" + name + "' of the ONNX model takes " + type
                        + " tensors, which Osprey does not feed yet.");
            }
        }

        private static void checkShape(String name, TensorInfo info, long[] shape) {
            long[] expected = info.getShape();
            if (expected.length != shape.length) {
                throw ScoringException.invalid("Input '" + name + "' of the ONNX model has " + expected.length
                        + " dimensions; the request gives " + shape.length + ".");
            }
            for (int i = 0; i < shape.length; i++) {
                if (expected[i] > 0 && expected[i] != shape[i]) {
                    throw ScoringException.invalid("Input '" + name + "' of the ONNX model has shape "
                            + java.util.Arrays.toString(expected) + "; the request gives "
                            + java.util.Arrays.toString(shape) + ".");
                }
            }
        }

        private static double number(String name, Object v) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw ScoringException.invalid("Input '" + name + "' takes numbers; got " + (v == null ? "a missing value"
                    : "'" + v + "'") + ".");
        }

        private static long integer(String name, Object v) {
            if (v instanceof Long || v instanceof Integer) {
                return ((Number) v).longValue();
            }
            throw ScoringException.invalid("Input '" + name + "' takes integers; got " + (v == null
                    ? "a missing value" : "'" + v + "'") + ".");
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                // the process is going away with it
            }
        }
    }

    /** ONNX Runtime's Java arrays, lists and maps as lists and maps the JSON writer knows. */
    static Object plain(Object v) {
        if (v != null && v.getClass().isArray() && !(v instanceof byte[])) {
            int n = Array.getLength(v);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(plain(Array.get(v, i)));
            }
            return out;
        }
        if (v instanceof List<?> list) {
            return list.stream().map(OnnxFlavor::plain).toList();
        }
        if (v instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(k, plain(x)));
            return out;
        }
        if (v instanceof OnnxValue value) {
            try {
                return plain(value.getValue());
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }
        return v;
    }

    /** MLflow's table answer: each output flattened into a column; the columns must be equally long. */
    static Frame records(Map<String, Object> outputs) {
        List<String> names = new ArrayList<>(outputs.keySet());
        List<List<Object>> columns = new ArrayList<>();
        for (String name : names) {
            List<Object> flat = new ArrayList<>();
            flattenList(outputs.get(name), flat);
            columns.add(flat);
        }
        int rows = columns.isEmpty() ? 0 : columns.getFirst().size();
        if (columns.stream().anyMatch(c -> c.size() != rows)) {
            throw ScoringException.badRequest("The ONNX model's outputs " + names + " flatten to different lengths, "
                    + "so they cannot be one table; send the input as a tensor ('inputs') to get each output whole.");
        }
        List<List<Object>> table = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            List<Object> row = new ArrayList<>(names.size());
            for (List<Object> c : columns) {
                row.add(c.get(r));
            }
            table.add(row);
        }
        return new Frame(names, table);
    }

    private static void flattenList(Object v, List<Object> out) {
        if (v instanceof List<?> list) {
            list.forEach(x -> flattenList(x, out));
        } else {
            out.add(v);
        }
    }
}
