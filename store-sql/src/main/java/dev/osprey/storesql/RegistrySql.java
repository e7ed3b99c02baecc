package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Tag;
import dev.osprey.store.NewModelVersion;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The registry's writes and single-entity reads in one workspace (names are unique per workspace, V19), each inside
 * the caller's transaction.
 */
final class RegistrySql {
    private static final String VISIBLE = "current_stage <> '" + ModelStage.DELETED_INTERNAL + "'";
    /** Every statement's key: a model is a workspace and a name. */
    private static final String MODEL = "workspace = ? AND name = ?";
    private final SqlDialect dialect;
    private final String ws;

    RegistrySql(SqlDialect dialect, String workspace) {
        this.dialect = dialect;
        this.ws = workspace;
    }

    String workspace() {
        return ws;
    }

    private String grantId(String name) {
        return dev.osprey.store.ModelGrantId.of(ws, name);
    }

    private boolean exists(Connection c, String name) throws SQLException {
        return Jdbc.one(c, "SELECT 1 FROM registered_models WHERE " + MODEL, rs -> true, ws, name).isPresent();
    }

    static OspreyException modelNotFound(String name) {
        return StoreErrors.registeredModelNotFound(name);
    }

    static OspreyException versionNotFound(String name, String version) {
        return StoreErrors.modelVersionNotFound(name, version);
    }

    private static OspreyException modelExists(String name) {
        return new OspreyException(ErrorCode.RESOURCE_ALREADY_EXISTS, "Registered Model (name=" + name
                + ") already exists.");
    }

    /** Locks the model row (version numbering and renames then run one at a time per model). */
    void lockModel(Connection c, String name) throws SQLException {
        if (Jdbc.one(c, "SELECT 1 FROM registered_models WHERE " + MODEL + dialect.forUpdate(), rs -> true, ws,
                name).isEmpty()) {
            throw modelNotFound(name);
        }
    }

    private static long number(String name, String version) {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            throw versionNotFound(name, version);
        }
    }

    /** The version's number, after checking it exists and is not deleted. */
    long requireVersion(Connection c, String name, String version) throws SQLException {
        long n = number(name, version);
        if (Jdbc.one(c, "SELECT 1 FROM model_versions WHERE " + MODEL + " AND version = ? AND " + VISIBLE,
                rs -> true, ws, name, n).isEmpty()) {
            throw versionNotFound(name, version);
        }
        return n;
    }

    private void touchModel(Connection c, String name, long now) throws SQLException {
        Jdbc.update(c, "UPDATE registered_models SET last_updated_time = ? WHERE " + MODEL, now, ws, name);
    }

    void createModel(Connection c, String name, List<Tag> tags, Optional<String> description, long now)
            throws SQLException {
        if (exists(c, name)) {
            throw modelExists(name);
        }
        try {
            Jdbc.update(c, "INSERT INTO registered_models (name, creation_time, last_updated_time, description, "
                    + "workspace) VALUES (?, ?, ?, ?, ?)", name, now, now, description.filter(d -> !d.isEmpty())
                    .orElse(null), ws);
        } catch (SQLException e) {
            if (dialect.isUniqueViolation(e)) {
                throw modelExists(name);
            }
            throw e;
        }
        for (Tag tag : tags) {
            upsertModelTag(c, name, tag);
        }
    }

    void renameModel(Connection c, String name, String newName, long now) throws SQLException {
        lockModel(c, name);
        if (name.equals(newName)) {
            touchModel(c, name, now);
            return;
        }
        if (exists(c, newName)) {
            throw new OspreyException(ErrorCode.RESOURCE_ALREADY_EXISTS, "Registered Model (name=" + newName
                    + ") already exists. Error: the name is taken.");
        }
        Jdbc.update(c, "INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) "
                + "SELECT ?, creation_time, ?, description, workspace FROM registered_models WHERE " + MODEL, newName,
                now, ws, name);
        for (String table : List.of("registered_model_tags", "model_version_tags", "registered_model_aliases")) {
            Jdbc.update(c, "UPDATE " + table + " SET name = ? WHERE " + MODEL, newName, ws, name);
        }
        Jdbc.update(c, "UPDATE model_versions SET name = ?, last_updated_time = ? WHERE " + MODEL, newName, now,
                ws, name);
        Jdbc.update(c, "DELETE FROM registered_models WHERE " + MODEL, ws, name);
        Grants.move(c, dev.osprey.store.AuthStore.ResourceType.REGISTERED_MODEL, grantId(name), grantId(newName));
    }

    void updateModel(Connection c, String name, String description, long now) throws SQLException {
        lockModel(c, name);
        Jdbc.update(c, "UPDATE registered_models SET description = ?, last_updated_time = ? WHERE " + MODEL,
                description.isEmpty() ? null : description, now, ws, name);
    }

    void deleteModel(Connection c, String name) throws SQLException {
        lockModel(c, name);
        for (String table : List.of("registered_model_aliases", "model_version_tags", "model_versions",
                "registered_model_tags", "registered_models")) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE " + MODEL, ws, name);
        }
        Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.REGISTERED_MODEL, grantId(name));
    }

    void setModelTag(Connection c, String name, Tag tag, long now) throws SQLException {
        lockModel(c, name);
        upsertModelTag(c, name, tag);
        touchModel(c, name, now);
    }

    private void upsertModelTag(Connection c, String name, Tag tag) throws SQLException {
        Jdbc.update(c, dialect.upsert("registered_model_tags", "workspace, name, tag_key, tag_value",
                "workspace, name, tag_key", "tag_value"), ws, name, tag.key(), tag.value());
    }

    void deleteModelTag(Connection c, String name, String key) throws SQLException {
        lockModel(c, name);
        Jdbc.update(c, "DELETE FROM registered_model_tags WHERE " + MODEL + " AND tag_key = ?", ws, name, key);
    }

    void setAlias(Connection c, String name, String alias, String version, long now) throws SQLException {
        lockModel(c, name);
        long n = requireVersion(c, name, version);
        Jdbc.update(c, dialect.upsert("registered_model_aliases", "workspace, name, alias, version",
                "workspace, name, alias", "version"), ws, name, alias, n);
        touchModel(c, name, now);
    }

    void deleteAlias(Connection c, String name, String alias) throws SQLException {
        lockModel(c, name);
        Jdbc.update(c, "DELETE FROM registered_model_aliases WHERE " + MODEL + " AND alias = ?", ws, name, alias);
    }

    long versionOfAlias(Connection c, String name, String alias) throws SQLException {
        if (!exists(c, name)) {
            throw modelNotFound(name);
        }
        return Jdbc.one(c, "SELECT version FROM registered_model_aliases WHERE " + MODEL + " AND alias = ?",
                rs -> rs.getLong(1), ws, name, alias)
                .orElseThrow(() -> OspreyException.invalid("Registered model alias " + alias + " not found."));
    }

    long createVersion(Connection c, NewModelVersion v) throws SQLException {
        lockModel(c, v.name());
        long n = Jdbc.one(c, "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE " + MODEL,
                rs -> rs.getLong(1), ws, v.name()).orElse(1L);
        Jdbc.update(c, "INSERT INTO model_versions (workspace, " + RegistryLoader.VERSION_COLUMNS + ") VALUES (?, ?, "
                + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ws, v.name(), n, v.now(), v.now(), v.description().filter(d -> !d.isEmpty())
                .orElse(null), "", ModelStage.NONE.wireName(), v.source(), v.runId(), v.runLink(), ModelVersion.READY,
                v.storageLocation(), v.modelId().orElse(null));
        for (Tag tag : v.tags()) {
            upsertVersionTag(c, v.name(), n, tag);
        }
        touchModel(c, v.name(), v.now());
        return n;
    }

    void updateVersion(Connection c, String name, String version, String description, long now) throws SQLException {
        long n = requireVersion(c, name, version);
        Jdbc.update(c, "UPDATE model_versions SET description = ?, last_updated_time = ? WHERE " + MODEL + " AND "
                + "version = ?", description.isEmpty() ? null : description, now, ws, name, n);
    }

    void deleteVersion(Connection c, String name, String version, long now) throws SQLException {
        lockModel(c, name);
        long n = requireVersion(c, name, version);
        Jdbc.update(c, "UPDATE model_versions SET current_stage = ?, description = NULL, user_id = '', "
                + "source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', "
                + "last_updated_time = ? WHERE " + MODEL + " AND version = ?", ModelStage.DELETED_INTERNAL, now, ws,
                name, n);
        Jdbc.update(c, "DELETE FROM registered_model_aliases WHERE " + MODEL + " AND version = ?", ws, name, n);
        touchModel(c, name, now);
    }

    void transition(Connection c, String name, String version, ModelStage stage, boolean archiveExisting, long now)
            throws SQLException {
        if (archiveExisting && !stage.isActive()) {
            throw OspreyException.invalid("Model version transition cannot archive existing model versions because '"
                    + stage.wireName() + "' is not an Active stage. Valid stages are Staging, Production.");
        }
        lockModel(c, name);
        long n = requireVersion(c, name, version);
        if (archiveExisting) {
            Jdbc.update(c, "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE " + MODEL
                    + " AND version <> ? AND current_stage = ?", ModelStage.ARCHIVED.wireName(), now, ws, name, n,
                    stage.wireName());
        }
        Jdbc.update(c, "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE " + MODEL + " AND "
                + "version = ?", stage.wireName(), now, ws, name, n);
        touchModel(c, name, now);
    }

    void setVersionTag(Connection c, String name, String version, Tag tag, long now) throws SQLException {
        long n = requireVersion(c, name, version);
        upsertVersionTag(c, name, n, tag);
    }

    private void upsertVersionTag(Connection c, String name, long version, Tag tag) throws SQLException {
        Jdbc.update(c, dialect.upsert("model_version_tags", "workspace, name, version, tag_key, tag_value",
                "workspace, name, version, tag_key", "tag_value"), ws, name, version, tag.key(), tag.value());
    }

    void deleteVersionTag(Connection c, String name, String version, String key) throws SQLException {
        long n = requireVersion(c, name, version);
        Jdbc.update(c, "DELETE FROM model_version_tags WHERE " + MODEL + " AND version = ? AND tag_key = ?", ws,
                name, n, key);
    }

    /** Latest visible version numbers per stage, ascending by stage order, for the given stages (all if empty). */
    List<RegistryLoader.Key> latest(Connection c, String name, List<ModelStage> stages) throws SQLException {
        if (!exists(c, name)) {
            throw modelNotFound(name);
        }
        String stageFilter = stages.isEmpty() ? "" : " AND current_stage IN (" + Jdbc.marks(stages.size()) + ")";
        List<Object> args = new java.util.ArrayList<>(List.of(ws, name));
        stages.forEach(s -> args.add(s.wireName()));
        return Jdbc.list(c, "SELECT name, MAX(version) FROM model_versions WHERE " + MODEL + " AND " + VISIBLE
                + stageFilter + " GROUP BY name, current_stage ORDER BY MAX(version)",
                rs -> new RegistryLoader.Key(rs.getString(1), rs.getLong(2)), args.toArray());
    }
}
