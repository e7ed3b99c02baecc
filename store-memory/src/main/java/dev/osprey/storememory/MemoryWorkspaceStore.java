package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.OspreyException;
import dev.osprey.store.AuthStore;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@link WorkspaceStore} on the in-memory tables: a resource not assigned elsewhere is in the default workspace. */
final class MemoryWorkspaceStore implements WorkspaceStore {
    private final MemoryDatabase db;
    private final Purge purge;

    MemoryWorkspaceStore(MemoryDatabase db, Purge purge) {
        this.db = db;
        this.purge = purge;
    }


    @Override
    public List<Workspace> list() {
        return db.locked(() -> List.copyOf(db.workspaceRows.values()));
    }

    @Override
    public Optional<Workspace> get(String name) {
        return db.locked(() -> Optional.ofNullable(db.workspaceRows.get(name)));
    }

    @Override
    public void create(Workspace w) {
        db.locked(() -> {
            if (db.workspaceRows.containsKey(w.name())) {
                throw OspreyException.alreadyExists("Workspace '" + w.name() + "' already exists.");
            }
            db.workspaceRows.put(w.name(), w);
        });
    }

    @Override
    public Workspace update(String name, Optional<String> description, Optional<String> defaultArtifactRoot) {
        return db.locked(() -> {
            Workspace w = db.workspaceRows.get(name);
            if (w == null) {
                throw StoreErrors.workspaceNotFound(name);
            }
            Workspace updated = new Workspace(name, description.orElse(w.description()),
                    defaultArtifactRoot.isPresent() ? defaultArtifactRoot.filter(r -> !r.isEmpty())
                            : w.defaultArtifactRoot(), w.createdAt());
            db.workspaceRows.put(name, updated);
            return updated;
        });
    }

    @Override
    public void delete(String name, DeletionMode mode) {
        if (name.equals(DEFAULT)) {
            throw OspreyException.invalid("Cannot delete the reserved '" + DEFAULT + "' workspace.");
        }
        db.locked(() -> {
            if (!db.workspaceRows.containsKey(name)) {
                throw StoreErrors.workspaceNotFound(name);
            }
            switch (mode) {
                case RESTRICT -> refuseIfNotEmpty(name);
                case SET_DEFAULT -> moveToDefault(name);
                case CASCADE -> deleteResources(name);
            }
            db.workspaceRows.remove(name);
            db.forgetGrants(AuthStore.ResourceType.WORKSPACE, name);
            moveUsage(name, mode == DeletionMode.SET_DEFAULT);
        });
    }

    /** The workspace's recorded gateway calls go to the default workspace with its resources, or with them. */
    private void moveUsage(String name, boolean toDefault) {
        List<dev.osprey.store.GatewayStore.GatewayUsage> kept = new ArrayList<>();
        for (dev.osprey.store.GatewayStore.GatewayUsage u : db.gatewayUsage) {
            if (!u.workspace().equals(name)) {
                kept.add(u);
            } else if (toDefault) {
                kept.add(new dev.osprey.store.GatewayStore.GatewayUsage(u.requestId(), u.timestampMs(),
                        u.endpointId(), u.endpointName(), u.provider(), u.model(), u.user(), u.inputTokens(),
                        u.outputTokens(), u.cost(), u.latencyMs(), u.status(), DEFAULT));
            }
        }
        db.gatewayUsage.clear();
        db.gatewayUsage.addAll(kept);
    }

    private List<String> resourcesOf(Kind kind, String workspace) {
        List<String> out = new ArrayList<>();
        db.workspaces(kind).forEach((id, w) -> {
            if (w.equals(workspace) && exists(kind, id)) {
                out.add(id);
            }
        });
        return out;
    }

    private void refuseIfNotEmpty(String name) {
        for (Kind kind : Kind.values()) {
            refuseIfAny(name, resourcesOf(kind, name).size(), kind.name());
        }
        refuseIfAny(name, db.models(name).size(), "registered model");
    }

    private static void refuseIfAny(String name, int n, String what) {
        if (n > 0) {
            throw new OspreyException(ErrorCode.RESOURCE_CONFLICT, "Cannot delete workspace '" + name + "': it "
                    + "still holds " + n + " " + what.toLowerCase(Locale.ROOT).replace('_', ' ')
                    + "(s). Delete or move them first, or delete with mode=CASCADE or mode=SET_DEFAULT.");
        }
    }

    /** Refused, naming every clash, when the default workspace has an experiment or model name of this one. */
    private void moveToDefault(String name) {
        List<String> clashes = new ArrayList<>();
        java.util.Set<String> defaultExperiments = new java.util.HashSet<>();
        java.util.TreeSet<String> movingExperiments = new java.util.TreeSet<>();
        Map<String, String> experimentWorkspaces = db.workspaces(Kind.EXPERIMENT);
        for (Tables.ExperimentRow e : db.experiments.values()) {
            String ws = experimentWorkspaces.getOrDefault(Long.toString(e.id), DEFAULT);
            if (ws.equals(DEFAULT)) {
                defaultExperiments.add(e.name);
            } else if (ws.equals(name)) {
                movingExperiments.add(e.name);
            }
        }
        movingExperiments.stream().filter(defaultExperiments::contains).forEach(n -> clashes.add("experiments: '"
                + n + "'"));
        java.util.TreeMap<String, RegistryRows.ModelRow> moving = db.models(name);
        moving.keySet().stream().filter(db.models(DEFAULT)::containsKey).forEach(n -> clashes.add(
                "registered_models: '" + n + "'"));
        db.gatewayDocuments.forEach((kind, docs) -> kindOfDocument(kind).ifPresent(k -> {
            Map<String, String> where = db.workspaces(k);
            java.util.Set<String> inDefault = new java.util.HashSet<>();
            java.util.TreeSet<String> movingDocs = new java.util.TreeSet<>();
            docs.values().forEach(d -> {
                String ws = where.getOrDefault(d.id(), DEFAULT);
                if (ws.equals(DEFAULT)) {
                    inDefault.add(d.name());
                } else if (ws.equals(name)) {
                    movingDocs.add(d.name());
                }
            });
            movingDocs.stream().filter(inDefault::contains).forEach(n -> clashes.add("gateway " + kind + ": '" + n
                    + "'"));
        }));
        if (!clashes.isEmpty()) {
            throw StoreErrors.namesTakenInDefault(name, clashes);
        }
        for (Kind kind : Kind.values()) {
            db.workspaces(kind).values().removeIf(name::equals);
        }
        moving.forEach((model, row) -> {
            db.models(DEFAULT).put(model, row);
            db.moveGrants(AuthStore.ResourceType.REGISTERED_MODEL, dev.osprey.store.ModelGrantId.of(name, model),
                    dev.osprey.store.ModelGrantId.of(DEFAULT, model));
        });
        db.models.remove(name);
    }

    /** Experiments go with everything under them, models with their versions, documents with their grants. */
    private void deleteResources(String name) {
        for (String id : resourcesOf(Kind.EXPERIMENT, name)) {
            db.experiments.get(Long.parseLong(id)).stage = LifecycleStage.DELETED;
            purge.experiment(Long.parseLong(id));
        }
        for (String model : db.models(name).keySet()) {
            db.forgetGrants(AuthStore.ResourceType.REGISTERED_MODEL, dev.osprey.store.ModelGrantId.of(name, model));
        }
        db.models.remove(name);
        for (Kind kind : List.of(Kind.GATEWAY_SECRET, Kind.GATEWAY_MODEL_DEFINITION, Kind.GATEWAY_ENDPOINT,
                Kind.GATEWAY_BUDGET)) {
            for (String id : resourcesOf(kind, name)) {
                db.gatewayDocuments.get(documentKind(kind)).remove(id);
                db.workspaces(kind).remove(id);
                db.forgetGrants(AuthStore.ResourceType.valueOf(kind.name()), id);
            }
        }
        for (String dataset : resourcesOf(Kind.DATASET, name)) {
            MemoryDatasetStore.removeDataset(db, dataset);
        }
        for (String webhook : resourcesOf(Kind.WEBHOOK, name)) {
            db.webhooks.remove(webhook);
            db.workspaces(Kind.WEBHOOK).remove(webhook);
            db.forgetGrants(AuthStore.ResourceType.WEBHOOK, webhook);
        }
    }

    /** The workspace kind of a gateway document kind, when it has one (bindings follow their endpoint). */
    static Optional<Kind> kindOfDocument(String documentKind) {
        return java.util.Arrays.stream(Kind.values()).filter(k -> k.name().startsWith("GATEWAY_")
                && documentKind(k).equals(documentKind)).findFirst();
    }

    private static String documentKind(Kind kind) {
        return switch (kind) {
            case GATEWAY_SECRET -> "secret";
            case GATEWAY_MODEL_DEFINITION -> "model_definition";
            case GATEWAY_ENDPOINT -> "endpoint";
            case GATEWAY_BUDGET -> "budget_policy";
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    private boolean exists(Kind kind, String id) {
        return switch (kind) {
            case EXPERIMENT -> db.experiment(id).isPresent();
            case DATASET -> db.evalDatasets.containsKey(id);
            case WEBHOOK -> db.webhooks.containsKey(id);
            default -> db.gatewayDocuments.getOrDefault(documentKind(kind), Map.of()).containsKey(id);
        };
    }

    @Override
    public Map<String, String> workspacesOf(Kind kind, Collection<String> ids) {
        return db.locked(() -> {
            Map<String, String> out = new HashMap<>();
            for (String id : ids) {
                if (exists(kind, id)) {
                    String key = kind == Kind.EXPERIMENT ? Long.toString(Long.parseLong(id)) : id;
                    out.put(id, db.workspaces(kind).getOrDefault(key, DEFAULT));
                }
            }
            return out;
        });
    }

    @Override
    public void assign(Kind kind, String id, String workspace) {
        String key = kind == Kind.EXPERIMENT ? Long.toString(Tables.requireExperimentId(id)) : id;
        db.locked(() -> {
            if (exists(kind, key)) {
                db.workspaces(kind).put(key, workspace);
            }
        });
    }
}
