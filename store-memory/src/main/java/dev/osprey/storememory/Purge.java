package dev.osprey.storememory;

import dev.osprey.store.AuthStore;
import dev.osprey.store.WorkspaceStore;

/** Permanently removes an experiment and everything under it, across every store's tables, under the lock. */
final class Purge {
    private final MemoryDatabase db;

    Purge(MemoryDatabase db) {
        this.db = db;
    }

    void experiment(long id) {
        String key = Long.toString(id);
        db.runs.values().removeIf(r -> r.experimentId == id);
        db.loggedModels.values().removeIf(m -> m.experimentId == id);
        db.traces.values().removeIf(t -> t.experimentId == id);
        db.scorerVersions.removeIf(v -> v.experimentId().equals(key));
        db.onlineConfigs.values().removeIf(c -> c.experimentId().equals(key));
        db.evalDatasets.values().forEach(d -> d.experiments.remove(id));
        db.jobs.values().removeIf(j -> j.experimentId().equals(key));
        db.issues.values().removeIf(i -> i.experimentId().equals(key));
        db.experiments.remove(id);
        db.workspaces(WorkspaceStore.Kind.EXPERIMENT).remove(key);
        db.forgetGrants(AuthStore.ResourceType.EXPERIMENT, key);
        db.grants.keySet().removeIf(k -> k.type() == AuthStore.ResourceType.SCORER
                && k.resourceId().startsWith(key + "/"));
    }
}
