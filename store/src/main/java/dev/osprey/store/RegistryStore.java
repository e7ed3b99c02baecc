package dev.osprey.store;

import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import java.util.List;
import java.util.Optional;

/**
 * Registered models, their versions, tags and aliases (prompts are registered models with prompt tags). Thread-safe;
 * every method is atomic. Failures the client caused are {@link dev.osprey.core.OspreyException}s with MLflow's codes
 * and wording: {@code RESOURCE_DOES_NOT_EXIST} for unknown models and versions (deleted versions included),
 * {@code RESOURCE_ALREADY_EXISTS} for a taken name. Shape checks (names, lengths, alias rules) are the caller's.
 *
 * <p>Names are unique per workspace (MLflow 3.5): a store sees one workspace, resolves every name in it and
 * searches only it. {@link StorageComponent#registry()} sees {@link WorkspaceStore#DEFAULT}; {@link #in} gives the
 * view of another. A model of another workspace is indistinguishable from a free name.
 */
public interface RegistryStore {

    /** This store as seen from inside a workspace (which must exist). */
    RegistryStore in(String workspace);

    /** The workspace this store sees. */
    String workspace();

    RegisteredModel createRegisteredModel(String name, List<Tag> tags, Optional<String> description, long now);

    Optional<RegisteredModel> getRegisteredModel(String name);

    /** Renames the model; its versions, tags and aliases move with it. */
    RegisteredModel renameRegisteredModel(String name, String newName, long now);

    /** Sets the description; an empty one clears it. */
    RegisteredModel updateRegisteredModel(String name, String description, long now);

    /** Hard delete of the model with its versions, tags and aliases. */
    void deleteRegisteredModel(String name);

    /**
     * Registered models matching the filter. Prompts (tag {@code mlflow.prompt.is_prompt=true}) are left out unless
     * the filter asks for them (spec/search-grammar.md §4).
     */
    Page<RegisteredModel> searchRegisteredModels(RegistryQuery query);

    /** The highest non-deleted version per stage, for the given stages or every stage present. */
    List<ModelVersion> getLatestVersions(String name, List<ModelStage> stages);

    void setRegisteredModelTag(String name, Tag tag, long now);

    /** A missing key is not an error; a missing model is. */
    void deleteRegisteredModelTag(String name, String key);

    /** Points an alias at an existing version (moving it if it pointed elsewhere). */
    void setAlias(String name, String alias, String version, long now);

    void deleteAlias(String name, String alias);

    /** The version an alias points at; {@code INVALID_PARAMETER_VALUE} when the alias is unknown (MLflow's code). */
    ModelVersion getModelVersionByAlias(String name, String alias);

    /** Allocates the next number (never reusing a deleted one) and bumps the model's update time. */
    ModelVersion createModelVersion(NewModelVersion version);

    Optional<ModelVersion> getModelVersion(String name, String version);

    ModelVersion updateModelVersion(String name, String version, String description, long now);

    /** Soft delete: the number stays reserved, the row is redacted and hidden, aliases to it are dropped. */
    void deleteModelVersion(String name, String version, long now);

    /** Moves a version to a stage; with {@code archiveExisting} other versions in that stage become Archived. */
    ModelVersion transitionStage(String name, String version, ModelStage stage, boolean archiveExisting, long now);

    /** Model versions matching the filter; deleted versions never, prompt versions only when asked for. */
    Page<ModelVersion> searchModelVersions(RegistryQuery query);

    void setModelVersionTag(String name, String version, Tag tag, long now);

    void deleteModelVersionTag(String name, String version, String key);
}
