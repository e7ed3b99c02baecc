package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.Experiment;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.Tag;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import dev.osprey.store.BulkIntervalQuery;
import dev.osprey.store.DeletedItem;
import dev.osprey.store.ExperimentQuery;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.PageTokens;
import dev.osprey.store.ParamConflictException;
import dev.osprey.store.RunQuery;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;

/** {@link TrackingStore} on the in-memory tables. */
final class MemoryTrackingStore implements TrackingStore {
    private final MemoryDatabase db;
    private final Purge purge;

    MemoryTrackingStore(MemoryDatabase db, Purge purge) {
        this.db = db;
        this.purge = purge;
    }

    @Override
    public void ensureDefaultExperiment(String artifactLocation, long now) {
        db.locked(() -> {
            if (!db.experiments.containsKey(0L)) {
                db.experiments.put(0L, new Tables.ExperimentRow(0, Experiment.DEFAULT_NAME, artifactLocation, now));
            }
        });
    }

    @Override
    public String createExperiment(String name, Optional<String> artifactLocation,
            LongFunction<String> defaultLocation, List<Tag> tags, long now, String workspace) {
        return db.locked(() -> {
            if (byName(name, workspace).isPresent()) {
                throw StoreErrors.experimentExists(name, "UNIQUE constraint failed: experiments.name");
            }
            long id = db.nextExperimentId++;
            Tables.ExperimentRow row = new Tables.ExperimentRow(id, name,
                    artifactLocation.orElseGet(() -> defaultLocation.apply(id)), now);
            tags.forEach(t -> row.tags.put(t.key(), t.value()));
            db.experiments.put(id, row);
            db.workspaces(WorkspaceStore.Kind.EXPERIMENT).put(Long.toString(id), workspace);
            return Long.toString(id);
        });
    }

    private String workspaceOf(Tables.ExperimentRow e) {
        return db.workspaces(WorkspaceStore.Kind.EXPERIMENT).getOrDefault(Long.toString(e.id), WorkspaceStore.DEFAULT);
    }

    /** Names are unique per workspace. */
    private Optional<Tables.ExperimentRow> byName(String name, String workspace) {
        return db.experiments.values().stream().filter(e -> e.name.equals(name) && workspaceOf(e).equals(workspace))
                .min(Comparator.comparing(e -> e.stage));
    }

    static Experiment experiment(Tables.ExperimentRow e) {
        List<Tag> tags = e.tags.entrySet().stream().map(t -> new Tag(t.getKey(), t.getValue())).toList();
        return new Experiment(Long.toString(e.id), e.name, e.location, e.stage, e.created, e.updated, tags);
    }

    @Override
    public Optional<Experiment> getExperiment(String experimentId) {
        return db.locked(() -> db.experiment(experimentId).map(MemoryTrackingStore::experiment));
    }

    @Override
    public Optional<Experiment> getExperimentByName(String name, String workspace) {
        return db.locked(() -> byName(name, workspace).map(MemoryTrackingStore::experiment));
    }

    @Override
    public Page<Experiment> searchExperiments(ExperimentQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.locked(() -> {
            Map<String, String> workspaces = db.workspaces(WorkspaceStore.Kind.EXPERIMENT);
            List<Tables.ExperimentRow> matching = db.experiments.values().stream()
                    .filter(e -> q.viewType().stages().contains(e.stage))
                    .filter(e -> q.workspace().isEmpty() || q.workspace().get().equals(
                            workspaces.getOrDefault(Long.toString(e.id), WorkspaceStore.DEFAULT)))
                    .filter(e -> q.filter().stream().allMatch(c -> matches(e, c)))
                    .sorted(experimentOrder(q.orderBy())).toList();
            return Tables.page(matching, offset, q.maxResults(), MemoryTrackingStore::experiment);
        });
    }

    private static boolean matches(Tables.ExperimentRow e, Condition c) {
        return switch (c.field()) {
            case TAG -> Matching.text(Optional.ofNullable(e.tags.get(c.key())), c);
            case ATTRIBUTE -> switch (c.key()) {
                case "name" -> Matching.text(e.name, c);
                case "creation_time" -> Matching.integer(e.created, c);
                default -> Matching.integer(e.updated, c);
            };
            default -> throw new IllegalStateException(c.field().name());
        };
    }

    private static Comparator<Tables.ExperimentRow> experimentOrder(List<Ordering> orderBy) {
        if (orderBy.isEmpty()) {
            return Comparator.<Tables.ExperimentRow>comparingLong(e -> e.created).reversed()
                    .thenComparingLong(e -> e.id);
        }
        Comparator<Tables.ExperimentRow> order = null;
        boolean idOrdered = false;
        for (Ordering o : orderBy) {
            Comparator<Tables.ExperimentRow> one = switch (o.key()) {
                case "name" -> Comparator.comparing(e -> e.name);
                case "creation_time" -> Comparator.comparingLong(e -> e.created);
                case "last_update_time" -> Comparator.comparingLong(e -> e.updated);
                default -> Comparator.comparingLong(e -> e.id);
            };
            idOrdered |= o.key().equals("experiment_id");
            one = o.ascending() ? one : one.reversed();
            order = order == null ? one : order.thenComparing(one);
        }
        return idOrdered ? order : order.thenComparing(Comparator.<Tables.ExperimentRow>comparingLong(e -> e.id)
                .reversed());
    }

    @Override
    public void renameExperiment(String experimentId, String newName, long now) {
        db.locked(() -> {
            Tables.ExperimentRow e = db.requireExperiment(experimentId);
            if (e.stage != LifecycleStage.ACTIVE) {
                throw new OspreyException(ErrorCode.INVALID_STATE, "Cannot rename a non-active experiment.");
            }
            if (byName(newName, workspaceOf(e)).filter(o -> o != e).isPresent()) {
                throw StoreErrors.experimentExists(newName, "UNIQUE constraint failed: experiments.name");
            }
            e.name = newName;
            e.updated = now;
        });
    }

    @Override
    public void deleteExperiment(String experimentId, long now) {
        setStage(experimentId, LifecycleStage.ACTIVE, LifecycleStage.DELETED, now);
    }

    @Override
    public void restoreExperiment(String experimentId, long now) {
        setStage(experimentId, LifecycleStage.DELETED, LifecycleStage.ACTIVE, now);
    }

    private void setStage(String experimentId, LifecycleStage from, LifecycleStage to, long now) {
        db.locked(() -> {
            Tables.ExperimentRow e = db.requireExperiment(experimentId);
            if (e.stage != from) {
                throw StoreErrors.experimentNotFound(experimentId);
            }
            e.stage = to;
            e.updated = now;
            // MLflow moves every run with its experiment, including runs deleted on their own before.
            for (Tables.RunRow r : db.runs.values()) {
                if (r.experimentId == e.id) {
                    r.stage = to;
                    r.deletedTime = to == LifecycleStage.DELETED ? OptionalLong.of(now) : OptionalLong.empty();
                }
            }
        });
    }

    @Override
    public void setExperimentTag(String experimentId, Tag tag, long now) {
        db.locked(() -> {
            Tables.ExperimentRow e = db.requireActiveExperiment(experimentId);
            e.tags.put(tag.key(), tag.value());
            e.updated = now;
        });
    }

    @Override
    public void deleteExperimentTag(String experimentId, String key, long now) {
        db.locked(() -> {
            Tables.ExperimentRow e = db.requireActiveExperiment(experimentId);
            if (e.tags.remove(key) == null) {
                throw OspreyException.notFound("No tag with name: " + key + " in experiment with id " + experimentId);
            }
            e.updated = now;
        });
    }

    @Override
    public Run createRun(NewRun run) {
        return db.locked(() -> {
            Tables.ExperimentRow e = db.requireActiveExperiment(run.experimentId());
            // Trailing slashes dropped first, as MLflow's append_to_uri_path.
            String uri = e.location.replaceAll("/+$", "") + "/" + run.runId() + "/artifacts";
            Tables.RunRow r = new Tables.RunRow(run.runId(), e.id, run.runName(), run.userId(), run.startTime(), uri);
            db.runs.put(run.runId(), r);
            upsertTags(r, run.tags());
            return run(r);
        });
    }

    static Run run(Tables.RunRow r) {
        RunInfo info = info(r);
        List<Metric> metrics = new ArrayList<>(r.latest.values());
        List<Param> params = r.params.entrySet().stream().map(p -> new Param(p.getKey(), p.getValue())).toList();
        List<Tag> tags = r.tags.entrySet().stream().map(t -> new Tag(t.getKey(), t.getValue())).toList();
        List<DatasetInput> inputs = r.inputs.values().stream().map(l -> new DatasetInput(l.tags().entrySet().stream()
                .map(t -> new Tag(t.getKey(), t.getValue())).toList(), l.dataset().dataset())).toList();
        List<ModelInput> modelInputs = r.modelInputs.stream().map(ModelInput::new).toList();
        return new Run(info, metrics, params, tags, inputs, modelInputs, new ArrayList<>(r.modelOutputs));
    }

    static RunInfo info(Tables.RunRow r) {
        return new RunInfo(r.runId, r.runName, Long.toString(r.experimentId), r.userId, r.status, r.startTime,
                r.endTime, r.artifactUri, r.stage);
    }

    @Override
    public Optional<Run> getRun(String runId) {
        return db.locked(() -> Optional.ofNullable(db.runs.get(runId)).map(MemoryTrackingStore::run));
    }

    @Override
    public RunInfo updateRun(String runId, RunUpdate update) {
        return db.locked(() -> {
            Tables.RunRow r = db.requireActiveRun(runId);
            update.status().ifPresent(s -> r.status = s);
            if (update.endTime().isPresent()) {
                r.endTime = update.endTime();
            }
            update.runName().ifPresent(name -> upsertTags(r, List.of(new Tag(Run.RUN_NAME_TAG, name))));
            return info(r);
        });
    }

    @Override
    public void deleteRun(String runId, long now) {
        db.locked(() -> {
            Tables.RunRow r = db.requireRun(runId);
            r.stage = LifecycleStage.DELETED;
            r.deletedTime = OptionalLong.of(now);
        });
    }

    @Override
    public void restoreRun(String runId) {
        db.locked(() -> {
            Tables.RunRow r = db.requireRun(runId);
            r.stage = LifecycleStage.ACTIVE;
            r.deletedTime = OptionalLong.empty();
        });
    }

    @Override
    public void logBatch(String runId, MetricBatch batch) {
        db.locked(() -> {
            Tables.RunRow r = db.requireActiveRun(runId);
            Map<String, String> wanted = new LinkedHashMap<>();
            batch.params().forEach(p -> wanted.put(p.key(), p.value()));
            List<ParamConflictException.Conflict> conflicts = new ArrayList<>();
            wanted.forEach((key, value) -> {
                String old = r.params.get(key);
                if (old != null && !old.equals(value)) {
                    conflicts.add(new ParamConflictException.Conflict(key, old, value));
                }
            });
            if (!conflicts.isEmpty()) {
                throw new ParamConflictException(runId, conflicts);
            }
            r.params.putAll(wanted);
            for (Metric m : batch.metrics()) {
                logMetric(r, m);
            }
            upsertTags(r, batch.tags());
        });
    }

    private static void logMetric(Tables.RunRow r, Metric m) {
        Metric point = new Metric(m.key(), m.value(), m.timestamp(), m.step(), m.datasetName(), m.datasetDigest(),
                m.modelId(), Optional.empty());
        r.history.computeIfAbsent(m.key(), k -> new TreeSet<>(Tables.HISTORY_ORDER)).add(point);
        Metric latest = r.latest.get(m.key());
        if (latest == null || newer(point, latest)) {
            r.latest.put(m.key(), Metric.of(m.key(), m.value(), m.timestamp(), m.step()));
        }
    }

    /** MLflow's order for "latest": step, then timestamp, then value, with NaN compared as its stored 0. */
    private static boolean newer(Metric a, Metric b) {
        int c = Long.compare(a.step(), b.step());
        if (c == 0) {
            c = Long.compare(a.timestamp(), b.timestamp());
        }
        if (c == 0) {
            c = Double.compare(Tables.stored(a.value()), Tables.stored(b.value()));
        }
        return c > 0;
    }

    private static void upsertTags(Tables.RunRow r, List<Tag> tags) {
        for (Tag t : tags) {
            r.tags.put(t.key(), t.value());
            if (t.key().equals(Run.RUN_NAME_TAG)) {
                r.runName = t.value();
            }
        }
    }

    @Override
    public void deleteTag(String runId, String key) {
        db.locked(() -> {
            Tables.RunRow r = db.requireActiveRun(runId);
            if (r.tags.remove(key) == null) {
                throw OspreyException.notFound("No tag with name: " + key + " in run with id " + runId);
            }
        });
    }

    @Override
    public void logInputs(String runId, List<DatasetInput> datasets, List<ModelInput> models) {
        db.locked(() -> {
            Tables.RunRow r = db.requireActiveRun(runId);
            Tables.ExperimentRow e = db.experiments.get(r.experimentId);
            for (DatasetInput input : datasets) {
                Tables.DatasetRow d = e.datasets.computeIfAbsent(input.dataset().name() + "\0"
                        + input.dataset().digest(), k -> new Tables.DatasetRow(db.nextDatasetId++, e.id,
                        input.dataset()));
                Tables.InputLink link = r.inputs.computeIfAbsent(d.id(), k -> new Tables.InputLink(d,
                        new TreeMap<>()));
                input.tags().forEach(t -> link.tags().put(t.key(), t.value()));
            }
            models.forEach(m -> r.modelInputs.add(m.modelId()));
        });
    }

    @Override
    public void logOutputs(String runId, List<ModelOutput> models) {
        db.locked(() -> {
            Tables.RunRow r = db.requireActiveRun(runId);
            r.modelOutputs.addAll(models);
        });
    }

    @Override
    public Page<Run> searchRuns(RunQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        return db.locked(() -> {
            List<Long> experimentIds = q.experimentIds().stream().map(Tables::parseLong).flatMap(Optional::stream)
                    .toList();
            List<Tables.RunRow> matching = db.runs.values().stream()
                    .filter(r -> experimentIds.contains(r.experimentId))
                    .filter(r -> q.viewType().stages().contains(r.stage))
                    .filter(r -> q.filter().stream().allMatch(c -> matches(r, c)))
                    .sorted(runOrder(q.orderBy())).toList();
            return Tables.page(matching, offset, q.maxResults(), MemoryTrackingStore::run);
        });
    }

    private static boolean matches(Tables.RunRow r, Condition c) {
        return switch (c.field()) {
            case METRIC -> {
                Metric m = r.latest.get(c.key());
                yield m != null && Matching.number(Tables.stored(m.value()), c);
            }
            case PARAM -> Matching.text(Optional.ofNullable(r.params.get(c.key())), c);
            case TAG -> Matching.text(Optional.ofNullable(r.tags.get(c.key())), c);
            case ATTRIBUTE -> attribute(r, c);
            case DATASET -> r.inputs.values().stream().anyMatch(l -> switch (c.key()) {
                case "context" -> Matching.text(Optional.ofNullable(l.tags().get(DatasetInput.CONTEXT_TAG)), c);
                case "name" -> Matching.text(l.dataset().dataset().name(), c);
                default -> Matching.text(l.dataset().dataset().digest(), c);
            });
            default -> throw new IllegalStateException("runs have no " + c.field() + " filter");
        };
    }

    private static boolean attribute(Tables.RunRow r, Condition c) {
        return switch (c.key()) {
            case "start_time" -> Matching.integer(r.startTime, c);
            case "end_time" -> r.endTime.isPresent() && Matching.integer(r.endTime.getAsLong(), c);
            case "run_id" -> {
                if (!c.comparator().isList()) {
                    yield Matching.text(r.runId, c);
                }
                // MLflow drops ids with uppercase letters from IN lists: run ids are lowercase hex.
                List<String> ids = c.list().stream().filter(id -> id.equals(id.toLowerCase(Locale.ROOT))).toList();
                yield c.comparator() == dev.osprey.search.Comparator.IN ? ids.contains(r.runId)
                        : !ids.contains(r.runId);
            }
            default -> Matching.text(Optional.ofNullable(runAttribute(r, c.key())), c);
        };
    }

    private static String runAttribute(Tables.RunRow r, String key) {
        return switch (key) {
            case "run_name" -> r.runName;
            case "status" -> r.status.name();
            case "user_id" -> r.userId;
            case "artifact_uri" -> r.artifactUri;
            case "lifecycle_stage" -> r.stage.wireName();
            case "run_id" -> r.runId;
            default -> throw new IllegalStateException("unknown run attribute " + key);
        };
    }

    private static Comparator<Tables.RunRow> runOrder(List<Ordering> orderBy) {
        List<Comparator<Tables.RunRow>> parts = new ArrayList<>();
        boolean startTimeOrdered = false;
        for (Ordering o : orderBy) {
            switch (o.field()) {
                case METRIC -> {
                    parts.add(Comparator.comparingInt(r -> {
                        Metric m = r.latest.get(o.key());
                        return m == null ? 2 : Double.isNaN(m.value()) ? 1 : 0;
                    }));
                    Comparator<Tables.RunRow> value = Comparator.comparingDouble(r -> {
                        Metric m = r.latest.get(o.key());
                        return m == null ? 0 : Tables.stored(m.value());
                    });
                    parts.add(o.ascending() ? value : value.reversed());
                }
                case PARAM, TAG -> {
                    java.util.function.Function<Tables.RunRow, String> get = r -> (o.field()
                            == dev.osprey.search.Field.PARAM ? r.params : r.tags).get(o.key());
                    parts.add(Comparator.comparingInt(r -> get.apply(r) == null ? 1 : 0));
                    Comparator<Tables.RunRow> value = Comparator.comparing(r -> get.apply(r),
                            Comparator.nullsLast(Comparator.naturalOrder()));
                    parts.add(o.ascending() ? value : value.reversed());
                }
                case ATTRIBUTE -> {
                    startTimeOrdered |= o.key().equals("start_time");
                    Comparator<Tables.RunRow> value = switch (o.key()) {
                        case "start_time" -> Comparator.comparingLong(r -> r.startTime);
                        case "experiment_id" -> Comparator.comparingLong(r -> r.experimentId);
                        case "end_time" -> {
                            parts.add(Comparator.comparingInt(r -> r.endTime.isEmpty() ? 1 : 0));
                            yield Comparator.comparingLong(r -> r.endTime.orElse(0));
                        }
                        default -> Comparator.comparing(r -> runAttribute(r, o.key()));
                    };
                    parts.add(o.ascending() ? value : value.reversed());
                }
                default -> throw new IllegalStateException(o.field().name());
            }
        }
        if (!startTimeOrdered) {
            parts.add(Comparator.<Tables.RunRow>comparingLong(r -> r.startTime).reversed());
        }
        parts.add(Comparator.comparing(r -> r.runId));
        return parts.stream().reduce(Comparator::thenComparing).orElseThrow();
    }

    @Override
    public Page<Metric> getMetricHistory(String runId, String metricKey, OptionalInt maxResults,
            Optional<String> pageToken) {
        int offset = PageTokens.offsetOf(pageToken);
        return db.locked(() -> {
            Tables.RunRow r = db.runs.get(runId);
            List<Metric> all = r == null ? List.of() : new ArrayList<>(r.history.getOrDefault(metricKey,
                    new TreeSet<>(Tables.HISTORY_ORDER)));
            if (maxResults.isEmpty()) {
                return Page.last(Tables.slice(all, offset, Integer.MAX_VALUE));
            }
            return Tables.page(all, offset, maxResults.getAsInt());
        });
    }

    @Override
    public List<Metric> getMetricHistoryBulkInterval(BulkIntervalQuery q) {
        return db.locked(() -> BulkInterval.sample(db, q));
    }

    @Override
    public List<DeletedItem> deletedRuns(long deletedBefore, List<String> experimentIds) {
        List<Long> ids = Tables.requireExperimentIds(experimentIds);
        return db.locked(() -> db.runs.values().stream()
                .filter(r -> r.stage == LifecycleStage.DELETED && r.deletedTime.orElse(0) < deletedBefore)
                .filter(r -> ids.isEmpty() || ids.contains(r.experimentId))
                .sorted(Comparator.<Tables.RunRow>comparingLong(r -> r.deletedTime.orElse(0))
                        .thenComparing(r -> r.runId))
                .map(r -> new DeletedItem(r.runId, Long.toString(r.experimentId), r.artifactUri,
                        r.deletedTime.orElse(0)))
                .toList());
    }

    @Override
    public List<DeletedItem> deletedExperiments(long deletedBefore, List<String> experimentIds) {
        List<Long> ids = Tables.requireExperimentIds(experimentIds);
        return db.locked(() -> db.experiments.values().stream()
                .filter(e -> e.stage == LifecycleStage.DELETED && e.updated < deletedBefore)
                .filter(e -> ids.isEmpty() || ids.contains(e.id))
                .sorted(Comparator.<Tables.ExperimentRow>comparingLong(e -> e.updated).thenComparingLong(e -> e.id))
                .map(e -> new DeletedItem(Long.toString(e.id), Long.toString(e.id), e.location, e.updated))
                .toList());
    }

    @Override
    public void purgeRun(String runId) {
        db.locked(() -> {
            Tables.RunRow r = db.requireRun(runId);
            if (r.stage != LifecycleStage.DELETED) {
                throw OspreyException.invalid("Run " + runId + " is not deleted; only deleted runs can be purged.");
            }
            db.runs.remove(runId);
        });
    }

    @Override
    public void purgeExperiment(String experimentId) {
        db.locked(() -> {
            Tables.ExperimentRow e = db.requireExperiment(experimentId);
            if (e.stage != LifecycleStage.DELETED) {
                throw OspreyException.invalid("Experiment " + experimentId + " is not deleted; only deleted "
                        + "experiments can be purged.");
            }
            purge.experiment(e.id);
        });
    }

    @Override
    public List<DatasetSummary> datasetSummaries(List<String> experimentIds, int limit) {
        return db.locked(() -> {
            TreeSet<DatasetSummary> out = new TreeSet<>(Comparator.comparingLong((DatasetSummary s) ->
                    Long.parseLong(s.experimentId())).thenComparing(DatasetSummary::name)
                    .thenComparing(DatasetSummary::digest)
                    .thenComparing(s -> s.context().orElse(null), Comparator.nullsFirst(Comparator.naturalOrder())));
            List<Long> ids = experimentIds.stream().map(Tables::parseLong).flatMap(Optional::stream).toList();
            for (Tables.RunRow r : db.runs.values()) {
                if (!ids.contains(r.experimentId)) {
                    continue;
                }
                for (Tables.InputLink l : r.inputs.values()) {
                    out.add(new DatasetSummary(Long.toString(r.experimentId), l.dataset().dataset().name(),
                            l.dataset().dataset().digest(), Optional.ofNullable(l.tags().get(
                            DatasetInput.CONTEXT_TAG))));
                }
            }
            return out.stream().limit(limit).toList();
        });
    }
}
