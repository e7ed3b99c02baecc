package dev.osprey.server.tracking;

import dev.osprey.core.Experiment;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import dev.osprey.search.EntityGrammar;
import dev.osprey.server.locations.LocationRules;
import dev.osprey.store.ExperimentQuery;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore;
import dev.osprey.store.WorkspaceStore.Workspace;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Experiment rules: names, artifact locations, tag limits; the store makes them durable. */
public final class ExperimentService {
    static final int DEFAULT_MAX_RESULTS = 1000;

    private final StorageComponent storage;
    private final TrackingStore store;
    private final String artifactRoot;
    private final dev.osprey.server.workspaces.WorkspaceTrees trees;
    private final LocationRules locations;
    private final Clock clock;

    public ExperimentService(StorageComponent storage, String artifactRoot, LocationRules locations, Clock clock) {
        this.storage = storage;
        this.store = storage.tracking();
        this.artifactRoot = artifactRoot;
        this.trees = new dev.osprey.server.workspaces.WorkspaceTrees(artifactRoot);
        this.locations = locations;
        this.clock = clock;
    }

    /** Where an experiment's artifacts go when its creator names no location: {@code <root>/<id>}. */
    public String defaultLocation(long experimentId) {
        return join(artifactRoot, Long.toString(experimentId));
    }

    public void ensureDefaultExperiment() {
        store.ensureDefaultExperiment(defaultLocation(0), clock.millis());
    }

    public String create(String name, Optional<String> artifactLocation, List<Tag> tags) {
        return create(name, artifactLocation, tags, Optional.empty());
    }

    /**
     * Creates an experiment in a workspace (none: workspaces are off). Without an artifact location it gets one
     * under the workspace's own root, else under {@code <server root>/workspaces/<name>} (MLflow's layout); the
     * default workspace keeps the server root, where all experiments from before workspaces are.
     */
    public String create(String name, Optional<String> artifactLocation, List<Tag> tags, Optional<Workspace> ws) {
        Validation.length("Experiment name", name, Validation.MAX_EXPERIMENT_NAME_LENGTH);
        artifactLocation = artifactLocation.filter(s -> !s.isEmpty());
        String root = ws.map(trees::tree).orElse(artifactRoot);
        artifactLocation.ifPresent(location -> {
            locations.requireUsable(location);
            ws.ifPresent(w -> locations.requireWithin(location, root, trees.otherTrees(w,
                    storage.workspaces().list())));
        });
        for (Tag tag : tags) {
            validateTag(tag);
        }
        return store.createExperiment(name, artifactLocation, id -> join(root, Long.toString(id)), tags,
                clock.millis(), ws.map(Workspace::name).orElse(WorkspaceStore.DEFAULT));
    }

    private static String join(String root, String child) {
        return root.endsWith("/") ? root + child : root + "/" + child;
    }

    static void validateTag(Tag tag) {
        Validation.key("tag", tag.key());
        Validation.length("Tag value", tag.value(), Validation.MAX_EXPERIMENT_TAG_VALUE_LENGTH);
    }

    /** MLflow 3.11 answers an id that is not an integer as a client's mistake, not as an unknown experiment. */
    public Experiment get(String experimentId) {
        if (!experimentId.matches("-?[0-9]+")) {
            throw OspreyException.invalid("Invalid experiment ID '" + experimentId + "'. Experiment ID must be a valid "
                    + "integer.");
        }
        return store.getExperiment(experimentId).orElseThrow(() -> notFound(experimentId));
    }

    /** @param workspace where the name resolves (names are unique per workspace); empty: the default one */
    public Experiment getByName(String name, Optional<String> workspace) {
        return store.getExperimentByName(name, workspace.orElse(dev.osprey.store.WorkspaceStore.DEFAULT))
                .orElseThrow(() -> OspreyException.notFound(
                "Could not find experiment with name '" + name + "'"));
    }

    /** @param workspace only this workspace's experiments; empty: all (workspaces off) */
    public Page<Experiment> search(Optional<String> filter, List<String> orderBy, ViewType viewType, long maxResults,
            Optional<String> pageToken, Optional<String> workspace) {
        int limit = Validation.maxResults(maxResults, DEFAULT_MAX_RESULTS, Validation.MAX_RESULTS_SEARCH);
        return store.searchExperiments(new ExperimentQuery(EntityGrammar.EXPERIMENTS.parseFilter(filter.orElse("")),
                EntityGrammar.EXPERIMENTS.parseOrderBy(orderBy), viewType, limit, pageToken, workspace));
    }

    public void rename(String experimentId, String newName) {
        Validation.length("Experiment name", newName, Validation.MAX_EXPERIMENT_NAME_LENGTH);
        store.renameExperiment(experimentId, newName, clock.millis());
    }

    public void delete(String experimentId) {
        store.deleteExperiment(experimentId, clock.millis());
    }

    public void restore(String experimentId) {
        store.restoreExperiment(experimentId, clock.millis());
    }

    public void setTag(String experimentId, Tag tag) {
        validateTag(tag);
        store.setExperimentTag(experimentId, tag, clock.millis());
    }

    public void deleteTag(String experimentId, String key) {
        store.deleteExperimentTag(experimentId, key, clock.millis());
    }

    static OspreyException notFound(String experimentId) {
        return OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
    }

    /** MLflow's SearchDatasets limits: 1 to 20 experiments, at most 1000 summaries. */
    public List<TrackingStore.DatasetSummary> datasetSummaries(List<String> experimentIds) {
        if (experimentIds.isEmpty()) {
            throw OspreyException.invalid("SearchDatasets request must specify at least one experiment_id.");
        }
        if (experimentIds.size() > 20) {
            throw OspreyException.invalid("SearchDatasets request cannot specify more than 20 experiment_ids. Received "
                    + experimentIds.size() + " experiment_ids.");
        }
        return store.datasetSummaries(experimentIds, 1000);
    }
}
