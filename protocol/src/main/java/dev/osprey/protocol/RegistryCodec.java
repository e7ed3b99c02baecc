package dev.osprey.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ModelAlias;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;

/** Registered models and model versions to and from MLflow's JSON (spec/model-registry.md §1). */
public final class RegistryCodec {
    private RegistryCodec() {}

    public static ObjectNode registeredModel(RegisteredModel m) {
        ObjectNode node = Json.object();
        node.put("name", m.name());
        node.put("creation_timestamp", m.creationTimestamp());
        node.put("last_updated_timestamp", m.lastUpdatedTimestamp());
        m.description().ifPresent(d -> node.put("description", d));
        TrackingCodec.putList(node, "latest_versions", m.latestVersions(), RegistryCodec::modelVersion);
        TrackingCodec.putList(node, "tags", m.tags(), TrackingCodec::tag);
        TrackingCodec.putList(node, "aliases", m.aliases(), a -> Json.object().put("alias", a.alias())
                .put("version", a.version()));
        return node;
    }

    public static ObjectNode modelVersion(ModelVersion v) {
        ObjectNode node = Json.object();
        node.put("name", v.name());
        node.put("version", v.version());
        node.put("creation_timestamp", v.creationTimestamp());
        node.put("last_updated_timestamp", v.lastUpdatedTimestamp());
        if (!v.userId().isEmpty()) {
            node.put("user_id", v.userId());
        }
        node.put("current_stage", v.currentStage().wireName());
        v.description().ifPresent(d -> node.put("description", d));
        node.put("source", v.source());
        node.put("run_id", v.runId());
        node.put("status", v.status());
        TrackingCodec.putList(node, "tags", v.tags(), TrackingCodec::tag);
        if (!v.runLink().isEmpty()) {
            node.put("run_link", v.runLink());
        }
        if (!v.aliases().isEmpty()) {
            ArrayNode aliases = node.putArray("aliases");
            v.aliases().forEach(aliases::add);
        }
        v.modelId().ifPresent(id -> node.put("model_id", id));
        return node;
    }

    public static RegisteredModel readRegisteredModel(Message m) {
        return new RegisteredModel(m.requiredString("name"), m.int64("creation_timestamp").orElse(0),
                m.int64("last_updated_timestamp").orElse(0), m.string("description").filter(d -> !d.isEmpty()),
                m.messages("latest_versions").stream().map(RegistryCodec::readModelVersion).toList(),
                m.messages("tags").stream().map(t -> new Tag(t.requiredString("key"), t.string("value").orElse("")))
                        .toList(),
                m.messages("aliases").stream().map(a -> new ModelAlias(a.requiredString("alias"),
                        a.string("version").orElse(""))).toList());
    }

    public static ModelVersion readModelVersion(Message m) {
        return new ModelVersion(m.requiredString("name"), m.string("version").orElse(""),
                m.int64("creation_timestamp").orElse(0), m.int64("last_updated_timestamp").orElse(0),
                m.string("description").filter(d -> !d.isEmpty()), m.string("user_id").orElse(""),
                m.string("current_stage").flatMap(ModelStage::parse).orElse(ModelStage.NONE),
                m.string("source").orElse(""), m.string("run_id").orElse(""), m.string("run_link").orElse(""),
                m.string("status").orElse(ModelVersion.READY),
                m.messages("tags").stream().map(t -> new Tag(t.requiredString("key"), t.string("value").orElse("")))
                        .toList(),
                m.strings("aliases"), m.string("model_id").filter(s -> !s.isEmpty()), "");
    }
}
