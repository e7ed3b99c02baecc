package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import dev.osprey.store.AuthStore;
import dev.osprey.store.DatasetDigest;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.PageTokens;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** {@link DatasetStore} on the in-memory tables. */
final class MemoryDatasetStore implements DatasetStore {
    private final MemoryDatabase db;

    MemoryDatasetStore(MemoryDatabase db) {
        this.db = db;
    }

    static final class Row {
        final String id;
        final String name;
        final Optional<String> schema;
        final Optional<String> profile;
        String digest = DatasetDigest.ofParts(List.of());
        final long created;
        long updated;
        final Optional<String> createdBy;
        Optional<String> lastUpdatedBy;
        final TreeMap<String, String> tags = new TreeMap<>();
        final TreeSet<Long> experiments = new TreeSet<>();
        /** Records by inputs key, in insertion order. */
        final Map<String, DatasetRecord> records = new LinkedHashMap<>();

        Row(NewDataset d) {
            this.id = d.datasetId();
            this.name = d.name();
            this.schema = d.schema();
            this.profile = d.profile();
            this.created = d.createdTime();
            this.updated = d.createdTime();
            this.createdBy = d.createdBy();
            this.lastUpdatedBy = d.createdBy();
        }

        EvalDataset dataset() {
            return new EvalDataset(id, name, tags, schema, profile, digest, created, updated, createdBy,
                    lastUpdatedBy, experiments.stream().map(String::valueOf).toList());
        }

        void touch(Optional<String> by, long now) {
            updated = now;
            if (by.isPresent()) {
                lastUpdatedBy = by;
            }
        }
    }


    private Row require(String datasetId) {
        Row r = db.evalDatasets.get(datasetId);
        if (r == null) {
            throw StoreErrors.datasetNotFound(datasetId);
        }
        return r;
    }

    /** The experiments to link, each checked to exist. */
    private List<Long> existingExperiments(List<String> experimentIds) {
        List<Long> out = new ArrayList<>();
        for (String id : experimentIds.stream().distinct().toList()) {
            long experiment = Tables.requireExperimentId(id);
            if (!db.experiments.containsKey(experiment)) {
                throw OspreyException.notFound("No Experiment with id=" + id + " exists");
            }
            out.add(experiment);
        }
        return out;
    }

    @Override
    public EvalDataset create(NewDataset d) {
        return db.locked(() -> {
            if (db.evalDatasets.containsKey(d.datasetId())) {
                throw OspreyException.alreadyExists("Evaluation dataset " + d.datasetId() + " already exists.");
            }
            List<Long> experiments = existingExperiments(d.experimentIds());
            Row r = new Row(d);
            r.tags.putAll(d.tags());
            r.experiments.addAll(experiments);
            db.evalDatasets.put(r.id, r);
            db.workspaces(WorkspaceStore.Kind.DATASET).putIfAbsent(r.id, WorkspaceStore.DEFAULT);
            return r.dataset();
        });
    }

    @Override
    public Optional<EvalDataset> get(String datasetId) {
        return db.locked(() -> Optional.ofNullable(db.evalDatasets.get(datasetId)).map(Row::dataset));
    }

    @Override
    public boolean delete(String datasetId) {
        return db.locked(() -> removeDataset(db, datasetId));
    }

    /** The dataset with its records, tags, experiment links and grants. */
    static boolean removeDataset(MemoryDatabase db, String datasetId) {
        db.forgetGrants(AuthStore.ResourceType.DATASET, datasetId);
        db.workspaces(WorkspaceStore.Kind.DATASET).remove(datasetId);
        return db.evalDatasets.remove(datasetId) != null;
    }

    @Override
    public Page<EvalDataset> search(DatasetQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        List<Long> experiments = Tables.requireExperimentIds(q.experimentIds());
        return db.locked(() -> {
            List<Row> matching = db.evalDatasets.values().stream()
                    .filter(r -> experiments.isEmpty() || r.experiments.stream().anyMatch(experiments::contains))
                    .filter(r -> q.filter().stream().allMatch(c -> matches(r, c)))
                    .sorted(order(q.orderBy())).toList();
            return Tables.page(matching, offset, q.maxResults(), Row::dataset);
        });
    }

    private static boolean matches(Row r, Condition c) {
        return switch (c.field()) {
            case TAG -> Matching.text(Optional.ofNullable(r.tags.get(c.key())), c);
            case ATTRIBUTE -> switch (c.key()) {
                case "created_time" -> Matching.integer(r.created, c);
                case "last_update_time" -> Matching.integer(r.updated, c);
                case "name" -> Matching.text(r.name, c);
                case "created_by" -> Matching.text(r.createdBy, c);
                default -> Matching.text(r.lastUpdatedBy, c);
            };
            default -> throw new IllegalStateException(c.field().name());
        };
    }

    private static Comparator<Row> order(List<Ordering> orderBy) {
        List<Comparator<Row>> parts = new ArrayList<>();
        for (Ordering o : orderBy) {
            Comparator<Row> one = switch (o.key()) {
                case "name" -> Comparator.comparing(r -> r.name);
                case "created_time" -> Comparator.comparingLong(r -> r.created);
                default -> Comparator.comparingLong(r -> r.updated);
            };
            parts.add(o.ascending() ? one : one.reversed());
        }
        if (orderBy.isEmpty()) {
            parts.add(Comparator.<Row>comparingLong(r -> r.created).reversed());
        }
        parts.add(Comparator.comparing(r -> r.id));
        return parts.stream().reduce(Comparator::thenComparing).orElseThrow();
    }

    @Override
    public void setTags(String datasetId, Map<String, String> tags, Optional<String> updatedBy, long now) {
        db.locked(() -> {
            Row r = require(datasetId);
            r.tags.putAll(tags);
            r.touch(updatedBy, now);
        });
    }

    @Override
    public void deleteTag(String datasetId, String key, long now) {
        db.locked(() -> {
            Row r = require(datasetId);
            if (r.tags.remove(key) != null) {
                r.touch(Optional.empty(), now);
            }
        });
    }

    @Override
    public UpsertCounts upsertRecords(String datasetId, List<DatasetRecord> records, RecordMerge merge,
            Optional<String> updatedBy, long now) {
        return db.locked(() -> {
            Row r = require(datasetId);
            Map<String, DatasetRecord> next = new LinkedHashMap<>(r.records);
            int inserted = 0;
            int updated = 0;
            for (DatasetRecord incoming : records) {
                DatasetRecord existing = next.get(incoming.inputsKey());
                if (existing != null) {
                    DatasetRecord m = merge.merge(existing, incoming);
                    next.put(existing.inputsKey(), new DatasetRecord(existing.recordId(), existing.datasetId(),
                            existing.inputsKey(), existing.inputsJson(), m.expectationsJson(), m.outputsJson(),
                            m.tagsJson(), m.sourceJson(), m.sourceId(), m.sourceType(), existing.createdTime(), now,
                            existing.createdBy(), m.lastUpdatedBy()));
                    updated++;
                } else {
                    next.put(incoming.inputsKey(), new DatasetRecord(incoming.recordId(), datasetId,
                            incoming.inputsKey(), incoming.inputsJson(), incoming.expectationsJson(),
                            incoming.outputsJson(), incoming.tagsJson(), incoming.sourceJson(), incoming.sourceId(),
                            incoming.sourceType(), now, now, incoming.createdBy(), incoming.lastUpdatedBy()));
                    inserted++;
                }
            }
            r.records.clear();
            r.records.putAll(next);
            r.digest = DatasetDigest.of(new ArrayList<>(r.records.values()));
            r.touch(updatedBy, now);
            return new UpsertCounts(inserted, updated);
        });
    }

    @Override
    public Page<DatasetRecord> records(String datasetId, int maxResults, Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        return db.locked(() -> Tables.page(new ArrayList<>(require(datasetId).records.values()), offset,
                maxResults));
    }

    @Override
    public int deleteRecords(String datasetId, List<String> recordIds, long now) {
        if (recordIds.isEmpty()) {
            return 0;
        }
        return db.locked(() -> {
            Row r = require(datasetId);
            int before = r.records.size();
            r.records.values().removeIf(rec -> recordIds.contains(rec.recordId()));
            int deleted = before - r.records.size();
            if (deleted > 0) {
                r.digest = DatasetDigest.of(new ArrayList<>(r.records.values()));
                r.touch(Optional.empty(), now);
            }
            return deleted;
        });
    }

    @Override
    public void addExperiments(String datasetId, List<String> experimentIds, long now) {
        db.locked(() -> {
            Row r = require(datasetId);
            r.experiments.addAll(existingExperiments(experimentIds));
            r.touch(Optional.empty(), now);
        });
    }

    @Override
    public void removeExperiments(String datasetId, List<String> experimentIds, long now) {
        db.locked(() -> {
            Row r = require(datasetId);
            for (String id : experimentIds) {
                r.experiments.remove(Tables.requireExperimentId(id));
            }
            r.touch(Optional.empty(), now);
        });
    }
}
