package dev.osprey.server.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.LoggedModel;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Run;
import dev.osprey.core.Tag;
import dev.osprey.protocol.Json;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.NewModelVersion;
import dev.osprey.store.RegistryQuery;
import dev.osprey.store.RegistryStore;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import dev.osprey.server.tracking.Validation;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Registry rules with MLflow's wording (spec/model-registry.md §2–4) in front of the {@link RegistryStore}, in one
 * workspace: names resolve in it ({@link #in}); this instance serves the default workspace.
 */
public final class RegistryService {
    static final int MAX_TAG_VALUE = 5000;
    /** The logged-model tag listing the registry versions made from it (mlflow/utils/mlflow_tags.py). */
    static final String MODEL_VERSIONS_TAG = "mlflow.modelVersions";
    static final int MAX_ALIAS_LENGTH = 255;
    static final int MODELS_DEFAULT_RESULTS = 100;
    static final int MODELS_MAX_RESULTS = 1000;
    static final int VERSIONS_MAX_RESULTS = 200_000;
    private static final Pattern ALIAS = Pattern.compile("^[\\w\\-]*$");
    private static final Pattern RESERVED_VERSION_ALIAS = Pattern.compile("^[vV]\\d+$");

    private final RegistryStore registry;
    private final StorageComponent storage;
    private final TrackingStore tracking;
    private final ModelSources sources;
    private final Clock clock;
    private final RegistryEvents events;

    public RegistryService(StorageComponent storage, List<java.nio.file.Path> localRoots,
            Optional<Pattern> sourceRule, Clock clock, RegistryEvents events) {
        this(storage.registry(), storage, new ModelSources(localRoots, sourceRule), clock, events);
    }

    private RegistryService(RegistryStore registry, StorageComponent storage, ModelSources sources, Clock clock,
            RegistryEvents events) {
        this.registry = registry;
        this.storage = storage;
        this.tracking = storage.tracking();
        this.sources = sources;
        this.clock = clock;
        this.events = events;
    }

    /** The registry as seen from a workspace; empty: workspaces are off (the default workspace). */
    public RegistryService in(Optional<String> workspace) {
        String ws = workspace.orElse(dev.osprey.store.WorkspaceStore.DEFAULT);
        return ws.equals(registry.workspace()) ? this
                : new RegistryService(registry.in(ws), storage, sources, clock, events);
    }

    // ---------------------------------------------------------------- events (spec/genai.md §5 payloads)

    private static boolean internalPromptTag(String key) {
        return key.startsWith("mlflow.prompt.") || key.startsWith("_mlflow_prompt");
    }

    private static ObjectNode tagMap(List<Tag> tags, boolean prompt) {
        ObjectNode map = Json.object();
        tags.stream().filter(t -> !prompt || !internalPromptTag(t.key())).forEach(t -> map.put(t.key(), t.value()));
        return map;
    }

    private boolean isPrompt(String name) {
        return registry.getRegisteredModel(name).map(RegisteredModel::isPrompt).orElse(false);
    }

    /** Publishes {@code prompt...} or {@code model...} events; builds the payload only when someone listens. */
    private void announce(String modelEntity, String promptEntity, String action,
            java.util.function.Supplier<Boolean> prompt, java.util.function.Function<Boolean, ObjectNode> data) {
        String ws = registry.workspace();
        if (!(modelEntity != null && events.wants(ws, modelEntity, action)) && !events.wants(ws, promptEntity,
                action)) {
            return;
        }
        boolean isPrompt = prompt.get();
        String entity = isPrompt ? promptEntity : modelEntity;
        if (entity != null && events.wants(ws, entity, action)) {
            events.publish(ws, entity, action, data.apply(isPrompt));
        }
    }

    private long now() {
        return clock.millis();
    }

    static String name(String name) {
        if (name.isEmpty()) {
            throw OspreyException.invalid("Registered model name cannot be empty.");
        }
        return name;
    }

    static String version(String version) {
        try {
            Long.parseLong(version);
            return version;
        } catch (NumberFormatException e) {
            throw OspreyException.invalid("Model version must be an integer, got '" + version + "'");
        }
    }

    private static Tag tag(Tag tag, String entity) {
        Validation.key(entity + " tag", tag.key());
        if (tag.key().equals("mlflow.prompt.text") && tag.value().length() > MAX_TAG_VALUE) {
            throw OspreyException.invalid("Prompt text exceeds max length of " + MAX_TAG_VALUE + " characters.");
        }
        Validation.length(entity + " tag value", tag.value(), MAX_TAG_VALUE);
        return tag;
    }

    private static String alias(String alias) {
        if (alias.isEmpty() || !ALIAS.matcher(alias).matches() || alias.length() > MAX_ALIAS_LENGTH) {
            throw OspreyException.invalid("Invalid alias name '" + alias + "'. Aliases may only contain letters, "
                    + "digits, underscores and dashes, and must be 1 to " + MAX_ALIAS_LENGTH + " characters long.");
        }
        if (alias.equalsIgnoreCase("latest")) {
            throw OspreyException.invalid("'latest' alias name (case insensitive) is reserved.");
        }
        if (RESERVED_VERSION_ALIAS.matcher(alias).matches()) {
            throw OspreyException.invalid("Version alias name '" + alias + "' is reserved.");
        }
        return alias;
    }

    static ModelStage stage(String stage) {
        return ModelStage.parse(stage).orElseThrow(() -> OspreyException.invalid("Invalid Model Version stage: "
                + stage + ". Value must be one of None, Staging, Production, Archived."));
    }

    // ---------------------------------------------------------------- registered models

    public RegisteredModel create(String name, List<Tag> tags, Optional<String> description) {
        RegisteredModel created = registry.createRegisteredModel(name(name), tags.stream()
                .map(t -> tag(t, "registered model")).toList(), description, now());
        announce("registered_model", "prompt", "created", created::isPrompt, prompt -> {
            ObjectNode data = Json.object().put("name", created.name());
            data.set("tags", tagMap(created.tags(), prompt));
            created.description().ifPresentOrElse(d -> data.put("description", d), () -> data.putNull("description"));
            return data;
        });
        return created;
    }

    public RegisteredModel get(String name) {
        return registry.getRegisteredModel(name(name)).orElseThrow(() -> OspreyException.notFound(
                "Registered Model with name=" + name + " not found"));
    }

    public RegisteredModel rename(String name, String newName) {
        return registry.renameRegisteredModel(name(name), name(newName), now());
    }

    public RegisteredModel update(String name, String description) {
        return registry.updateRegisteredModel(name(name), description, now());
    }

    public void delete(String name) {
        registry.deleteRegisteredModel(name(name));
    }

    public Page<RegisteredModel> search(Optional<String> filter, List<String> orderBy, long maxResults,
            Optional<String> pageToken) {
        int max = Validation.maxResults(maxResults, MODELS_DEFAULT_RESULTS, MODELS_MAX_RESULTS);
        return registry.searchRegisteredModels(new RegistryQuery(EntityGrammar.REGISTERED_MODELS.parseFilter(
                filter.orElse("")), EntityGrammar.REGISTERED_MODELS.parseOrderBy(orderBy), max, pageToken));
    }

    public List<ModelVersion> latestVersions(String name, List<String> stages) {
        return registry.getLatestVersions(name(name), stages.stream().map(RegistryService::stage).distinct()
                .toList());
    }

    public void setTag(String name, Tag tag) {
        registry.setRegisteredModelTag(name(name), tag(tag, "registered model"), now());
        announce(null, "prompt_tag", "set", () -> isPrompt(name), p -> Json.object().put("name", name)
                .put("key", tag.key()).put("value", tag.value()));
    }

    public void deleteTag(String name, String key) {
        registry.deleteRegisteredModelTag(name(name), key);
        announce(null, "prompt_tag", "deleted", () -> isPrompt(name), p -> Json.object().put("name", name)
                .put("key", key));
    }

    public void setAlias(String name, String alias, String version) {
        registry.setAlias(name(name), alias(alias), version(version), now());
        announce("model_version_alias", "prompt_alias", "created", () -> isPrompt(name), p -> Json.object()
                .put("name", name).put("alias", alias).put("version", version));
    }

    public void deleteAlias(String name, String alias) {
        registry.deleteAlias(name(name), alias);
        announce("model_version_alias", "prompt_alias", "deleted", () -> isPrompt(name), p -> Json.object()
                .put("name", name).put("alias", alias));
    }

    /**
     * The version an alias points at. {@code latest} (any case) is reserved: it names the highest version that is
     * not deleted, as {@code models:/name@latest} and {@code prompts:/name@latest} mean in MLflow's docs.
     */
    public ModelVersion byAlias(String name, String alias) {
        if (alias.equalsIgnoreCase("latest")) {
            return registry.getLatestVersions(name(name), List.of()).stream()
                    .max(java.util.Comparator.comparingLong(v -> Long.parseLong(v.version())))
                    .orElseThrow(() -> OspreyException.notFound("Latest version not found for model " + name + "."));
        }
        return registry.getModelVersionByAlias(name(name), alias);
    }

    // ---------------------------------------------------------------- model versions

    public ModelVersion createVersion(String name, String source, String runId, List<Tag> tags, String runLink,
            Optional<String> description, Optional<String> modelId) {
        name(name);
        boolean prompt = tags.stream().anyMatch(t -> t.key().equals(RegisteredModel.PROMPT_TAG));
        sources.check(source, prompt);
        List<Tag> checked = tags.stream().map(t -> tag(t, "model version")).toList();
        Optional<LoggedModel> logged = loggedModel(source, modelId);
        String run = runId.isEmpty() ? logged.flatMap(LoggedModel::sourceRunId).orElse("") : runId;
        String location = logged.map(LoggedModel::artifactUri).orElseGet(() -> storageLocation(source, run));
        ModelVersion created = registry.createModelVersion(new NewModelVersion(name, source, run, checked, runLink,
                description, modelId.or(() -> logged.map(LoggedModel::modelId)), location, now()));
        if (!prompt) {
            logged.ifPresent(m -> recordRegistration(m, created));
        }
        announce("model_version", "prompt_version", "created", () -> prompt, isPrompt -> {
            ObjectNode data = Json.object().put("name", created.name()).put("version", created.version());
            if (isPrompt) {
                data.put("template", created.tags().stream().filter(t -> t.key().equals("mlflow.prompt.text"))
                        .map(Tag::value).findFirst().orElse(""));
            } else {
                data.put("source", created.source()).put("run_id", created.runId());
            }
            data.set("tags", tagMap(created.tags(), isPrompt));
            created.description().ifPresentOrElse(d -> data.put("description", d), () -> data.putNull("description"));
            return data;
        });
        return created;
    }

    /** The logged model a version is registered from: {@code model_id}, or a {@code models:/m-<id>} source. */
    private Optional<LoggedModel> loggedModel(String source, Optional<String> modelId) {
        Optional<String> id = modelId.or(() -> {
            String rest = source.startsWith("models:/") ? source.substring("models:/".length()) : "";
            return rest.startsWith("m-") && !rest.contains("/") ? Optional.of(rest) : Optional.empty();
        });
        return id.map(i -> storage.loggedModels().get(i, false).orElseThrow(() -> OspreyException.invalid(
                "Invalid model version: logged model with ID '" + i + "' not found.")));
    }

    /**
     * Appends {@code {"name": ..., "version": N}} to the logged model's {@code mlflow.modelVersions} tag, with
     * Python's json.dumps spacing, as MLflow writes it.
     */
    private void recordRegistration(LoggedModel model, ModelVersion version) {
        String entry = "{\"name\": " + jsonString(version.name()) + ", \"version\": " + version.version() + "}";
        String old = model.tags().stream().filter(t -> t.key().equals(MODEL_VERSIONS_TAG)).map(Tag::value)
                .findFirst().orElse("[]").trim();
        String updated = old.equals("[]") || !old.endsWith("]") ? "[" + entry + "]"
                : old.substring(0, old.length() - 1) + ", " + entry + "]";
        storage.loggedModels().setTags(model.modelId(), List.of(new Tag(MODEL_VERSIONS_TAG, updated)), now());
    }

    private static String jsonString(String s) {
        return dev.osprey.protocol.Json.writeString(com.fasterxml.jackson.databind.node.TextNode.valueOf(s));
    }

    /**
     * Where the version's files are: {@code runs:/<id>/<path>} resolves through the run's artifact URI and
     * {@code models:/<name>/<version>} through that version; every other source is its own location.
     */
    private String storageLocation(String source, String runId) {
        if (source.startsWith("runs:/")) {
            String rest = source.substring("runs:/".length()).replaceAll("^/+", "");
            int slash = rest.indexOf('/');
            String id = slash < 0 ? rest : rest.substring(0, slash);
            String path = slash < 0 ? "" : rest.substring(slash + 1);
            Run run = tracking.getRun(id.isEmpty() ? runId : id).orElseThrow(() -> OspreyException.invalid(
                    "Invalid model version source: '" + source + "': no run with id " + id + "."));
            String root = run.info().artifactUri();
            return path.isEmpty() ? root : root.replaceAll("/+$", "") + "/" + path;
        }
        if (source.startsWith("models:/")) {
            String[] parts = source.substring("models:/".length()).split("/");
            if (parts.length == 2 && parts[1].matches("\\d+")) {
                return registry.getModelVersion(parts[0], parts[1]).map(ModelVersion::storageLocation)
                        .orElseThrow(() -> OspreyException.invalid("Invalid model version source: '" + source
                                + "': that model version does not exist."));
            }
        }
        return source;
    }

    public ModelVersion getVersion(String name, String version) {
        return registry.getModelVersion(name(name), version(version)).orElseThrow(() -> OspreyException.notFound(
                "Model Version (name=" + name + ", version=" + version + ") not found"));
    }

    public ModelVersion updateVersion(String name, String version, String description) {
        return registry.updateModelVersion(name(name), version(version), description, now());
    }

    public void deleteVersion(String name, String version) {
        registry.deleteModelVersion(name(name), version(version), now());
    }

    public ModelVersion transition(String name, String version, String stage, boolean archiveExisting) {
        return registry.transitionStage(name(name), version(version), stage(stage), archiveExisting, now());
    }

    public Page<ModelVersion> searchVersions(Optional<String> filter, List<String> orderBy, long maxResults,
            Optional<String> pageToken) {
        int max = Validation.maxResults(maxResults, VERSIONS_MAX_RESULTS, VERSIONS_MAX_RESULTS);
        return registry.searchModelVersions(new RegistryQuery(EntityGrammar.MODEL_VERSIONS.parseFilter(
                filter.orElse("")), EntityGrammar.MODEL_VERSIONS.parseOrderBy(orderBy), max, pageToken));
    }

    public String downloadUri(String name, String version) {
        return getVersion(name, version).storageLocation();
    }

    public void setVersionTag(String name, String version, Tag tag) {
        registry.setModelVersionTag(name(name), version(version), tag(tag, "model version"), now());
        announce("model_version_tag", "prompt_version_tag", "set", () -> isPrompt(name), p -> Json.object()
                .put("name", name).put("version", version).put("key", tag.key()).put("value", tag.value()));
    }

    public void deleteVersionTag(String name, String version, String key) {
        registry.deleteModelVersionTag(name(name), version(version), key);
        announce("model_version_tag", "prompt_version_tag", "deleted", () -> isPrompt(name), p -> Json.object()
                .put("name", name).put("version", version).put("key", key));
    }
}
