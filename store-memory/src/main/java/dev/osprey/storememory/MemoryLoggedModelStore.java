package dev.osprey.storememory;

import dev.osprey.store.StoreErrors;
import dev.osprey.core.LifecycleStage;
import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.Metric;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import dev.osprey.search.Condition;
import dev.osprey.store.LoggedModelQuery;
import dev.osprey.store.LoggedModelStore;
import dev.osprey.store.NewLoggedModel;
import dev.osprey.store.PageTokens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/** {@link LoggedModelStore} on the in-memory tables; a model's metrics are the run points logged with its id. */
final class MemoryLoggedModelStore implements LoggedModelStore {
    private final MemoryDatabase db;

    MemoryLoggedModelStore(MemoryDatabase db) {
        this.db = db;
    }

    static final class Row {
        final String id;
        final long experimentId;
        final String name;
        final String artifactUri;
        final long created;
        long updated;
        LoggedModelStatus status = LoggedModelStatus.LOGGED_MODEL_PENDING;
        final Optional<String> modelType;
        final Optional<String> sourceRunId;
        LifecycleStage stage = LifecycleStage.ACTIVE;
        final TreeMap<String, String> tags = new TreeMap<>();
        final TreeMap<String, String> params = new TreeMap<>();

        Row(NewLoggedModel m, long experimentId, String artifactUri) {
            this.id = m.modelId();
            this.experimentId = experimentId;
            this.name = m.name();
            this.artifactUri = artifactUri;
            this.created = m.now();
            this.updated = m.now();
            this.modelType = m.modelType();
            this.sourceRunId = m.sourceRunId();
        }
    }


    private Row requireActive(String id) {
        Row r = db.loggedModels.get(id);
        if (r == null || r.stage != LifecycleStage.ACTIVE) {
            throw StoreErrors.loggedModelNotFound(id);
        }
        return r;
    }

    @Override
    public LoggedModel create(NewLoggedModel m) {
        return db.locked(() -> {
            Tables.ExperimentRow e = db.requireActiveExperiment(m.experimentId());
            Row r = new Row(m, e.id, e.location.replaceAll("/+$", "") + "/models/" + m.modelId() + "/artifacts");
            Map<String, String> params = checkedParams(r, m.params());
            m.tags().forEach(t -> r.tags.put(t.key(), t.value()));
            r.params.putAll(params);
            db.loggedModels.put(r.id, r);
            return load(r);
        });
    }

    /** The params to add; a key logged before (or earlier in the list) with another value fails them all. */
    private static Map<String, String> checkedParams(Row r, List<Param> params) {
        Map<String, String> merged = new HashMap<>(r.params);
        Map<String, String> added = new TreeMap<>();
        for (Param p : params) {
            String old = merged.get(p.key());
            if (old == null) {
                merged.put(p.key(), p.value());
                added.put(p.key(), p.value());
            } else if (!old.equals(p.value())) {
                throw OspreyException.invalid("Changing param values is not allowed. Param with key='" + p.key()
                        + "' was already logged with value='" + old + "' for logged model ID='" + r.id
                        + "'. Attempted logging new value '" + p.value() + "'.");
            }
        }
        return added;
    }

    private LoggedModel load(Row r) {
        return load(r, metricsByModel().getOrDefault(r.id, List.of()),
                MemoryRegistryStore.registrations(db).getOrDefault(r.id, List.of()));
    }

    private static LoggedModel load(Row r, List<Metric> points, List<LoggedModel.Registration> registrations) {
        List<Metric> metrics = points.stream().sorted(Comparator.comparing(Metric::key)
                .thenComparingLong(Metric::timestamp).thenComparingLong(Metric::step)).toList();
        return new LoggedModel(r.id, Long.toString(r.experimentId), r.name, r.created, r.updated, r.artifactUri,
                r.status, Optional.empty(), r.modelType, r.sourceRunId,
                r.tags.entrySet().stream().map(t -> new Tag(t.getKey(), t.getValue())).toList(), registrations,
                r.params.entrySet().stream().map(p -> new Param(p.getKey(), p.getValue())).toList(), metrics);
    }

    /** Every run point logged with a model id, with its run, by model id: one pass over the runs. */
    private Map<String, List<Metric>> metricsByModel() {
        Map<String, List<Metric>> out = new HashMap<>();
        for (Tables.RunRow run : db.runs.values()) {
            for (var history : run.history.values()) {
                for (Metric m : history) {
                    m.modelId().ifPresent(id -> out.computeIfAbsent(id, k -> new ArrayList<>())
                            .add(m.withRunId(run.runId)));
                }
            }
        }
        return out;
    }

    @Override
    public Optional<LoggedModel> get(String modelId, boolean allowDeleted) {
        return db.locked(() -> Optional.ofNullable(db.loggedModels.get(modelId))
                .filter(r -> allowDeleted || r.stage == LifecycleStage.ACTIVE).map(this::load));
    }

    @Override
    public LoggedModel finalizeModel(String modelId, LoggedModelStatus status, long now) {
        return db.locked(() -> {
            Row r = requireActive(modelId);
            r.status = status;
            r.updated = now;
            return load(r);
        });
    }

    @Override
    public void delete(String modelId, long now) {
        db.locked(() -> {
            Row r = requireActive(modelId);
            r.stage = LifecycleStage.DELETED;
            r.updated = now;
        });
    }

    @Override
    public void setTags(String modelId, List<Tag> tags, long now) {
        db.locked(() -> {
            Row r = requireActive(modelId);
            tags.forEach(t -> r.tags.put(t.key(), t.value()));
            r.updated = now;
        });
    }

    @Override
    public void deleteTag(String modelId, String key) {
        db.locked(() -> {
            requireActive(modelId).tags.remove(key);
        });
    }

    @Override
    public void logParams(String modelId, List<Param> params) {
        db.locked(() -> {
            Row r = requireActive(modelId);
            r.params.putAll(checkedParams(r, params));
        });
    }

    @Override
    public Page<LoggedModel> search(LoggedModelQuery q) {
        int offset = PageTokens.offsetOf(q.pageToken());
        List<Long> experimentIds = Tables.requireExperimentIds(q.experimentIds());
        return db.locked(() -> {
            Map<String, List<Metric>> metrics = metricsByModel();
            var registrations = MemoryRegistryStore.registrations(db);
            List<Row> matching = db.loggedModels.values().stream()
                    .filter(r -> experimentIds.contains(r.experimentId) && r.stage == LifecycleStage.ACTIVE)
                    .filter(r -> q.filter().stream().allMatch(c -> matches(r, c, metrics.getOrDefault(r.id,
                            List.of()), q.datasets())))
                    .sorted(order(q.orderBy(), metrics)).toList();
            return Tables.page(matching, offset, q.maxResults(), r -> load(r, metrics.getOrDefault(r.id, List.of()),
                    registrations.getOrDefault(r.id, List.of())));
        });
    }

    private static boolean onDatasets(Metric m, List<LoggedModelQuery.DatasetRef> datasets) {
        return datasets.isEmpty() || datasets.stream().anyMatch(d -> m.datasetName().filter(d.name()::equals)
                .isPresent() && (d.digest().isEmpty() || m.datasetDigest().equals(d.digest())));
    }

    private static boolean matches(Row r, Condition c, List<Metric> metrics,
            List<LoggedModelQuery.DatasetRef> datasets) {
        return switch (c.field()) {
            case TAG -> Matching.text(Optional.ofNullable(r.tags.get(c.key())), c);
            case PARAM -> Matching.text(Optional.ofNullable(r.params.get(c.key())), c);
            case METRIC -> metrics.stream().anyMatch(m -> m.key().equals(c.key()) && onDatasets(m, datasets)
                    && Matching.number(Tables.stored(m.value()), c));
            case ATTRIBUTE -> switch (c.key()) {
                case "creation_timestamp" -> Matching.integer(r.created, c);
                case "last_updated_timestamp" -> Matching.integer(r.updated, c);
                case "status" -> status(r, c);
                default -> Matching.text(attribute(r, c.key()), c);
            };
            default -> throw OspreyException.invalid("Invalid filter entity for logged models: " + c.field());
        };
    }

    private static Optional<String> attribute(Row r, String key) {
        return switch (key) {
            case "name" -> Optional.of(r.name);
            case "model_id" -> Optional.of(r.id);
            case "model_type" -> r.modelType;
            case "source_run_id" -> r.sourceRunId;
            default -> throw OspreyException.invalid("Invalid order by field name: " + key);
        };
    }

    /** Status compares by name ({@code READY} or {@code LOGGED_MODEL_READY}). */
    private static boolean status(Row r, Condition c) {
        String text = c.text().toUpperCase(Locale.ROOT);
        LoggedModelStatus status = LoggedModelStatus.ofName(text)
                .or(() -> LoggedModelStatus.ofName("LOGGED_MODEL_" + text))
                .orElseThrow(() -> OspreyException.invalid("Invalid logged model status '" + c.text() + "'."));
        return switch (c.comparator()) {
            case EQ -> r.status == status;
            case NE -> r.status != status;
            default -> throw OspreyException.invalid("Invalid comparator '" + c.comparator() + "' for status.");
        };
    }

    /** The latest value of a metric (by timestamp, then step; the largest on a tie), on a dataset when given. */
    private static OptionalDouble latest(List<Metric> metrics, String key, Optional<LoggedModelQuery.DatasetRef> d) {
        return metrics.stream().filter(m -> m.key().equals(key) && onDatasets(m, d.stream().toList()))
                .max(Comparator.comparingLong(Metric::timestamp).thenComparingLong(Metric::step)
                        .thenComparingDouble(m -> Tables.stored(m.value())))
                .map(m -> OptionalDouble.of(Tables.stored(m.value()))).orElse(OptionalDouble.empty());
    }

    private static Comparator<Row> order(List<LoggedModelQuery.Order> orderBy, Map<String, List<Metric>> metrics) {
        List<Comparator<Row>> parts = new ArrayList<>();
        boolean created = false;
        boolean id = false;
        for (LoggedModelQuery.Order o : orderBy) {
            if (o.metricKey().isPresent()) {
                java.util.function.Function<Row, OptionalDouble> value = r -> latest(metrics.getOrDefault(r.id,
                        List.of()), o.metricKey().get(), o.dataset());
                parts.add(Comparator.comparingInt(r -> value.apply(r).isPresent() ? 0 : 1));
                Comparator<Row> byValue = Comparator.comparingDouble(r -> value.apply(r).orElse(0));
                parts.add(o.ascending() ? byValue : byValue.reversed());
                continue;
            }
            created |= o.attribute().equals("creation_timestamp");
            id |= o.attribute().equals("model_id");
            Comparator<Row> one = switch (o.attribute()) {
                case "creation_timestamp" -> Comparator.comparingLong(r -> r.created);
                case "last_updated_timestamp" -> Comparator.comparingLong(r -> r.updated);
                case "status" -> Comparator.comparingInt(r -> r.status.number());
                default -> {
                    parts.add(Comparator.comparingInt(r -> attribute(r, o.attribute()).isPresent() ? 0 : 1));
                    yield Comparator.comparing(r -> attribute(r, o.attribute()).orElse(""));
                }
            };
            parts.add(o.ascending() ? one : one.reversed());
        }
        if (!created) {
            parts.add(Comparator.<Row>comparingLong(r -> r.created).reversed());
        }
        if (!id) {
            parts.add(Comparator.comparing(r -> r.id));
        }
        return parts.stream().reduce(Comparator::thenComparing).orElseThrow();
    }
}
