package dev.osprey.server.models;

import dev.osprey.core.LoggedModel;
import dev.osprey.core.LoggedModelStatus;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.core.Param;
import dev.osprey.core.Tag;
import dev.osprey.search.EntityGrammar;
import dev.osprey.server.tracking.RunNames;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.LoggedModelQuery;
import dev.osprey.store.LoggedModelStore;
import dev.osprey.store.NewLoggedModel;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Logged model rules (spec/genai.md §1) in front of the {@link LoggedModelStore}. */
public final class LoggedModelService {
    static final int MAX_PARAM_KEY = 255;
    static final int MAX_TAG_VALUE = 8000;
    static final int DEFAULT_RESULTS = 50;

    private final LoggedModelStore models;
    private final Clock clock;

    public LoggedModelService(LoggedModelStore models, Clock clock) {
        this.models = models;
        this.clock = clock;
    }

    private static List<Param> params(List<Param> params) {
        for (Param p : params) {
            Validation.key("param", p.key());
            Validation.length("Param key", p.key(), MAX_PARAM_KEY);
        }
        return params;
    }

    private static List<Tag> tags(List<Tag> tags) {
        for (Tag t : tags) {
            Validation.key("tag", t.key());
            Validation.length("Tag value", t.value(), MAX_TAG_VALUE);
        }
        return tags;
    }

    public LoggedModel create(String experimentId, Optional<String> name, Optional<String> modelType,
            Optional<String> sourceRunId, List<Param> params, List<Tag> tags) {
        String id = "m-" + UUID.randomUUID().toString().replace("-", "");
        return models.create(new NewLoggedModel(id, experimentId, name.filter(n -> !n.isEmpty())
                .orElseGet(RunNames::generate), modelType.filter(s -> !s.isEmpty()),
                sourceRunId.filter(s -> !s.isEmpty()), params(params), tags(tags), clock.millis()));
    }

    public LoggedModel get(String id, boolean allowDeleted) {
        return models.get(id, allowDeleted).orElseThrow(() -> OspreyException.notFound("Logged model with ID '" + id
                + "' not found."));
    }

    public LoggedModel finalizeModel(String id, String status) {
        LoggedModelStatus s = LoggedModelStatus.ofName(status)
                .filter(v -> v == LoggedModelStatus.LOGGED_MODEL_READY
                        || v == LoggedModelStatus.LOGGED_MODEL_UPLOAD_FAILED)
                .orElseThrow(() -> OspreyException.invalid("Invalid status '" + status + "': a logged model is "
                        + "finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED."));
        return models.finalizeModel(id, s, clock.millis());
    }

    public void delete(String id) {
        models.delete(id, clock.millis());
    }

    public void setTags(String id, List<Tag> tags) {
        models.setTags(id, tags(tags), clock.millis());
    }

    public void deleteTag(String id, String key) {
        models.deleteTag(id, key);
    }

    public void logParams(String id, List<Param> params) {
        models.logParams(id, params(params));
    }

    /** The order_by objects of SearchLoggedModels, checked (spec/search-grammar.md §7). */
    public record OrderItem(String fieldName, boolean ascending, Optional<String> datasetName,
            Optional<String> datasetDigest) {}

    public Page<LoggedModel> search(List<String> experimentIds, Optional<String> filter,
            List<LoggedModelQuery.DatasetRef> datasets, List<OrderItem> orderBy, long maxResults,
            Optional<String> pageToken) {
        if (experimentIds.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'experiment_ids'.");
        }
        int max = maxResults <= 0 ? DEFAULT_RESULTS : (int) Math.min(maxResults, 1000);
        List<LoggedModelQuery.Order> order = orderBy.stream().map(LoggedModelService::order).toList();
        return models.search(new LoggedModelQuery(experimentIds, EntityGrammar.LOGGED_MODELS.parseFilter(
                filter.orElse("")), datasets, order, max, pageToken));
    }

    private static LoggedModelQuery.Order order(OrderItem item) {
        if (item.datasetDigest().isPresent() && item.datasetName().isEmpty()) {
            throw OspreyException.invalid("`dataset_digest` can only be specified if `dataset_name` is also "
                    + "specified.");
        }
        String field = item.fieldName();
        Optional<LoggedModelQuery.DatasetRef> dataset = item.datasetName()
                .map(n -> new LoggedModelQuery.DatasetRef(n, item.datasetDigest()));
        if (field.startsWith("metrics.")) {
            return new LoggedModelQuery.Order("", Optional.of(field.substring("metrics.".length())),
                    item.ascending(), dataset);
        }
        if (field.contains(".")) {
            throw OspreyException.invalid("Invalid order by field name: " + field + ". Only metrics.<key> and "
                    + "attributes are supported.");
        }
        String attribute = switch (field) {
            case "creation_time", "creation_timestamp" -> "creation_timestamp";
            case "last_updated_time", "last_updated_timestamp" -> "last_updated_timestamp";
            case "name", "model_id", "model_type", "status", "source_run_id" -> field;
            default -> throw OspreyException.invalid("Invalid order by field name: " + field);
        };
        if (dataset.isPresent()) {
            throw OspreyException.invalid("`dataset_name` and `dataset_digest` can only be specified with a metric "
                    + "order_by field.");
        }
        return new LoggedModelQuery.Order(attribute, Optional.empty(), item.ascending(), Optional.empty());
    }
}
