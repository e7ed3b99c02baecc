package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.store.WorkspaceStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link WorkspaceStore} in the tracking store's database (migrations V16, V17, V19): the {@code workspaces} table and
 * the {@code workspace} column of experiments, registered models (and their versions, tags and aliases), gateway
 * documents and datasets.
 */
final class SqlWorkspaceStore implements WorkspaceStore {
    private static final String COLUMNS = "name, description, default_artifact_root, created_at";
    private static final int IN_CHUNK = 500;

    /** Where each kind's workspace is kept: table, id column, and the gateway document kind when there is one. */
    private record Place(String table, String idColumn, Optional<String> documentKind) {
        String where() {
            return documentKind.map(k -> " AND kind = '" + k + "'").orElse("");
        }
    }

    private static Place place(Kind kind) {
        return switch (kind) {
            case EXPERIMENT -> new Place("experiments", "experiment_id", Optional.empty());
            case GATEWAY_SECRET -> new Place("gateway_documents", "id", Optional.of("secret"));
            case GATEWAY_MODEL_DEFINITION -> new Place("gateway_documents", "id", Optional.of("model_definition"));
            case GATEWAY_ENDPOINT -> new Place("gateway_documents", "id", Optional.of("endpoint"));
            case DATASET -> new Place("eval_datasets", "dataset_id", Optional.empty());
            case WEBHOOK -> new Place("webhooks", "webhook_id", Optional.empty());
            case GATEWAY_BUDGET -> new Place("gateway_documents", "id", Optional.of("budget_policy"));
        };
    }

    /** The registry's tables: each row names its model's workspace. */
    private static final List<String> REGISTRY_TABLES = List.of("registered_models", "registered_model_tags",
            "model_versions", "model_version_tags", "registered_model_aliases");

    private final Database db;
    private final PurgeSql purge;

    SqlWorkspaceStore(Database db, PurgeSql purge) {
        this.db = db;
        this.purge = purge;
    }

    private static Workspace row(ResultSet rs) throws SQLException {
        return new Workspace(rs.getString(1), Optional.ofNullable(rs.getString(2)).orElse(""),
                Optional.ofNullable(rs.getString(3)).filter(r -> !r.isEmpty()), rs.getLong(4));
    }

    private static OspreyException notFound(String name) {
        return StoreErrors.workspaceNotFound(name);
    }

    @Override
    public List<Workspace> list() {
        return db.read(c -> Jdbc.list(c, "SELECT " + COLUMNS + " FROM workspaces ORDER BY name",
                SqlWorkspaceStore::row));
    }

    @Override
    public Optional<Workspace> get(String name) {
        return db.read(c -> Jdbc.one(c, "SELECT " + COLUMNS + " FROM workspaces WHERE name = ?",
                SqlWorkspaceStore::row, name));
    }

    @Override
    public void create(Workspace w) {
        try {
            db.update(c -> {
                if (Jdbc.one(c, "SELECT 1 FROM workspaces WHERE name = ?", rs -> true, w.name()).isPresent()) {
                    throw exists(w.name());
                }
                Jdbc.update(c, "INSERT INTO workspaces (" + COLUMNS + ") VALUES (?, ?, ?, ?)", w.name(),
                        w.description(), w.defaultArtifactRoot().orElse(null), w.createdAt());
            });
        } catch (ServerFailure e) {
            if (e.getCause() instanceof SQLException sql && db.dialect().isUniqueViolation(sql)) {
                throw exists(w.name());
            }
            throw e;
        }
    }

    private static OspreyException exists(String name) {
        return OspreyException.alreadyExists("Workspace '" + name + "' already exists.");
    }

    @Override
    public Workspace update(String name, Optional<String> description, Optional<String> defaultArtifactRoot) {
        return db.write(c -> {
            if (Jdbc.one(c, "SELECT 1 FROM workspaces WHERE name = ?" + db.dialect().forUpdate(), rs -> true, name)
                    .isEmpty()) {
                throw notFound(name);
            }
            if (description.isPresent()) {
                Jdbc.update(c, "UPDATE workspaces SET description = ? WHERE name = ?", description.get(), name);
            }
            if (defaultArtifactRoot.isPresent()) {
                Jdbc.update(c, "UPDATE workspaces SET default_artifact_root = ? WHERE name = ?",
                        defaultArtifactRoot.filter(r -> !r.isEmpty()).orElse(null), name);
            }
            return Jdbc.one(c, "SELECT " + COLUMNS + " FROM workspaces WHERE name = ?", SqlWorkspaceStore::row, name)
                    .orElseThrow();
        });
    }

    @Override
    public void delete(String name, DeletionMode mode) {
        if (name.equals(DEFAULT)) {
            throw OspreyException.invalid("Cannot delete the reserved '" + DEFAULT + "' workspace.");
        }
        db.update(c -> {
            if (Jdbc.one(c, "SELECT 1 FROM workspaces WHERE name = ?" + db.dialect().forUpdate(), rs -> true, name)
                    .isEmpty()) {
                throw notFound(name);
            }
            switch (mode) {
                case RESTRICT -> refuseIfNotEmpty(c, name);
                case SET_DEFAULT -> moveToDefault(c, name);
                case CASCADE -> deleteResources(c, name);
            }
            Jdbc.update(c, "DELETE FROM workspaces WHERE name = ?", name);
            Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.WORKSPACE, name);
        });
    }

    private static void refuseIfNotEmpty(Connection c, String name) throws SQLException {
        for (Kind kind : Kind.values()) {
            Place p = place(kind);
            refuseIfAny(c, name, p.table(), p.where(), kind.name());
        }
        refuseIfAny(c, name, "registered_models", "", "registered model");
    }

    private static void refuseIfAny(Connection c, String name, String table, String where, String what)
            throws SQLException {
        long n = Jdbc.one(c, "SELECT COUNT(*) FROM " + table + " WHERE workspace = ?" + where, rs -> rs.getLong(1),
                name).orElse(0L);
        if (n > 0) {
            throw new OspreyException(ErrorCode.RESOURCE_CONFLICT, "Cannot delete workspace '" + name + "': it "
                    + "still holds " + n + " " + what.toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + "(s). Delete or move them first, or delete with mode=CASCADE or mode=SET_DEFAULT.");
        }
    }

    /**
     * Experiment and model names are unique per workspace: moving is refused, naming every clash, when the default
     * workspace has any of them (MLflow's preflight check). Grants on the models follow their new ids.
     */
    private static void moveToDefault(Connection c, String name) throws SQLException {
        List<String> clashes = new ArrayList<>();
        for (String table : List.of("experiments", "registered_models")) {
            for (String taken : Jdbc.list(c, "SELECT w.name FROM " + table + " w JOIN " + table + " d ON d.name = "
                    + "w.name AND d.workspace = ? WHERE w.workspace = ? ORDER BY w.name", rs -> rs.getString(1),
                    DEFAULT, name)) {
                clashes.add(table + ": '" + taken + "'");
            }
        }
        for (String[] taken : Jdbc.list(c, "SELECT w.kind, w.name FROM gateway_documents w JOIN gateway_documents d "
                + "ON d.kind = w.kind AND d.name = w.name AND d.workspace = ? WHERE w.workspace = ? ORDER BY w.kind, "
                + "w.name", rs -> new String[] {rs.getString(1), rs.getString(2)}, DEFAULT, name)) {
            clashes.add("gateway " + taken[0] + ": '" + taken[1] + "'");
        }
        if (!clashes.isEmpty()) {
            throw StoreErrors.namesTakenInDefault(name, clashes);
        }
        for (String model : Jdbc.list(c, "SELECT name FROM registered_models WHERE workspace = ?",
                rs -> rs.getString(1), name)) {
            Grants.move(c, dev.osprey.store.AuthStore.ResourceType.REGISTERED_MODEL,
                    dev.osprey.store.ModelGrantId.of(name, model), dev.osprey.store.ModelGrantId.of(DEFAULT, model));
        }
        List<String> tables = new ArrayList<>(List.of("experiments", "gateway_documents", "gateway_usage",
                "eval_datasets", "webhooks"));
        tables.addAll(REGISTRY_TABLES);
        for (String table : tables) {
            Jdbc.update(c, "UPDATE " + table + " SET workspace = ? WHERE workspace = ?", DEFAULT, name);
        }
    }

    /** Experiments go with everything under them (runs, traces, logged models, scorers, jobs), models with versions. */
    private void deleteResources(Connection c, String name) throws SQLException {
        for (Long id : Jdbc.list(c, "SELECT experiment_id FROM experiments WHERE workspace = ?", rs -> rs.getLong(1),
                name)) {
            Jdbc.update(c, "UPDATE experiments SET lifecycle_stage = 'deleted' WHERE experiment_id = ?", id);
            purge.purgeExperiment(c, Long.toString(id));
        }
        RegistrySql registry = new RegistrySql(db.dialect(), name);
        for (String model : Jdbc.list(c, "SELECT name FROM registered_models WHERE workspace = ?",
                rs -> rs.getString(1), name)) {
            registry.deleteModel(c, model);
        }
        for (String[] doc : Jdbc.list(c, "SELECT kind, id FROM gateway_documents WHERE workspace = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, name)) {
            SqlGatewayStore.forgetGrants(c, doc[0], doc[1]);
        }
        Jdbc.update(c, "DELETE FROM gateway_documents WHERE workspace = ?", name);
        Jdbc.update(c, "DELETE FROM gateway_usage WHERE workspace = ?", name);
        for (String dataset : Jdbc.list(c, "SELECT dataset_id FROM eval_datasets WHERE workspace = ?",
                rs -> rs.getString(1), name)) {
            SqlDatasetStore.delete(c, dataset);
        }
        for (String webhook : Jdbc.list(c, "SELECT webhook_id FROM webhooks WHERE workspace = ?",
                rs -> rs.getString(1), name)) {
            SqlWebhookStore.delete(c, webhook);
        }
    }

    @Override
    public Map<String, String> workspacesOf(Kind kind, Collection<String> ids) {
        Place p = place(kind);
        List<Object> keys = new ArrayList<>();
        for (String id : ids) {
            if (kind == Kind.EXPERIMENT) {
                ExperimentsSql.parseId(id).ifPresent(keys::add);
            } else {
                keys.add(id);
            }
        }
        if (keys.isEmpty()) {
            return Map.of();
        }
        return db.read(c -> {
            Map<String, String> out = new HashMap<>();
            for (int from = 0; from < keys.size(); from += IN_CHUNK) {
                List<Object> chunk = keys.subList(from, Math.min(keys.size(), from + IN_CHUNK));
                for (String[] r : Jdbc.list(c, "SELECT " + p.idColumn() + ", workspace FROM " + p.table() + " WHERE "
                        + p.idColumn() + " IN (" + Jdbc.marks(chunk.size()) + ")" + p.where(),
                        rs -> new String[] {rs.getString(1), rs.getString(2)}, chunk.toArray())) {
                    out.put(r[0], r[1]);
                }
            }
            return out;
        });
    }

    @Override
    public void assign(Kind kind, String id, String workspace) {
        Place p = place(kind);
        Object key = kind == Kind.EXPERIMENT ? ExperimentsSql.requireId(id) : id;
        db.update(c -> Jdbc.update(c, "UPDATE " + p.table() + " SET workspace = ? WHERE " + p.idColumn() + " = ?"
                + p.where(), workspace, key));
    }
}
