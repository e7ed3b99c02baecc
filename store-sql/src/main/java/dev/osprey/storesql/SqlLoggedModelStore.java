package dev.osprey.storesql;

import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import dev.osprey.store.LoggedModelQuery;
import dev.osprey.store.LoggedModelStore;
import dev.osprey.store.NewLoggedModel;
import dev.osprey.store.PageTokens;
import java.util.List;
import java.util.Optional;

/** {@link LoggedModelStore} in the tracking store's database; each method is one transaction. */
final class SqlLoggedModelStore implements LoggedModelStore {
    private final Database db;
    private final LoggedModelsSql sql;

    SqlLoggedModelStore(Database db, ExperimentsSql experiments) {
        this.db = db;
        this.sql = new LoggedModelsSql(db.dialect(), experiments);
    }

    @Override
    public LoggedModel create(NewLoggedModel model) {
        return db.write(c -> {
            sql.create(c, model);
            return sql.get(c, model.modelId(), false).orElseThrow();
        });
    }

    @Override
    public Optional<LoggedModel> get(String modelId, boolean allowDeleted) {
        return db.read(c -> sql.get(c, modelId, allowDeleted));
    }

    @Override
    public LoggedModel finalizeModel(String modelId, LoggedModelStatus status, long now) {
        return db.write(c -> {
            sql.finalizeModel(c, modelId, status, now);
            return sql.get(c, modelId, false).orElseThrow();
        });
    }

    @Override
    public void delete(String modelId, long now) {
        db.update(c -> sql.delete(c, modelId, now));
    }

    @Override
    public void setTags(String modelId, List<Tag> tags, long now) {
        db.update(c -> sql.setTags(c, modelId, tags, now));
    }

    @Override
    public void deleteTag(String modelId, String key) {
        db.update(c -> sql.deleteTag(c, modelId, key));
    }

    @Override
    public void logParams(String modelId, List<Param> params) {
        db.update(c -> {
            sql.requireActive(c, modelId);
            sql.logParams(c, modelId, params);
        });
    }

    @Override
    public Page<LoggedModel> search(LoggedModelQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            List<String> ids = sql.searchIds(c, q, offset, q.maxResults() + 1);
            boolean more = ids.size() > q.maxResults();
            List<String> page = more ? ids.subList(0, q.maxResults()) : ids;
            return new Page<>(sql.page(c, page), more ? Optional.of(PageTokens.offset((long) offset + page.size()))
                    : Optional.empty());
        });
    }
}
