package dev.osprey.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.Param;

/** Logged models to and from MLflow's JSON: {@code {info: LoggedModelInfo, data: LoggedModelData}}. */
public final class LoggedModelCodec {
    private LoggedModelCodec() {}

    public static ObjectNode loggedModel(LoggedModel m) {
        ObjectNode node = Json.object();
        ObjectNode info = node.putObject("info");
        info.put("model_id", m.modelId());
        info.put("experiment_id", m.experimentId());
        info.put("name", m.name());
        info.put("creation_timestamp_ms", m.creationTimestamp());
        info.put("last_updated_timestamp_ms", m.lastUpdatedTimestamp());
        info.put("artifact_uri", m.artifactUri());
        info.put("status", m.status().name());
        m.statusMessage().ifPresent(s -> info.put("status_message", s));
        m.modelType().ifPresent(s -> info.put("model_type", s));
        m.sourceRunId().ifPresent(s -> info.put("source_run_id", s));
        TrackingCodec.putList(info, "tags", m.tags(), TrackingCodec::tag);
        TrackingCodec.putList(info, "registrations", m.registrations(), r -> Json.object().put("name", r.name())
                .put("version", r.version()));
        ObjectNode data = node.putObject("data");
        TrackingCodec.putList(data, "params", m.params(), TrackingCodec::param);
        TrackingCodec.putList(data, "metrics", m.metrics(), TrackingCodec::metric);
        return node;
    }

    public static LoggedModel readLoggedModel(Message m) {
        Message info = m.message("info").orElse(Message.empty());
        Message data = m.message("data").orElse(Message.empty());
        return new LoggedModel(info.requiredString("model_id"), info.string("experiment_id").orElse(""),
                info.string("name").orElse(""), info.int64("creation_timestamp_ms").orElse(0),
                info.int64("last_updated_timestamp_ms").orElse(0), info.string("artifact_uri").orElse(""),
                info.string("status").flatMap(LoggedModelStatus::ofName)
                        .orElse(LoggedModelStatus.LOGGED_MODEL_STATUS_UNSPECIFIED),
                info.string("status_message"), info.string("model_type"), info.string("source_run_id"),
                TrackingCodec.readTags(info, "tags"),
                info.messages("registrations").stream().map(r -> new LoggedModel.Registration(
                        r.string("name").orElse(""), r.string("version").orElse(""))).toList(),
                data.messages("params").stream().map(p -> new Param(p.string("key").orElse(""),
                        p.string("value").orElse(""))).toList(),
                data.messages("metrics").stream().map(TrackingCodec::readMetric).toList());
    }
}
