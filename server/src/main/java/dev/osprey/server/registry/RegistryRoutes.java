package dev.osprey.server.registry;

import dev.osprey.store.AuthStore.ResourceType;
import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
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
                post(RM + "/create", this::create).requires(createsModel()),
                get(RM + "/get", this::getModel).requires(onModel(READ)),
                post(RM + "/rename", this::rename).requires(dropsGrants(onModel(UPDATE))),
                patch(RM + "/update", this::update).requires(onModel(UPDATE)),
                delete(RM + "/delete", this::deleteModel).requires(dropsGrants(onModel(DELETE))),
                get(RM + "/search", this::search).requires(listsReadable(ResourceType.REGISTERED_MODEL, "registered_models", "name")),
                post(RM + "/get-latest-versions", this::latestVersions).requires(onModel(READ)),
                get(RM + "/get-latest-versions", this::latestVersions).requires(onModel(READ)),
                post(RM + "/set-tag", this::setTag).requires(onModel(UPDATE)),
                delete(RM + "/delete-tag", this::deleteTag).requires(onModel(UPDATE)),
                post(RM + "/alias", this::setAlias).requires(onModel(UPDATE)),
                delete(RM + "/alias", this::deleteAlias).requires(onModel(UPDATE)),
                get(RM + "/alias", this::byAlias).requires(onModel(READ)),

                post(MV + "/create", this::createVersion).requires(modelVersionCreate()),
                get(MV + "/get", this::getVersion).requires(onModel(READ)),
                patch(MV + "/update", this::updateVersion).requires(onModel(UPDATE)),
                delete(MV + "/delete", this::deleteVersion).requires(onModel(DELETE)),
                post(MV + "/transition-stage", this::transition).requires(onModel(UPDATE)),
                get(MV + "/search", this::searchVersions).requires(listsReadable(ResourceType.REGISTERED_MODEL, "model_versions", "name")),
                get(MV + "/get-download-uri", this::downloadUri).requires(onModel(READ)),
                post(MV + "/set-tag", this::setVersionTag).requires(onModel(UPDATE)),
                delete(MV + "/delete-tag", this::deleteVersionTag).requires(onModel(UPDATE)));
    }

    /** Names resolve in the call's workspace. */
    private RegistryService in(ApiRequest r) {
        return registry.in(r.workspaceName());
    }

    private static JsonNode model(RegisteredModel m) {
        return Json.object("registered_model", RegistryCodec.registeredModel(m));
    }

    private static JsonNode version(ModelVersion v) {
        return Json.object("model_version", RegistryCodec.modelVersion(v));
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        return model(in(r).create(m.requiredString("name"), Requests.tags(m, "tags"), m.string("description")));
    }

    JsonNode getModel(ApiRequest r) {
        return model(in(r).get(r.message().requiredString("name")));
    }

    JsonNode rename(ApiRequest r) {
        Message m = r.message();
        return model(in(r).rename(m.requiredString("name"), m.requiredString("new_name")));
    }

    JsonNode update(ApiRequest r) {
        Message m = r.message();
        return model(in(r).update(m.requiredString("name"), m.string("description").orElse("")));
    }

    JsonNode deleteModel(ApiRequest r) {
        in(r).delete(r.message().requiredString("name"));
        return Json.object();
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        Page<RegisteredModel> page = in(r).search(m.string("filter"), m.strings("order_by"),
                m.int64("max_results").orElse(0), m.string("page_token"));
        return TrackingCodec.page("registered_models", page, RegistryCodec::registeredModel);
    }

    JsonNode latestVersions(ApiRequest r) {
        Message m = r.message();
        ObjectNode out = Json.object();
        TrackingCodec.putList(out, "model_versions", in(r).latestVersions(m.requiredString("name"),
                m.strings("stages")), RegistryCodec::modelVersion);
        return out;
    }

    JsonNode setTag(ApiRequest r) {
        Message m = r.message();
        in(r).setTag(m.requiredString("name"), new Tag(m.requiredString("key"), m.string("value").orElse("")));
        return Json.object();
    }

    JsonNode deleteTag(ApiRequest r) {
        Message m = r.message();
        in(r).deleteTag(m.requiredString("name"), m.requiredString("key"));
        return Json.object();
    }

    JsonNode setAlias(ApiRequest r) {
        Message m = r.message();
        in(r).setAlias(m.requiredString("name"), m.requiredString("alias"), m.requiredString("version"));
        return Json.object();
    }

    JsonNode deleteAlias(ApiRequest r) {
        Message m = r.message();
        in(r).deleteAlias(m.requiredString("name"), m.requiredString("alias"));
        return Json.object();
    }

    JsonNode byAlias(ApiRequest r) {
        Message m = r.message();
        return version(in(r).byAlias(m.requiredString("name"), m.requiredString("alias")));
    }

    JsonNode createVersion(ApiRequest r) {
        Message m = r.message();
        return version(in(r).createVersion(m.requiredString("name"), m.requiredString("source"),
                m.string("run_id").orElse(""), Requests.tags(m, "tags"), m.string("run_link").orElse(""),
                m.string("description"), m.string("model_id").filter(s -> !s.isEmpty())));
    }

    JsonNode getVersion(ApiRequest r) {
        Message m = r.message();
        return version(in(r).getVersion(m.requiredString("name"), m.requiredString("version")));
    }

    JsonNode updateVersion(ApiRequest r) {
        Message m = r.message();
        return version(in(r).updateVersion(m.requiredString("name"), m.requiredString("version"),
                m.string("description").orElse("")));
    }

    JsonNode deleteVersion(ApiRequest r) {
        Message m = r.message();
        in(r).deleteVersion(m.requiredString("name"), m.requiredString("version"));
        return Json.object();
    }

    JsonNode transition(ApiRequest r) {
        Message m = r.message();
        return version(in(r).transition(m.requiredString("name"), m.requiredString("version"),
                m.requiredString("stage"), m.bool("archive_existing_versions").orElse(false)));
    }

    JsonNode searchVersions(ApiRequest r) {
        Message m = r.message();
        Page<ModelVersion> page = in(r).searchVersions(m.string("filter"), m.strings("order_by"),
                m.int64("max_results").orElse(0), m.string("page_token"));
        return TrackingCodec.page("model_versions", page, RegistryCodec::modelVersion);
    }

    JsonNode downloadUri(ApiRequest r) {
        Message m = r.message();
        ObjectNode out = Json.object();
        out.put("artifact_uri", in(r).downloadUri(m.requiredString("name"), m.requiredString("version")));
        return out;
    }

    JsonNode setVersionTag(ApiRequest r) {
        Message m = r.message();
        in(r).setVersionTag(m.requiredString("name"), m.requiredString("version"), new Tag(
                m.requiredString("key"), m.string("value").orElse("")));
        return Json.object();
    }

    JsonNode deleteVersionTag(ApiRequest r) {
        Message m = r.message();
        in(r).deleteVersionTag(m.requiredString("name"), m.requiredString("version"), m.requiredString("key"));
        return Json.object();
    }
}
