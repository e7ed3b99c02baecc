package dev.osprey.server.registry;

import static dev.osprey.server.api.Endpoint.delete;
import static dev.osprey.server.api.Endpoint.get;
import static dev.osprey.server.api.Endpoint.patch;
import static dev.osprey.server.api.Endpoint.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.RegistryCodec;
import dev.osprey.protocol.TrackingCodec;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.tracking.Requests;
import java.util.List;

/** Every model registry RPC (spec/model-registry.md §3–4): decode, one service call, encode. */
public final class RegistryRoutes {
    private static final String RM = "/mlflow/registered-models";
    private static final String MV = "/mlflow/model-versions";
    private final RegistryService registry;

    public RegistryRoutes(RegistryService registry) {
        this.registry = registry;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                post(RM + "/create", this::create),
                get(RM + "/get", this::getModel),
                post(RM + "/rename", this::rename),
                patch(RM + "/update", this::update),
                delete(RM + "/delete", this::deleteModel),
                get(RM + "/search", this::search),
                post(RM + "/get-latest-versions", this::latestVersions),
                get(RM + "/get-latest-versions", this::latestVersions),
                post(RM + "/set-tag", this::setTag),
                delete(RM + "/delete-tag", this::deleteTag),
                post(RM + "/alias", this::setAlias),
                delete(RM + "/alias", this::deleteAlias),
                get(RM + "/alias", this::byAlias),

                post(MV + "/create", this::createVersion),
                get(MV + "/get", this::getVersion),
                patch(MV + "/update", this::updateVersion),
                delete(MV + "/delete", this::deleteVersion),
                post(MV + "/transition-stage", this::transition),
                get(MV + "/search", this::searchVersions),
                get(MV + "/get-download-uri", this::downloadUri),
                post(MV + "/set-tag", this::setVersionTag),
                delete(MV + "/delete-tag", this::deleteVersionTag));
    }

    private static JsonNode model(RegisteredModel m) {
        return Json.object("registered_model", RegistryCodec.registeredModel(m));
    }

    private static JsonNode version(ModelVersion v) {
        return Json.object("model_version", RegistryCodec.modelVersion(v));
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        return model(registry.create(m.requiredString("name"), Requests.tags(m, "tags"), m.string("description"),
                r.workspaceName()));
    }

    JsonNode getModel(ApiRequest r) {
        return model(registry.get(r.message().requiredString("name")));
    }

    JsonNode rename(ApiRequest r) {
        Message m = r.message();
        return model(registry.rename(m.requiredString("name"), m.requiredString("new_name")));
    }

    JsonNode update(ApiRequest r) {
        Message m = r.message();
        return model(registry.update(m.requiredString("name"), m.string("description").orElse("")));
    }

    JsonNode deleteModel(ApiRequest r) {
        registry.delete(r.message().requiredString("name"));
        return Json.object();
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        Page<RegisteredModel> page = registry.search(m.string("filter"), m.strings("order_by"),
                m.int64("max_results").orElse(0), m.string("page_token"), r.workspaceName());
        return TrackingCodec.page("registered_models", page, RegistryCodec::registeredModel);
    }

    JsonNode latestVersions(ApiRequest r) {
        Message m = r.message();
        ObjectNode out = Json.object();
        TrackingCodec.putList(out, "model_versions", registry.latestVersions(m.requiredString("name"),
                m.strings("stages")), RegistryCodec::modelVersion);
        return out;
    }

    JsonNode setTag(ApiRequest r) {
        Message m = r.message();
        registry.setTag(m.requiredString("name"), new Tag(m.requiredString("key"), m.string("value").orElse("")));
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        Message m = r.message();
        registry.deleteTag(m.requiredString("name"), m.requiredString("key"));
        return Json.object();
    }

    JsonNode setAlias(ApiRequest r) {
        Message m = r.message();
        registry.setAlias(m.requiredString("name"), m.requiredString("alias"), m.requiredString("version"));
        return Json.object();
    }

    JsonNode deleteAlias(ApiRequest r) {
        Message m = r.message();
        registry.deleteAlias(m.requiredString("name"), m.requiredString("alias"));
        return Json.object();
    }

    JsonNode byAlias(ApiRequest r) {
        Message m = r.message();
        return version(registry.byAlias(m.requiredString("name"), m.requiredString("alias")));
    }

    JsonNode createVersion(ApiRequest r) {
        Message m = r.message();
        return version(registry.createVersion(m.requiredString("name"), m.requiredString("source"),
                m.string("run_id").orElse(""), Requests.tags(m, "tags"), m.string("run_link").orElse(""),
                m.string("description"), m.string("model_id").filter(s -> !s.isEmpty())));
    }

    JsonNode getVersion(ApiRequest r) {
        Message m = r.message();
        return version(registry.getVersion(m.requiredString("name"), m.requiredString("version")));
    }

    JsonNode updateVersion(ApiRequest r) {
        Message m = r.message();
        return version(registry.updateVersion(m.requiredString("name"), m.requiredString("version"),
                m.string("description").orElse("")));
    }

    JsonNode deleteVersion(ApiRequest r) {
        Message m = r.message();
        registry.deleteVersion(m.requiredString("name"), m.requiredString("version"));
        return Json.object();
    }

    JsonNode transition(ApiRequest r) {
        Message m = r.message();
        return version(registry.transition(m.requiredString("name"), m.requiredString("version"),
                m.requiredString("stage"), m.bool("archive_existing_versions").orElse(false)));
    }

    JsonNode searchVersions(ApiRequest r) {
        Message m = r.message();
        Page<ModelVersion> page = registry.searchVersions(m.string("filter"), m.strings("order_by"),
                m.int64("max_results").orElse(0), m.string("page_token"), r.workspaceName());
        return TrackingCodec.page("model_versions", page, RegistryCodec::modelVersion);
    }

    JsonNode downloadUri(ApiRequest r) {
        Message m = r.message();
        ObjectNode out = Json.object();
        out.put("artifact_uri", registry.downloadUri(m.requiredString("name"), m.requiredString("version")));
        return out;
    }

    JsonNode setVersionTag(ApiRequest r) {
        Message m = r.message();
        registry.setVersionTag(m.requiredString("name"), m.requiredString("version"), new Tag(
                m.requiredString("key"), m.string("value").orElse("")));
        return Json.object();
    }

    JsonNode deleteVersionTag(ApiRequest r) {
        Message m = r.message();
        registry.deleteVersionTag(m.requiredString("name"), m.requiredString("version"), m.requiredString("key"));
        return Json.object();
    }
}
