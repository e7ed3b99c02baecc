package dev.osprey.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.RunStatus;
import dev.osprey.core.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Tracking entities to and from MLflow's JSON: snake_case proto names, int64 as numbers, enums as names, empty
 * lists and unset fields omitted. The server encodes with it and the SDK decodes with it, so both sides agree by
 * construction.
 */
public final class TrackingCodec {
    private TrackingCodec() {}

    // ---- encoding ----

    public static ObjectNode experiment(Experiment e) {
        ObjectNode node = Json.object();
        node.put("experiment_id", e.experimentId());
        node.put("name", e.name());
        node.put("artifact_location", e.artifactLocation());
        node.put("lifecycle_stage", e.lifecycleStage().wireName());
        node.put("last_update_time", e.lastUpdateTime());
        node.put("creation_time", e.creationTime());
        putList(node, "tags", e.tags(), TrackingCodec::tag);
        return node;
    }

    public static ObjectNode tag(Tag t) {
        ObjectNode node = Json.object();
        node.put("key", t.key());
        node.put("value", t.value());
        return node;
    }

    public static ObjectNode param(Param p) {
        ObjectNode node = Json.object();
        node.put("key", p.key());
        node.put("value", p.value());
        return node;
    }

    public static ObjectNode metric(Metric m) {
        ObjectNode node = Json.object();
        node.put("key", m.key());
        node.put("value", m.value());
        node.put("timestamp", m.timestamp());
        node.put("step", m.step());
        m.datasetName().ifPresent(v -> node.put("dataset_name", v));
        m.datasetDigest().ifPresent(v -> node.put("dataset_digest", v));
        m.modelId().ifPresent(v -> node.put("model_id", v));
        m.runId().ifPresent(v -> node.put("run_id", v));
        return node;
    }

    /**
     * Metric points as one pre-serialised JSON array. History answers carry up to 25,000 points per page; writing
     * them straight through a generator avoids a tree node per point (the encoding is the same as {@link #metric}).
     */
    public static com.fasterxml.jackson.databind.util.RawValue metricArray(List<Metric> metrics) {
        java.io.StringWriter out = new java.io.StringWriter(metrics.size() * 72 + 2);
        try (com.fasterxml.jackson.core.JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (Metric m : metrics) {
                g.writeStartObject();
                g.writeStringField("key", m.key());
                g.writeNumberField("value", m.value());
                g.writeNumberField("timestamp", m.timestamp());
                g.writeNumberField("step", m.step());
                if (m.datasetName().isPresent()) {
                    g.writeStringField("dataset_name", m.datasetName().get());
                }
                if (m.datasetDigest().isPresent()) {
                    g.writeStringField("dataset_digest", m.datasetDigest().get());
                }
                if (m.modelId().isPresent()) {
                    g.writeStringField("model_id", m.modelId().get());
                }
                if (m.runId().isPresent()) {
                    g.writeStringField("run_id", m.runId().get());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new com.fasterxml.jackson.databind.util.RawValue(out.toString());
    }

    /** Puts {@code metrics} under {@code field} unless empty (empty repeated fields are omitted on the wire). */
    public static void putMetrics(ObjectNode node, String field, List<Metric> metrics) {
        if (!metrics.isEmpty()) {
            node.putRawValue(field, metricArray(metrics));
        }
    }

    public static ObjectNode runInfo(RunInfo i) {
        ObjectNode node = Json.object();
        node.put("run_id", i.runId());
        node.put("run_uuid", i.runId());
        node.put("run_name", i.runName());
        node.put("experiment_id", i.experimentId());
        node.put("user_id", i.userId());
        node.put("status", i.status().name());
        node.put("start_time", i.startTime());
        i.endTime().ifPresent(t -> node.put("end_time", t));
        node.put("artifact_uri", i.artifactUri());
        node.put("lifecycle_stage", i.lifecycleStage().wireName());
        return node;
    }

    public static ObjectNode run(Run r) {
        ObjectNode node = Json.object();
        node.set("info", runInfo(r.info()));
        ObjectNode data = node.putObject("data");
        putList(data, "metrics", r.metrics(), TrackingCodec::metric);
        putList(data, "params", r.params(), TrackingCodec::param);
        putList(data, "tags", r.tags(), TrackingCodec::tag);
        ObjectNode inputs = node.putObject("inputs");
        putList(inputs, "dataset_inputs", r.datasetInputs(), TrackingCodec::datasetInput);
        putList(inputs, "model_inputs", r.modelInputs(), m -> {
            ObjectNode n = Json.object();
            n.put("model_id", m.modelId());
            return n;
        });
        ObjectNode outputs = node.putObject("outputs");
        putList(outputs, "model_outputs", r.modelOutputs(), m -> {
            ObjectNode n = Json.object();
            n.put("model_id", m.modelId());
            n.put("step", m.step());
            return n;
        });
        return node;
    }

    public static ObjectNode datasetInput(DatasetInput in) {
        ObjectNode node = Json.object();
        putList(node, "tags", in.tags(), TrackingCodec::tag);
        node.set("dataset", dataset(in.dataset()));
        return node;
    }

    public static ObjectNode dataset(Dataset d) {
        ObjectNode node = Json.object();
        node.put("name", d.name());
        node.put("digest", d.digest());
        node.put("source_type", d.sourceType());
        node.put("source", d.source());
        d.schema().ifPresent(v -> node.put("schema", v));
        d.profile().ifPresent(v -> node.put("profile", v));
        return node;
    }

    /** A search or list answer: the page's items under {@code field} (omitted when empty) and its next-page token. */
    public static <T> ObjectNode page(String field, dev.osprey.core.Page<T> page, Function<T, JsonNode> encoder) {
        ObjectNode out = Json.object();
        putList(out, field, page.items(), encoder);
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    public static <T> void putList(ObjectNode node, String field, List<T> items, Function<T, JsonNode> encoder) {
        if (items.isEmpty()) {
            return;
        }
        ArrayNode array = node.putArray(field);
        for (T item : items) {
            array.add(encoder.apply(item));
        }
    }

    // ---- decoding (responses, read by the SDK) ----

    public static Experiment readExperiment(Message m) {
        return new Experiment(
                m.string("experiment_id").orElse(""),
                m.string("name").orElse(""),
                m.string("artifact_location").orElse(""),
                LifecycleStage.fromWire(m.string("lifecycle_stage").orElse("active")),
                m.int64("creation_time").orElse(0),
                m.int64("last_update_time").orElse(0),
                readTags(m, "tags"));
    }

    public static List<Tag> readTags(Message m, String field) {
        List<Tag> out = new ArrayList<>();
        for (Message t : m.messages(field)) {
            out.add(new Tag(t.string("key").orElse(""), t.string("value").orElse("")));
        }
        return out;
    }

    public static Metric readMetric(Message m) {
        return new Metric(
                m.string("key").orElse(""),
                m.doubleValue("value").orElse(0),
                m.int64("timestamp").orElse(0),
                m.int64("step").orElse(0),
                m.string("dataset_name"),
                m.string("dataset_digest"),
                m.string("model_id"),
                m.string("run_id"));
    }

    public static RunInfo readRunInfo(Message m) {
        OptionalLong end = m.int64("end_time");
        return new RunInfo(
                m.string("run_id").or(() -> m.string("run_uuid")).orElse(""),
                m.string("run_name").orElse(""),
                m.string("experiment_id").orElse(""),
                m.string("user_id").orElse(""),
                m.enumValue("status", RunStatus.class, TrackingCodec::statusByNumber).orElse(RunStatus.RUNNING),
                m.int64("start_time").orElse(0),
                end,
                m.string("artifact_uri").orElse(""),
                LifecycleStage.fromWire(m.string("lifecycle_stage").orElse("active")));
    }

    public static Optional<RunStatus> statusByNumber(int number) {
        for (RunStatus s : RunStatus.values()) {
            if (s.number() == number) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public static Run readRun(Message m) {
        RunInfo info = readRunInfo(m.message("info").orElse(Message.empty()));
        Message data = m.message("data").orElse(Message.empty());
        Message inputs = m.message("inputs").orElse(Message.empty());
        Message outputs = m.message("outputs").orElse(Message.empty());
        List<Metric> metrics = data.messages("metrics").stream().map(TrackingCodec::readMetric).toList();
        List<Param> params = data.messages("params").stream()
                .map(p -> new Param(p.string("key").orElse(""), p.string("value").orElse(""))).toList();
        List<DatasetInput> datasetInputs = inputs.messages("dataset_inputs").stream()
                .map(TrackingCodec::readDatasetInput).toList();
        List<ModelInput> modelInputs = inputs.messages("model_inputs").stream()
                .map(x -> new ModelInput(x.string("model_id").orElse(""))).toList();
        List<ModelOutput> modelOutputs = outputs.messages("model_outputs").stream()
                .map(x -> new ModelOutput(x.string("model_id").orElse(""), x.int64("step").orElse(0))).toList();
        return new Run(info, metrics, params, readTags(data, "tags"), datasetInputs, modelInputs, modelOutputs);
    }

    public static DatasetInput readDatasetInput(Message m) {
        Message d = m.message("dataset").orElse(Message.empty());
        return new DatasetInput(readTags(m, "tags"), new Dataset(
                d.string("name").orElse(""),
                d.string("digest").orElse(""),
                d.string("source_type").orElse(""),
                d.string("source").orElse(""),
                d.string("schema"),
                d.string("profile")));
    }
}
