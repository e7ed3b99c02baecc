package dev.osprey.storesql;

import dev.osprey.core.ModelStage;
import dev.osprey.core.ModelVersion;
import dev.osprey.core.Page;
import dev.osprey.core.RegisteredModel;
import dev.osprey.core.Tag;
import dev.osprey.store.NewModelVersion;
import dev.osprey.store.PageTokens;
import dev.osprey.store.RegistryQuery;
import dev.osprey.store.RegistryStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@link RegistryStore} of one workspace in the tracking store's database; each method is one transaction. */
final class SqlRegistryStore implements RegistryStore {
    private final Database db;
    private final RegistrySql sql;
    private final String ws;

    SqlRegistryStore(Database db, String workspace) {
        this.db = db;
        this.ws = workspace;
        this.sql = new RegistrySql(db.dialect(), workspace);
    }

    @Override
    public RegistryStore in(String workspace) {
        return workspace.equals(ws) ? this : new SqlRegistryStore(db, workspace);
    }

    @Override
    public String workspace() {
        return ws;
    }

    private RegisteredModel model(Connection c, String name) throws SQLException {
        return RegistryLoader.models(c, ws, List.of(name)).stream().findFirst()
                .orElseThrow(() -> RegistrySql.modelNotFound(name));
    }

    private ModelVersion version(Connection c, String name, long version) throws SQLException {
        return RegistryLoader.versions(c, ws, List.of(new RegistryLoader.Key(name, version))).stream().findFirst()
                .orElseThrow(() -> RegistrySql.versionNotFound(name, Long.toString(version)));
    }

    @Override
    public RegisteredModel createRegisteredModel(String name, List<Tag> tags, Optional<String> description,
            long now) {
        return db.write(c -> {
            sql.createModel(c, name, tags, description, now);
            return model(c, name);
        });
    }

    @Override
    public Optional<RegisteredModel> getRegisteredModel(String name) {
        return db.read(c -> RegistryLoader.models(c, ws, List.of(name)).stream().findFirst());
    }

    @Override
    public RegisteredModel renameRegisteredModel(String name, String newName, long now) {
        return db.write(c -> {
            sql.renameModel(c, name, newName, now);
            return model(c, newName);
        });
    }

    @Override
    public RegisteredModel updateRegisteredModel(String name, String description, long now) {
        return db.write(c -> {
            sql.updateModel(c, name, description, now);
            return model(c, name);
        });
    }

    @Override
    public void deleteRegisteredModel(String name) {
        db.update(c -> sql.deleteModel(c, name));
    }

    @Override
    public Page<RegisteredModel> searchRegisteredModels(RegistryQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<String> names = RegistrySearchSql.modelNames(c, db.dialect(), ws, q, offset, q.maxResults() + 1);
            boolean more = names.size() > q.maxResults();
            List<String> page = more ? names.subList(0, q.maxResults()) : names;
            return new Page<>(RegistryLoader.models(c, ws, page), more
                    ? Optional.of(PageTokens.offset((long) offset + page.size())) : Optional.empty());
        });
    }

    @Override
    public List<ModelVersion> getLatestVersions(String name, List<ModelStage> stages) {
        return db.read(c -> RegistryLoader.versions(c, ws, sql.latest(c, name, stages)));
    }

    @Override
    public void setRegisteredModelTag(String name, Tag tag, long now) {
        db.update(c -> sql.setModelTag(c, name, tag, now));
    }

    @Override
    public void deleteRegisteredModelTag(String name, String key) {
        db.update(c -> sql.deleteModelTag(c, name, key));
    }

    @Override
    public void setAlias(String name, String alias, String version, long now) {
        db.update(c -> sql.setAlias(c, name, alias, version, now));
    }

    @Override
    public void deleteAlias(String name, String alias) {
        db.update(c -> sql.deleteAlias(c, name, alias));
    }

    @Override
    public ModelVersion getModelVersionByAlias(String name, String alias) {
        return db.read(c -> version(c, name, sql.versionOfAlias(c, name, alias)));
    }

    @Override
    public ModelVersion createModelVersion(NewModelVersion v) {
        return db.write(c -> version(c, v.name(), sql.createVersion(c, v)));
    }

    @Override
    public Optional<ModelVersion> getModelVersion(String name, String version) {
        long n;
        try {
            n = Long.parseLong(version);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return db.read(c -> RegistryLoader.versions(c, ws, List.of(new RegistryLoader.Key(name, n))).stream()
                .findFirst());
    }

    @Override
    public ModelVersion updateModelVersion(String name, String version, String description, long now) {
        return db.write(c -> {
            sql.updateVersion(c, name, version, description, now);
            return version(c, name, Long.parseLong(version));
        });
    }

    @Override
    public void deleteModelVersion(String name, String version, long now) {
        db.update(c -> sql.deleteVersion(c, name, version, now));
    }

    @Override
    public ModelVersion transitionStage(String name, String version, ModelStage stage, boolean archiveExisting,
            long now) {
        return db.write(c -> {
            sql.transition(c, name, version, stage, archiveExisting, now);
            return version(c, name, Long.parseLong(version));
        });
    }

    @Override
    public Page<ModelVersion> searchModelVersions(RegistryQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<RegistryLoader.Key> keys = RegistrySearchSql.versionKeys(c, db.dialect(), ws, q, offset,
                    q.maxResults() + 1);
            boolean more = keys.size() > q.maxResults();
            List<RegistryLoader.Key> page = more ? keys.subList(0, q.maxResults()) : keys;
            return new Page<>(RegistryLoader.versions(c, ws, page), more
                    ? Optional.of(PageTokens.offset((long) offset + page.size())) : Optional.empty());
        });
    }

    @Override
    public void setModelVersionTag(String name, String version, Tag tag, long now) {
        db.update(c -> sql.setVersionTag(c, name, version, tag, now));
    }

    @Override
    public void deleteModelVersionTag(String name, String version, String key) {
        db.update(c -> sql.deleteVersionTag(c, name, version, key));
    }
}
