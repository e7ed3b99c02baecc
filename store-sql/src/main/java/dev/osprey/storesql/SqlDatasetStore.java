package dev.osprey.storesql;

import dev.osprey.store.StoreErrors;
import static org.jooq.impl.DSL.exists;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.selectOne;
import static org.jooq.impl.DSL.table;

import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.search.Ordering;
import dev.osprey.store.DatasetDigest;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.PageTokens;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;

/** {@link DatasetStore} in the tracking store's database (migration V11). */
final class SqlDatasetStore implements DatasetStore {
    private static final String DATASET_COLUMNS = "dataset_id, name, schema_json, profile_json, digest, created_time, "
            + "last_update_time, created_by, last_updated_by";
    private static final String RECORD_COLUMNS = "record_id, dataset_id, inputs_key, inputs_json, expectations_json, "
            + "outputs_json, tags_json, source_json, source_id, source_type, created_time, last_update_time, "
            + "created_by, last_updated_by";
    private static final int MAX_ATTEMPTS = 16;
    private static final String D = "d";
    private final Database db;

    SqlDatasetStore(Database db) {
        this.db = db;
    }

    static OspreyException missing(String datasetId) {
        return StoreErrors.datasetNotFound(datasetId);
    }


    @Override
    public EvalDataset create(NewDataset d) {
        String digest = DatasetDigest.ofParts(List.of());
        return db.write(c -> {
            Jdbc.update(c, "INSERT INTO eval_datasets (" + DATASET_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    d.datasetId(), d.name(), d.schema().orElse(null), d.profile().orElse(null), digest,
                    d.createdTime(), d.createdTime(), d.createdBy().orElse(null), d.createdBy().orElse(null));
            for (Map.Entry<String, String> tag : d.tags().entrySet()) {
                Jdbc.update(c, "INSERT INTO eval_dataset_tags (dataset_id, tag_key, tag_value) VALUES (?, ?, ?)",
                        d.datasetId(), tag.getKey(), tag.getValue());
            }
            link(c, d.datasetId(), d.experimentIds());
            return load(c, d.datasetId()).orElseThrow();
        });
    }

    private static void link(Connection c, String datasetId, List<String> experimentIds) throws SQLException {
        for (String id : experimentIds.stream().distinct().toList()) {
            long experiment = ExperimentsSql.requireId(id);
            if (Jdbc.one(c, "SELECT 1 FROM experiments WHERE experiment_id = ?", rs -> 1, experiment).isEmpty()) {
                throw OspreyException.notFound("No Experiment with id=" + id + " exists");
            }
            if (Jdbc.one(c, "SELECT 1 FROM eval_dataset_experiments WHERE dataset_id = ? AND experiment_id = ?",
                    rs -> 1, datasetId, experiment).isEmpty()) {
                Jdbc.update(c, "INSERT INTO eval_dataset_experiments (dataset_id, experiment_id) VALUES (?, ?)",
                        datasetId, experiment);
            }
        }
    }

    private static Optional<EvalDataset> load(Connection c, String datasetId) throws SQLException {
        Optional<EvalDataset> bare = Jdbc.one(c, "SELECT " + DATASET_COLUMNS + " FROM eval_datasets WHERE "
                + "dataset_id = ?", rs -> dataset(rs, Map.of(), List.of()), datasetId);
        if (bare.isEmpty()) {
            return bare;
        }
        Map<String, String> tags = new TreeMap<>();
        for (Map.Entry<String, String> tag : Jdbc.list(c, "SELECT tag_key, tag_value FROM eval_dataset_tags WHERE "
                + "dataset_id = ?", rs -> Map.entry(rs.getString(1), Objects.requireNonNullElse(rs.getString(2), "")),
                datasetId)) {
            tags.put(tag.getKey(), tag.getValue());
        }
        List<String> experiments = Jdbc.list(c, "SELECT experiment_id FROM eval_dataset_experiments WHERE "
                + "dataset_id = ? ORDER BY experiment_id", rs -> Long.toString(rs.getLong(1)), datasetId);
        EvalDataset d = bare.get();
        return Optional.of(new EvalDataset(d.datasetId(), d.name(), tags, d.schema(), d.profile(), d.digest(),
                d.createdTime(), d.lastUpdateTime(), d.createdBy(), d.lastUpdatedBy(), experiments));
    }

    private static EvalDataset dataset(ResultSet rs, Map<String, String> tags, List<String> experiments)
            throws SQLException {
        return new EvalDataset(rs.getString(1), rs.getString(2), tags, Optional.ofNullable(rs.getString(3)),
                Optional.ofNullable(rs.getString(4)), rs.getString(5), rs.getLong(6), rs.getLong(7),
                Optional.ofNullable(rs.getString(8)), Optional.ofNullable(rs.getString(9)), experiments);
    }

    private static void requireExists(Connection c, String datasetId) throws SQLException {
        if (Jdbc.one(c, "SELECT 1 FROM eval_datasets WHERE dataset_id = ?", rs -> 1, datasetId).isEmpty()) {
            throw missing(datasetId);
        }
    }

    private static void touch(Connection c, String datasetId, Optional<String> by, long now) throws SQLException {
        if (by.isPresent()) {
            Jdbc.update(c, "UPDATE eval_datasets SET last_update_time = ?, last_updated_by = ? WHERE dataset_id = ?",
                    now, by.get(), datasetId);
        } else {
            Jdbc.update(c, "UPDATE eval_datasets SET last_update_time = ? WHERE dataset_id = ?", now, datasetId);
        }
    }

    @Override
    public Optional<EvalDataset> get(String datasetId) {
        return db.read(c -> load(c, datasetId));
    }

    @Override
    public boolean delete(String datasetId) {
        return db.write(c -> delete(c, datasetId));
    }

    /** The dataset with its records, tags, experiment links and grants, inside the caller's transaction. */
    static boolean delete(Connection c, String datasetId) throws SQLException {
        for (String table : List.of("eval_dataset_records", "eval_dataset_tags", "eval_dataset_experiments")) {
            Jdbc.update(c, "DELETE FROM " + table + " WHERE dataset_id = ?", datasetId);
        }
        Grants.forget(c, dev.osprey.store.AuthStore.ResourceType.DATASET, datasetId);
        return Jdbc.update(c, "DELETE FROM eval_datasets WHERE dataset_id = ?", datasetId) > 0;
    }

    @Override
    public Page<EvalDataset> search(DatasetQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.read(c -> {
            org.jooq.Field<String> id = field(name(D, "dataset_id"), String.class);
            Condition where = DSL.trueCondition();
            if (!q.experimentIds().isEmpty()) {
                List<Long> experiments = q.experimentIds().stream().map(ExperimentsSql::requireId).toList();
                where = where.and(exists(selectOne().from(table(name("eval_dataset_experiments")).as("x"))
                        .where(field(name("x", "dataset_id"), String.class).eq(id))
                        .and(field(name("x", "experiment_id"), Long.class).in(experiments))));
            }
            int i = 0;
            for (dev.osprey.search.Condition clause : q.filter()) {
                where = where.and(condition(clause, "t" + i++, id));
            }
            List<SortField<?>> order = new ArrayList<>();
            for (Ordering o : q.orderBy()) {
                org.jooq.Field<Object> f = field(name(D, o.key()));
                order.add(o.ascending() ? f.asc() : f.desc());
            }
            if (q.orderBy().isEmpty()) {
                order.add(field(name(D, "created_time")).desc());
            }
            order.add(id.asc());
            List<String> ids = DSL.using(c, db.dialect().jooq()).select(id).from(table(name("eval_datasets")).as(D))
                    .where(where).orderBy(order).limit(q.maxResults() + 1).offset(offset).fetch(id);
            List<EvalDataset> page = new ArrayList<>();
            for (String datasetId : ids.subList(0, Math.min(ids.size(), q.maxResults()))) {
                load(c, datasetId).ifPresent(page::add);
            }
            return new Page<>(page, ids.size() > q.maxResults()
                    ? Optional.of(PageTokens.offset(offset + q.maxResults())) : Optional.empty());
        });
    }

    private static Condition condition(dev.osprey.search.Condition c, String alias, org.jooq.Field<String> id) {
        return switch (c.field()) {
            case TAG -> exists(selectOne().from(table(name("eval_dataset_tags")).as(alias))
                    .where(field(name(alias, "dataset_id"), String.class).eq(id))
                    .and(field(name(alias, "tag_key"), String.class).eq(c.key()))
                    .and(SqlConditions.text(field(name(alias, "tag_value"), String.class), c)));
            case ATTRIBUTE -> c.key().endsWith("_time")
                    ? SqlConditions.integer(field(name(D, c.key()), Long.class), c)
                    : SqlConditions.text(field(name(D, c.key()), String.class), c);
            default -> throw new IllegalStateException(c.field().name());
        };
    }

    @Override
    public void setTags(String datasetId, Map<String, String> tags, Optional<String> updatedBy, long now) {
        db.write(c -> {
            requireExists(c, datasetId);
            for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
                if (Jdbc.update(c, "UPDATE eval_dataset_tags SET tag_value = ? WHERE dataset_id = ? AND tag_key = ?",
                        tag.getValue(), datasetId, tag.getKey()) == 0) {
                    Jdbc.update(c, "INSERT INTO eval_dataset_tags (dataset_id, tag_key, tag_value) VALUES (?, ?, ?)",
                            datasetId, tag.getKey(), tag.getValue());
                }
            }
            touch(c, datasetId, updatedBy, now);
            return null;
        });
    }

    @Override
    public void deleteTag(String datasetId, String key, long now) {
        db.write(c -> {
            requireExists(c, datasetId);
            if (Jdbc.update(c, "DELETE FROM eval_dataset_tags WHERE dataset_id = ? AND tag_key = ?", datasetId,
                    key) > 0) {
                touch(c, datasetId, Optional.empty(), now);
            }
            return null;
        });
    }

    @Override
    public UpsertCounts upsertRecords(String datasetId, List<DatasetRecord> records, RecordMerge merge,
            Optional<String> updatedBy, long now) {
        // Two upserts inserting the same new inputs at once: the unique index refuses one; it runs again and merges.
        return db.writeRetryingConflicts(MAX_ATTEMPTS, c -> upsertOnce(c, datasetId, records, merge, updatedBy,
                now));
    }

    private UpsertCounts upsertOnce(Connection c, String datasetId, List<DatasetRecord> records, RecordMerge merge,
            Optional<String> updatedBy, long now) throws SQLException {
        requireExists(c, datasetId);
        long seq = Jdbc.one(c, "SELECT MAX(seq) FROM eval_dataset_records WHERE dataset_id = ?", rs -> rs.getLong(1),
                datasetId).orElse(0L);
        int inserted = 0;
        int updated = 0;
        for (DatasetRecord incoming : records) {
            Optional<DatasetRecord> existing = Jdbc.one(c, "SELECT " + RECORD_COLUMNS + " FROM eval_dataset_records "
                    + "WHERE dataset_id = ? AND inputs_key = ?", SqlDatasetStore::record, datasetId,
                    incoming.inputsKey());
            if (existing.isPresent()) {
                DatasetRecord r = merge.merge(existing.get(), incoming);
                Jdbc.update(c, "UPDATE eval_dataset_records SET expectations_json = ?, outputs_json = ?, tags_json = ?, "
                        + "source_json = ?, source_id = ?, source_type = ?, last_update_time = ?, last_updated_by = ? "
                        + "WHERE record_id = ?", r.expectationsJson(), r.outputsJson().orElse(null), r.tagsJson(),
                        r.sourceJson().orElse(null), r.sourceId().orElse(null), r.sourceType(), now,
                        r.lastUpdatedBy().orElse(null), existing.get().recordId());
                updated++;
            } else {
                Jdbc.update(c, "INSERT INTO eval_dataset_records (" + RECORD_COLUMNS + ", seq) VALUES (?, ?, ?, ?, ?, "
                        + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", incoming.recordId(), datasetId, incoming.inputsKey(),
                        incoming.inputsJson(), incoming.expectationsJson(), incoming.outputsJson().orElse(null),
                        incoming.tagsJson(), incoming.sourceJson().orElse(null), incoming.sourceId().orElse(null),
                        incoming.sourceType(), now, now, incoming.createdBy().orElse(null),
                        incoming.lastUpdatedBy().orElse(null), ++seq);
                inserted++;
            }
        }
        refreshDigest(c, datasetId);
        touch(c, datasetId, updatedBy, now);
        return new UpsertCounts(inserted, updated);
    }

    /** The digest covers every record's identity and last change, so it moves whenever the content does. */
    private static void refreshDigest(Connection c, String datasetId) throws SQLException {
        List<String> parts = Jdbc.list(c, "SELECT inputs_key, last_update_time FROM eval_dataset_records WHERE "
                + "dataset_id = ? ORDER BY inputs_key", rs -> rs.getString(1) + ":" + rs.getLong(2), datasetId);
        Jdbc.update(c, "UPDATE eval_datasets SET digest = ? WHERE dataset_id = ?", DatasetDigest.ofParts(parts),
                datasetId);
    }

    private static DatasetRecord record(ResultSet rs) throws SQLException {
        return new DatasetRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                Optional.ofNullable(rs.getString(6)), rs.getString(7), Optional.ofNullable(rs.getString(8)),
                Optional.ofNullable(rs.getString(9)), rs.getString(10), rs.getLong(11), rs.getLong(12),
                Optional.ofNullable(rs.getString(13)), Optional.ofNullable(rs.getString(14)));
    }

    @Override
    public Page<DatasetRecord> records(String datasetId, int maxResults, Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        return db.read(c -> {
            requireExists(c, datasetId);
            List<DatasetRecord> rows = Jdbc.list(c, "SELECT " + RECORD_COLUMNS + " FROM eval_dataset_records WHERE "
                    + "dataset_id = ? ORDER BY seq, record_id LIMIT ? OFFSET ?", SqlDatasetStore::record, datasetId,
                    maxResults + 1, offset);
            return new Page<>(rows.subList(0, Math.min(rows.size(), maxResults)), rows.size() > maxResults
                    ? Optional.of(PageTokens.offset(offset + maxResults)) : Optional.empty());
        });
    }

    @Override
    public int deleteRecords(String datasetId, List<String> recordIds, long now) {
        if (recordIds.isEmpty()) {
            return 0;
        }
        return db.write(c -> {
            requireExists(c, datasetId);
            List<Object> args = new ArrayList<>();
            args.add(datasetId);
            args.addAll(recordIds);
            int deleted = Jdbc.update(c, "DELETE FROM eval_dataset_records WHERE dataset_id = ? AND record_id IN ("
                    + Jdbc.marks(recordIds.size()) + ")", args.toArray());
            if (deleted > 0) {
                refreshDigest(c, datasetId);
                touch(c, datasetId, Optional.empty(), now);
            }
            return deleted;
        });
    }

    @Override
    public void addExperiments(String datasetId, List<String> experimentIds, long now) {
        db.write(c -> {
            requireExists(c, datasetId);
            link(c, datasetId, experimentIds);
            touch(c, datasetId, Optional.empty(), now);
            return null;
        });
    }

    @Override
    public void removeExperiments(String datasetId, List<String> experimentIds, long now) {
        db.write(c -> {
            requireExists(c, datasetId);
            for (String id : experimentIds) {
                Jdbc.update(c, "DELETE FROM eval_dataset_experiments WHERE dataset_id = ? AND experiment_id = ?",
                        datasetId, ExperimentsSql.requireId(id));
            }
            touch(c, datasetId, Optional.empty(), now);
            return null;
        });
    }
}
