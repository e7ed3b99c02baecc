package dev.osprey.server.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.DatasetInput;
import dev.osprey.core.Experiment;
import dev.osprey.core.Metric;
import dev.osprey.core.ModelInput;
import dev.osprey.core.ModelOutput;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Run;
import dev.osprey.core.RunInfo;
import dev.osprey.core.Tag;
import dev.osprey.core.ViewType;
import dev.osprey.protocol.Json;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.NewRun;
import dev.osprey.store.ParamConflictException;
import dev.osprey.store.RunQuery;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.TrackingStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Run rules: naming, limits, param immutability wording, batch limits; the store applies each call atomically. */
public final class RunService {
    static final int DEFAULT_MAX_RESULTS = 1000;
    private static final Set<String> MODEL_FIELDS = Set.of("artifact_path", "flavors", "utc_time_created", "run_id");
    static final String LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";

    private final TrackingStore store;
    private final boolean truncate;

    public RunService(TrackingStore store, boolean truncateLongValues) {
        this.store = store;
        this.truncate = truncateLongValues;
    }

    public Run create(Optional<String> experimentId, Optional<String> userId, Optional<String> runName,
            long startTime, List<Tag> tags) {
        List<Tag> checked = new ArrayList<>();
        for (Tag tag : tags) {
            checked.add(tag(tag));
        }
        Optional<String> nameTag = checked.stream().filter(t -> t.key().equals(Run.RUN_NAME_TAG)).map(Tag::value)
                .reduce((a, b) -> b);
        runName = runName.filter(s -> !s.isEmpty());
        if (runName.isPresent() && nameTag.isPresent() && !runName.get().equals(nameTag.get())) {
            throw OspreyException.invalid("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with "
                    + "different values (run_name='" + runName.get() + "', mlflow.runName='" + nameTag.get() + "').");
        }
        String name = runName.or(() -> nameTag.filter(s -> !s.isEmpty())).orElseGet(RunNames::generate);
        if (nameTag.isEmpty() || !nameTag.get().equals(name)) {
            checked.removeIf(t -> t.key().equals(Run.RUN_NAME_TAG));
            checked.add(new Tag(Run.RUN_NAME_TAG, name));
        }
        String user = userId.filter(s -> !s.isEmpty()).or(() -> checked.stream()
                .filter(t -> t.key().equals(Run.USER_TAG)).map(Tag::value).reduce((a, b) -> b)).orElse("");
        String experiment = experimentId.filter(s -> !s.isEmpty()).orElse(Experiment.DEFAULT_ID);
        String runId = UUID.randomUUID().toString().replace("-", "");
        return store.createRun(new NewRun(runId, experiment, user, name, startTime, checked));
    }

    public Run get(String runId) {
        return store.getRun(runId).orElseThrow(() -> OspreyException.notFound("Run with id=" + runId + " not found"));
    }

    public RunInfo update(String runId, RunUpdate update) {
        update.runName().ifPresent(name -> Validation.length("Run name", name, Validation.MAX_TAG_VALUE_LENGTH));
        return store.updateRun(runId, update);
    }

    public void delete(String runId, long now) {
        store.deleteRun(runId, now);
    }

    public void restore(String runId) {
        store.restoreRun(runId);
    }

    public void logMetric(String runId, Metric metric) {
        store.logBatch(runId, MetricBatch.ofMetrics(List.of(metric(metric))));
    }

    /** LogParam words a conflict differently from LogBatch; clients match on both. */
    public void logParam(String runId, Param param) {
        Param checked = param(param);
        try {
            store.logBatch(runId, new MetricBatch(List.of(), List.of(checked), List.of()));
        } catch (ParamConflictException e) {
            ParamConflictException.Conflict c = e.conflicts().get(0);
            throw OspreyException.invalid("Changing param values is not allowed. Param with key='" + c.key()
                    + "' was already logged with value='" + c.oldValue() + "' for run ID='" + runId
                    + "'. Attempted logging new value '" + c.newValue() + "'.");
        }
    }

    public void setTag(String runId, Tag tag) {
        store.logBatch(runId, new MetricBatch(List.of(), List.of(), List.of(tag(tag))));
    }

    public void deleteTag(String runId, String key) {
        store.deleteTag(runId, key);
    }

    /** A batch within {@link #admitBatch}'s limits (checked before the request was decoded). */
    public void logBatch(String runId, MetricBatch batch) {
        List<Param> params = new ArrayList<>(batch.params().size());
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new LinkedHashSet<>();
        for (Param p : batch.params()) {
            params.add(param(p));
            if (!seen.add(p.key())) {
                duplicates.add(p.key());
            }
        }
        if (!duplicates.isEmpty()) {
            throw OspreyException.invalid("Duplicate parameter keys have been submitted: " + duplicates
                    + ". Please ensure the request contains only one param value per param key.");
        }
        List<Metric> metrics = new ArrayList<>(batch.metrics().size());
        for (Metric m : batch.metrics()) {
            metrics.add(metric(m));
        }
        List<Tag> tags = new ArrayList<>(batch.tags().size());
        for (Tag t : batch.tags()) {
            tags.add(tag(t));
        }
        store.logBatch(runId, new MetricBatch(metrics, params, tags));
    }

    /**
     * MLflow's per-request limits on log-batch — at most 1 MB, 1000 metrics, 100 params, 100 tags, 1000 entities in
     * all — checked from the request's size and counts before it is decoded, so an oversize batch costs nothing.
     */
    static void admitBatch(long bodyBytes, int metrics, int params, int tags) {
        if (bodyBytes > Validation.MAX_BATCH_BYTES) {
            throw OspreyException.invalid("Batched logging API requests must be at most "
                    + Validation.MAX_BATCH_BYTES + " bytes, got " + bodyBytes + " bytes.");
        }
        limit(metrics, Validation.MAX_BATCH_METRICS, "metrics");
        limit(params, Validation.MAX_BATCH_PARAMS, "params");
        limit(tags, Validation.MAX_BATCH_TAGS, "tags");
        int total = metrics + params + tags;
        if (total > Validation.MAX_BATCH_TOTAL) {
            throw OspreyException.invalid("A batch logging request can contain at most " + Validation.MAX_BATCH_TOTAL
                    + " total entities (metrics, params, and tags). Got " + total + " entities. Please split up "
                    + "entities across multiple requests and try again.");
        }
    }

    private static void limit(int count, int max, String what) {
        if (count > max) {
            throw OspreyException.invalid("A batch logging request can contain at most " + max + " " + what
                    + ". Got " + count + " " + what + ". Please split up " + what + " across multiple requests and "
                    + "try again.");
        }
    }

    public void logInputs(String runId, List<DatasetInput> datasets, List<ModelInput> models) {
        for (DatasetInput input : datasets) {
            validateDataset(input);
        }
        store.logInputs(runId, datasets, models);
    }

    private static void validateDataset(DatasetInput input) {
        for (Tag tag : input.tags()) {
            Validation.length("Dataset input tag key", tag.key(), 255);
            Validation.length("Dataset input tag value", tag.value(), 500);
        }
        var d = input.dataset();
        datasetField("name", d.name(), 500);
        datasetField("digest", d.digest(), 36);
        datasetField("source", d.source(), 65535);
        d.schema().ifPresent(s -> datasetField("schema", s, 1_048_575));
        d.profile().ifPresent(p -> datasetField("profile", p, 16_777_215));
    }

    private static void datasetField(String field, String value, int max) {
        if (value.length() > max) {
            throw OspreyException.invalid("Dataset " + field + " exceeds the maximum length of " + max);
        }
    }

    public void logOutputs(String runId, List<ModelOutput> models) {
        store.logOutputs(runId, models);
    }

    /** Appends the model to the run's {@code mlflow.log-model.history} tag (legacy LogModel). */
    public void logModel(String runId, String modelJson) {
        JsonNode model;
        try {
            model = Json.read(modelJson);
        } catch (IOException e) {
            throw OspreyException.invalid("Malformed model info. \n " + modelJson + "\n is not a valid JSON.");
        }
        if (!(model instanceof ObjectNode)) {
            throw OspreyException.invalid("Malformed model info. \n " + modelJson + "\n is not a JSON object.");
        }
        Set<String> missing = new java.util.TreeSet<>(MODEL_FIELDS);
        model.fieldNames().forEachRemaining(missing::remove);
        if (!missing.isEmpty()) {
            throw OspreyException.invalid("Model json is missing mandatory fields: " + missing);
        }
        Run run = get(runId);
        ArrayNode history = Json.MAPPER.createArrayNode();
        run.tags().stream().filter(t -> t.key().equals(LOG_MODEL_HISTORY_TAG)).findFirst().ifPresent(t -> {
            try {
                JsonNode old = Json.read(t.value());
                if (old.isArray()) {
                    history.addAll((ArrayNode) old);
                }
            } catch (IOException ignored) {
                // a corrupt history is replaced rather than blocking new models
            }
        });
        history.add(model);
        store.logBatch(runId, new MetricBatch(List.of(), List.of(),
                List.of(new Tag(LOG_MODEL_HISTORY_TAG, Json.writeString(history)))));
    }

    public Page<Run> search(List<String> experimentIds, Optional<String> filter, List<String> orderBy,
            ViewType viewType, long maxResults, Optional<String> pageToken) {
        int limit = Validation.maxResults(maxResults, DEFAULT_MAX_RESULTS, Validation.MAX_RESULTS_SEARCH);
        RunQuery query = new RunQuery(experimentIds, EntityGrammar.RUNS.parseFilter(filter.orElse("")),
                EntityGrammar.RUNS.parseOrderBy(orderBy), viewType, limit, pageToken);
        if (experimentIds.isEmpty()) {
            return Page.last(List.of());
        }
        return store.searchRuns(query);
    }

    private Param param(Param p) {
        Validation.key("param", p.key());
        return new Param(p.key(), Validation.value("Param value", p.value(), Validation.MAX_PARAM_VALUE_LENGTH,
                truncate));
    }

    private Tag tag(Tag t) {
        Validation.key("tag", t.key());
        return new Tag(t.key(), Validation.value("Tag value", t.value(), Validation.MAX_TAG_VALUE_LENGTH, truncate));
    }

    private static Metric metric(Metric m) {
        Validation.key("metric", m.key());
        if (m.timestamp() < 0) {
            throw OspreyException.invalid("Invalid value " + m.timestamp() + " for parameter 'timestamp' supplied: "
                    + "it must be a non-negative integer.");
        }
        return new Metric(m.key(), Validation.metricValue(m.value()), m.timestamp(), m.step(), m.datasetName(),
                m.datasetDigest(), m.modelId(), Optional.empty());
    }
}
