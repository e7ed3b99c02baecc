package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.LifecycleStage;
import dev.osprey.store.AuthStore;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Every table of the in-memory backend behind one lock. A method of any store takes the lock once, checks
 * everything it needs before it changes anything, and so is atomic and isolated like a SQL transaction; stores that
 * share rules across tables (a purge that cascades, a trace write that checks its experiment) see one state.
 */
final class MemoryDatabase {
    private final Object lock = new Object();

    long nextExperimentId = 1;
    final TreeMap<Long, Tables.ExperimentRow> experiments = new TreeMap<>();
    final Map<String, Tables.RunRow> runs = new HashMap<>();
    long nextDatasetId = 1;
    /** Registered models by workspace, then name (names are unique per workspace). */
    final Map<String, TreeMap<String, RegistryRows.ModelRow>> models = new HashMap<>();
    final Map<String, MemoryLoggedModelStore.Row> loggedModels = new LinkedHashMap<>();
    final Map<String, MemoryTraceStore.Row> traces = new HashMap<>();
    final Map<String, dev.osprey.core.Webhook> webhooks = new LinkedHashMap<>();
    /** Gateway documents by kind, then id, in insertion order. */
    final Map<String, Map<String, dev.osprey.store.GatewayStore.GatewayDocument>> gatewayDocuments = new HashMap<>();
    final List<dev.osprey.store.GatewayStore.GatewayUsage> gatewayUsage = new ArrayList<>();
    final List<dev.osprey.store.ScorerStore.ScorerVersion> scorerVersions = new ArrayList<>();
    final Map<String, dev.osprey.store.ScorerStore.OnlineConfig> onlineConfigs = new LinkedHashMap<>();
    final Map<String, dev.osprey.store.JobStore.Job> jobs = new LinkedHashMap<>();
    final Map<String, dev.osprey.store.IssueStore.Issue> issues = new LinkedHashMap<>();
    final Map<String, MemoryDatasetStore.Row> evalDatasets = new LinkedHashMap<>();
    long nextUserId = 1;
    final Map<Long, AuthStore.User> users = new TreeMap<>();
    long nextTokenId = 1;
    final Map<Long, AuthStore.Token> tokens = new TreeMap<>();
    long nextAuditId = 1;
    final TreeMap<Long, AuthStore.AuditEvent> audit = new TreeMap<>();
    final TreeMap<String, WorkspaceStore.Workspace> workspaceRows = new TreeMap<>();

    /** Permission grants by (resource type, resource id, user id). */
    final Map<GrantKey, AuthStore.Grant> grants = new LinkedHashMap<>();

    record GrantKey(AuthStore.ResourceType type, String resourceId, long userId) {}

    /** The resource is gone: so are all grants on it (a name taken again must not inherit them). */
    void forgetGrants(AuthStore.ResourceType type, String resourceId) {
        grants.keySet().removeIf(k -> k.type() == type && k.resourceId().equals(resourceId));
    }

    /** The resource has a new id (a renamed model): its grants go with it. */
    void moveGrants(AuthStore.ResourceType type, String from, String to) {
        List<AuthStore.Grant> moved = new ArrayList<>();
        grants.entrySet().removeIf(e -> {
            if (e.getKey().type() == type && e.getKey().resourceId().equals(from)) {
                moved.add(e.getValue());
                return true;
            }
            return false;
        });
        for (AuthStore.Grant g : moved) {
            grants.put(new GrantKey(type, to, g.userId()), new AuthStore.Grant(type, to, g.userId(), g.permission()));
        }
    }

    /** The workspace of each root resource, by kind then id. */
    final Map<WorkspaceStore.Kind, Map<String, String>> workspaceOf = new EnumMap<>(WorkspaceStore.Kind.class);

    MemoryDatabase() {
        // As the SQL migration does: the default workspace always exists.
        workspaceRows.put(WorkspaceStore.DEFAULT, new WorkspaceStore.Workspace(WorkspaceStore.DEFAULT,
                "The default workspace", Optional.empty(), 0));
    }

    <T> T locked(Supplier<T> work) {
        synchronized (lock) {
            return work.get();
        }
    }

    void locked(Runnable work) {
        synchronized (lock) {
            work.run();
        }
    }

    /** The registered models of a workspace, by name. */
    TreeMap<String, RegistryRows.ModelRow> models(String workspace) {
        return models.computeIfAbsent(workspace, w -> new TreeMap<>());
    }

    Map<String, String> workspaces(WorkspaceStore.Kind kind) {
        return workspaceOf.computeIfAbsent(kind, k -> new HashMap<>());
    }

    Optional<Tables.ExperimentRow> experiment(String id) {
        return Tables.parseLong(id).map(experiments::get);
    }

    Tables.ExperimentRow requireExperiment(String id) {
        return experiment(id).orElseThrow(() -> StoreErrors.experimentNotFound(id));
    }

    Tables.ExperimentRow requireActiveExperiment(String id) {
        Tables.ExperimentRow e = requireExperiment(id);
        if (e.stage != LifecycleStage.ACTIVE) {
            throw StoreErrors.experimentNotActive(id);
        }
        return e;
    }

    Tables.RunRow requireRun(String runId) {
        Tables.RunRow r = runs.get(runId);
        if (r == null) {
            throw StoreErrors.runNotFound(runId);
        }
        return r;
    }

    Tables.RunRow requireActiveRun(String runId) {
        Tables.RunRow r = requireRun(runId);
        if (r.stage != LifecycleStage.ACTIVE) {
            throw StoreErrors.runNotActive(runId);
        }
        return r;
    }
}
