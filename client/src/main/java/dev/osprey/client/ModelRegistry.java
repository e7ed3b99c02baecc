package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.protocol.RegistryCodec;
import dev.osprey.protocol.TrackingCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model registry of a server: registered models, versions, tags, aliases and stages. Obtained from
 * {@link OspreyClient#registry()}; thread-safe.
 *
 * <pre>{@code
 * ModelRegistry registry = client.registry();
 * registry.createRegisteredModel("churn", List.of(), Optional.of("churn classifier"));
 * ModelVersion v = registry.createModelVersion("churn", "runs:/" + runId + "/model", runId, List.of());
 * registry.setAlias("churn", "champion", v.version());
 * }</pre>
 */
public final class ModelRegistry {
    private static final String RM = "/api/2.0/mlflow/registered-models";
    private static final String MV = "/api/2.0/mlflow/model-versions";
    private final Transport transport;

    ModelRegistry(Transport transport) {
        this.transport = transport;
    }

    private static RegisteredModel model(Message m) {
        return RegistryCodec.readRegisteredModel(m.message("registered_model").orElseThrow());
    }

    private static ModelVersion version(Message m) {
        return RegistryCodec.readModelVersion(m.message("model_version").orElseThrow());
    }

    private static ObjectNode named(String name) {
        return Json.object().put("name", name);
    }

    private static ObjectNode versioned(String name, String version) {
        return named(name).put("version", version);
    }

    // ---------------------------------------------------------------- registered models

    public RegisteredModel createRegisteredModel(String name, List<Tag> tags, Optional<String> description) {
        ObjectNode body = named(name);
        TrackingCodec.putList(body, "tags", tags, TrackingCodec::tag);
        description.ifPresent(d -> body.put("description", d));
        return model(transport.post(RM + "/create", body));
    }

    public RegisteredModel getRegisteredModel(String name) {
        return model(transport.get(RM + "/get", Map.of("name", List.of(name))));
    }

    public RegisteredModel renameRegisteredModel(String name, String newName) {
        return model(transport.post(RM + "/rename", named(name).put("new_name", newName)));
    }

    /** Sets the description; an empty one clears it. */
    public RegisteredModel updateRegisteredModel(String name, String description) {
        return model(transport.send("PATCH", RM + "/update", named(name).put("description", description)));
    }

    /** Deletes the model with all its versions. */
    public void deleteRegisteredModel(String name) {
        transport.send("DELETE", RM + "/delete", named(name));
    }

    /** One page of models matching an MLflow filter (prompts are included only when the filter asks for them). */
    public Page<RegisteredModel> searchRegisteredModels(String filter, List<String> orderBy, int maxResults,
            Optional<String> pageToken) {
        Message m = transport.get(RM + "/search", query(filter, orderBy, maxResults, pageToken));
        return new Page<>(m.messages("registered_models").stream().map(RegistryCodec::readRegisteredModel).toList(),
                m.string("next_page_token").filter(t -> !t.isEmpty()));
    }

    public void setRegisteredModelTag(String name, String key, String value) {
        transport.post(RM + "/set-tag", named(name).put("key", key).put("value", value));
    }

    public void deleteRegisteredModelTag(String name, String key) {
        transport.send("DELETE", RM + "/delete-tag", named(name).put("key", key));
    }

    /** The highest version in each of the given stages (every stage present when none are given). */
    public List<ModelVersion> getLatestVersions(String name, List<ModelStage> stages) {
        ObjectNode body = named(name);
        ArrayNode array = body.putArray("stages");
        stages.forEach(s -> array.add(s.wireName()));
        return transport.post(RM + "/get-latest-versions", body).messages("model_versions").stream()
                .map(RegistryCodec::readModelVersion).toList();
    }

    // ---------------------------------------------------------------- aliases

    public void setAlias(String name, String alias, String version) {
        transport.post(RM + "/alias", named(name).put("alias", alias).put("version", version));
    }

    public void deleteAlias(String name, String alias) {
        transport.send("DELETE", RM + "/alias", named(name).put("alias", alias));
    }

    public ModelVersion getModelVersionByAlias(String name, String alias) {
        return version(transport.get(RM + "/alias", Map.of("name", List.of(name), "alias", List.of(alias))));
    }

    // ---------------------------------------------------------------- model versions

    /**
     * Registers a new version of an existing model.
     *
     * @param source where the model's files are: {@code runs:/<run id>/<path>}, {@code models:/...},
     *     {@code mlflow-artifacts:/...} or an object-store URI
     * @param runId the run that produced it; empty for none
     */
    public ModelVersion createModelVersion(String name, String source, String runId, List<Tag> tags) {
        ObjectNode body = named(name).put("source", source);
        if (!runId.isEmpty()) {
            body.put("run_id", runId);
        }
        TrackingCodec.putList(body, "tags", tags, TrackingCodec::tag);
        return version(transport.post(MV + "/create", body));
    }

    public ModelVersion getModelVersion(String name, String version) {
        return version(transport.get(MV + "/get", Map.of("name", List.of(name), "version", List.of(version))));
    }

    public ModelVersion updateModelVersion(String name, String version, String description) {
        return version(transport.send("PATCH", MV + "/update", versioned(name, version)
                .put("description", description)));
    }

    public void deleteModelVersion(String name, String version) {
        transport.send("DELETE", MV + "/delete", versioned(name, version));
    }

    /** Moves a version to a stage; with {@code archiveExisting} the others in that stage become Archived. */
    public ModelVersion transitionStage(String name, String version, ModelStage stage, boolean archiveExisting) {
        return version(transport.post(MV + "/transition-stage", versioned(name, version)
                .put("stage", stage.wireName()).put("archive_existing_versions", archiveExisting)));
    }

    public Page<ModelVersion> searchModelVersions(String filter, List<String> orderBy, int maxResults,
            Optional<String> pageToken) {
        Message m = transport.get(MV + "/search", query(filter, orderBy, maxResults, pageToken));
        return new Page<>(m.messages("model_versions").stream().map(RegistryCodec::readModelVersion).toList(),
                m.string("next_page_token").filter(t -> !t.isEmpty()));
    }

    /** Where the version's files are, for downloading them. */
    public String getModelVersionDownloadUri(String name, String version) {
        return transport.get(MV + "/get-download-uri", Map.of("name", List.of(name), "version", List.of(version)))
                .requiredString("artifact_uri");
    }

    public void setModelVersionTag(String name, String version, String key, String value) {
        transport.post(MV + "/set-tag", versioned(name, version).put("key", key).put("value", value));
    }

    public void deleteModelVersionTag(String name, String version, String key) {
        transport.send("DELETE", MV + "/delete-tag", versioned(name, version).put("key", key));
    }

    private static Map<String, List<String>> query(String filter, List<String> orderBy, int maxResults,
            Optional<String> pageToken) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (!filter.isEmpty()) {
            query.put("filter", List.of(filter));
        }
        if (!orderBy.isEmpty()) {
            query.put("order_by", new ArrayList<>(orderBy));
        }
        if (maxResults > 0) {
            query.put("max_results", List.of(Integer.toString(maxResults)));
        }
        pageToken.ifPresent(t -> query.put("page_token", List.of(t)));
        return query;
    }
}
