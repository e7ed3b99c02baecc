package dev.osprey.server.tracking;

import dev.osprey.core.Dataset;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import dev.osprey.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Request fields as domain values, with MLflow's required-field checks and JSON-path error names. */
public final class Requests {
    private Requests() {}

    /** {@code run_id}, or its deprecated alias {@code run_uuid}; {@code run_id} wins when both are sent. */
    static String runId(Message m) {
        return m.string("run_id").filter(s -> !s.isEmpty()).or(() -> m.string("run_uuid").filter(s -> !s.isEmpty()))
                .orElseThrow(() -> Message.missing("run_id"));
    }

    static Metric metric(Message m) {
        String key = m.requiredString("key");
        double value = m.doubleValue("value").orElseThrow(() -> m.missingField("value"));
        long timestamp = m.int64("timestamp").orElseThrow(() -> m.missingField("timestamp"));
        return new Metric(key, value, timestamp, m.int64("step").orElse(0), m.string("dataset_name"),
                m.string("dataset_digest"), m.string("model_id"), Optional.empty());
    }

    static Param param(Message m) {
        return new Param(m.requiredString("key"), m.string("value").orElse(""));
    }

    static Tag tag(Message m) {
        return new Tag(m.requiredString("key"), m.string("value").orElse(""));
    }

    public static List<Tag> tags(Message m, String field) {
        List<Tag> out = new ArrayList<>();
        for (Message t : m.messages(field)) {
            out.add(tag(t));
        }
        return out;
    }

    static ViewType viewType(Message m, String field) {
        return m.enumValue(field, ViewType.class, n -> {
            for (ViewType v : ViewType.values()) {
                if (v.number() == n) {
                    return Optional.of(v);
                }
            }
            return Optional.empty();
        }).orElse(ViewType.ACTIVE_ONLY);
    }

    static DatasetInput datasetInput(Message m) {
        Message d = m.message("dataset").orElseThrow(() -> Message.missing("dataset"));
        Dataset dataset = new Dataset(d.requiredString("name"), d.requiredString("digest"),
                d.requiredString("source_type"), d.requiredString("source"), d.string("schema"), d.string("profile"));
        return new DatasetInput(tags(m, "tags"), dataset);
    }

    static ModelInput modelInput(Message m) {
        return new ModelInput(m.requiredString("model_id"));
    }

    static ModelOutput modelOutput(Message m) {
        return new ModelOutput(m.requiredString("model_id"), m.int64("step").orElse(0));
    }
}
