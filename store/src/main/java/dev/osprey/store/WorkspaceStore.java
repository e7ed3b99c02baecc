package dev.osprey.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Workspaces (MLflow 3.5's multi-tenancy, spec/genai.md §8) and which workspace each root resource belongs to.
 * Roots are experiments, registered models (prompts included), evaluation datasets and gateway secrets, model
 * definitions and endpoints;
 * everything else (runs, traces, logged models, versions, scorers, jobs) belongs to its root's workspace. Resources
 * that existed before workspaces are in {@link #DEFAULT}.
 */
public interface WorkspaceStore {
    /** The workspace of requests that name none and of all data from before workspaces; never created or deleted. */
    String DEFAULT = "default";

    /**
     * @param defaultArtifactRoot where the workspace's new experiments keep artifacts; empty: the server's root
     */
    record Workspace(String name, String description, Optional<String> defaultArtifactRoot, long createdAt) {
        public Workspace {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(defaultArtifactRoot, "defaultArtifactRoot");
        }
    }

    /**
     * The kinds of root resources known by an id unique across the server, each kept with its workspace. Registered
     * models are known by a name unique only in their workspace: {@link RegistryStore#in} keeps them apart.
     */
    enum Kind {
        EXPERIMENT, GATEWAY_SECRET, GATEWAY_MODEL_DEFINITION, GATEWAY_ENDPOINT, GATEWAY_BUDGET, DATASET, WEBHOOK
    }

    /** What happens to a workspace's resources when it is deleted (MLflow's WorkspaceDeletionMode). */
    enum DeletionMode {
        /** Refuse while the workspace holds any resource. */
        RESTRICT,
        /** Permanently delete its resources with it (artifacts stay where they are). */
        CASCADE,
        /**
         * Move its resources to the default workspace; refused ({@code RESOURCE_CONFLICT}, naming them) when an
         * experiment or model name is taken there.
         */
        SET_DEFAULT
    }

    /** Every workspace, by name. */
    List<Workspace> list();

    Optional<Workspace> get(String name);

    /** {@code RESOURCE_ALREADY_EXISTS} when the name is taken. */
    void create(Workspace workspace);

    /**
     * Changes what is given; an empty-string artifact root clears it. {@code RESOURCE_DOES_NOT_EXIST} when there is
     * no such workspace.
     */
    Workspace update(String name, Optional<String> description, Optional<String> defaultArtifactRoot);

    /**
     * Deletes a workspace and, by mode, its resources, in one transaction: {@code INVALID_PARAMETER_VALUE} for the
     * default workspace, {@code RESOURCE_DOES_NOT_EXIST} for an unknown one, {@code RESOURCE_CONFLICT} for a
     * non-empty one under RESTRICT (MLflow answers INVALID_STATE, HTTP 500, for a client's mistake).
     */
    void delete(String name, DeletionMode mode);

    /** The workspace of each of these resources, by id; unknown ids are left out. */
    Map<String, String> workspacesOf(Kind kind, Collection<String> ids);

    /**
     * The items whose resource (by {@code id}) is in {@code workspace}, in their order; a resource with no workspace
     * recorded counts as {@link #DEFAULT}'s. One lookup for the whole list.
     */
    default <T> java.util.List<T> keepIn(String workspace, Kind kind, java.util.List<T> items,
            java.util.function.Function<T, String> id) {
        Map<String, String> of = workspacesOf(kind, items.stream().map(id).distinct().toList());
        return items.stream().filter(i -> of.getOrDefault(id.apply(i), DEFAULT).equals(workspace)).toList();
    }

    /** The workspace of one resource; {@link #DEFAULT} for one that has none recorded. */
    default String workspaceOf(Kind kind, String id) {
        return workspacesOf(kind, java.util.List.of(id)).getOrDefault(id, DEFAULT);
    }

    /** Moves a resource (just created through an API without a workspace parameter) into a workspace. */
    void assign(Kind kind, String id, String workspace);
}
