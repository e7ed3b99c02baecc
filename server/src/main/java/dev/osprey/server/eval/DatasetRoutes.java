package dev.osprey.server.eval;

import static dev.osprey.server.auth.Access.*;
import static dev.osprey.server.auth.Permission.Need.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Page;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.EntityGrammar;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.DatasetStore;
import dev.osprey.store.DatasetStore.DatasetQuery;
import dev.osprey.store.DatasetStore.DatasetRecord;
import dev.osprey.store.DatasetStore.EvalDataset;
import dev.osprey.store.DatasetStore.NewDataset;
import dev.osprey.store.DatasetStore.UpsertCounts;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * MLflow 3's evaluation dataset RPCs (spec/genai.md §2), version 3.0 routes. Tags, schema, profile and records travel
 * as JSON text inside the JSON body, as MLflow's protos declare them. A record whose source is a trace and which
 * carries no inputs takes the trace's root inputs and recorded expectations: that is how a dataset is built from
 * selected traces.
 */
public final class DatasetRoutes {
    private static final String BASE = "/mlflow/datasets";
    private static final String ONE = BASE + "/{dataset_id}";
    private static final int PAGE_DEFAULT = 1000;
    private static final int PAGE_MAX = 50_000;
    private final DatasetStore datasets;
    private final TraceItems traces;
    private final Clock clock;

    public DatasetRoutes(DatasetStore datasets, TraceItems traces, Clock clock) {
        this.datasets = datasets;
        this.traces = traces;
        this.clock = clock;
    }

    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", BASE + "/create", 3, this::create).requires(createsDataset()),
                new Endpoint("POST", BASE + "/search", 3, this::search).requires(listsReadable(ResourceType.DATASET, "datasets", "dataset_id")),
                new Endpoint("GET", BASE + "/search", 3, this::search).requires(listsReadable(ResourceType.DATASET, "datasets", "dataset_id")),
                new Endpoint("GET", ONE, 3, this::get).requires(onDataset(READ)),
                new Endpoint("DELETE", ONE, 3, this::delete).requires(dropsGrants(onDataset(DELETE))),
                new Endpoint("PATCH", ONE + "/tags", 3, this::setTags).requires(onDataset(UPDATE)),
                new Endpoint("DELETE", ONE + "/tags/{key}", 3, this::deleteTag).requires(onDataset(UPDATE)),
                new Endpoint("POST", ONE + "/records", 3, this::upsertRecords).requires(onDataset(UPDATE)),
                new Endpoint("GET", ONE + "/records", 3, this::records).requires(onDataset(READ)),
                new Endpoint("DELETE", ONE + "/records", 3, this::deleteRecords).requires(onDataset(UPDATE)),
                new Endpoint("GET", ONE + "/experiment-ids", 3, this::experimentIds).requires(onDataset(READ)),
                new Endpoint("POST", ONE + "/add-experiments", 3, this::addExperiments).requires(datasetLinks()),
                new Endpoint("POST", ONE + "/remove-experiments", 3, this::removeExperiments).requires(onDataset(UPDATE)));
    }

    static ObjectNode json(EvalDataset d) {
        ObjectNode out = Json.object().put("dataset_id", d.datasetId()).put("name", d.name())
                .put("tags", Json.writeString(Json.MAPPER.valueToTree(d.tags())));
        d.schema().ifPresent(s -> out.put("schema", s));
        d.profile().ifPresent(p -> out.put("profile", p));
        out.put("digest", d.digest()).put("created_time", d.createdTime())
                .put("last_update_time", d.lastUpdateTime());
        d.createdBy().ifPresent(s -> out.put("created_by", s));
        d.lastUpdatedBy().ifPresent(s -> out.put("last_updated_by", s));
        ArrayNode experiments = out.putArray("experiment_ids");
        d.experimentIds().forEach(experiments::add);
        return out;
    }

    private EvalDataset dataset(String id) {
        return datasets.get(id).orElseThrow(() -> missing(id));
    }

    private static OspreyException missing(String id) {
        return OspreyException.notFound("Could not find evaluation dataset with ID " + id);
    }

    /** A JSON-text field holding an object, or the object itself (as some clients send it). */
    private static Optional<JsonNode> jsonText(Message m, String field) {
        JsonNode raw = m.json().get(field);
        if (raw == null || raw.isNull()) {
            return Optional.empty();
        }
        if (!raw.isTextual()) {
            return Optional.of(raw);
        }
        if (raw.asText().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(raw.asText()));
        } catch (IOException e) {
            throw OspreyException.invalid("Parameter '" + field + "' must be valid JSON text: " + e.getMessage());
        }
    }

    /** Tags as strings; JSON nulls are skipped (MLflow's set_dataset_tags), other values stringified. */
    private static Map<String, String> tags(Message m) {
        Map<String, String> tags = new LinkedHashMap<>();
        jsonText(m, "tags").ifPresent(t -> {
            if (!t.isObject()) {
                throw OspreyException.invalid("Parameter 'tags' must be a JSON object of tag keys to values.");
            }
            t.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    if (e.getKey().isEmpty() || e.getKey().length() > 250) {
                        throw OspreyException.invalid("Tag keys must have 1 to 250 characters: '" + e.getKey()
                                + "'.");
                    }
                    String value = e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString();
                    if (value.length() > 5000) {
                        throw OspreyException.invalid("Tag '" + e.getKey() + "' has a value over 5000 characters.");
                    }
                    tags.put(e.getKey(), value);
                }
            });
        });
        return tags;
    }

    private static List<String> experimentIds(Message m) {
        return m.ids("experiment_ids");
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        String name = m.requiredString("name");
        if (name.isBlank() || name.length() > 500) {
            throw OspreyException.invalid("Dataset name must have 1 to 500 characters.");
        }
        String id = "d-" + UUID.randomUUID().toString().replace("-", "");
        EvalDataset d = datasets.create(new NewDataset(id, name, experimentIds(m), tags(m),
                jsonText(m, "schema").map(Json::writeString), jsonText(m, "profile").map(Json::writeString),
                m.string("created_by"), clock.millis()));
        return Json.object("dataset", json(d));
    }

    JsonNode get(ApiRequest r) {
        return Json.object("dataset", json(dataset(r.pathParam("dataset_id"))));
    }

    /** Idempotent, as MLflow's: deleting a dataset that is not there answers as deleting one that is. */
    JsonNode delete(ApiRequest r) {
        datasets.delete(r.pathParam("dataset_id"));
        return Json.object();
    }

    JsonNode search(ApiRequest r) {
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), PAGE_DEFAULT, PAGE_MAX);
        Page<EvalDataset> page = datasets.search(new DatasetQuery(experimentIds(m),
                EntityGrammar.EVALUATION_DATASETS.parseFilter(m.string("filter_string").orElse("")),
                EntityGrammar.EVALUATION_DATASETS.parseOrderBy(m.strings("order_by")), max, m.string("page_token")));
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray("datasets");
        page.items().forEach(d -> array.add(json(d)));
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    JsonNode setTags(ApiRequest r) {
        String id = r.pathParam("dataset_id");
        if (!r.message().json().has("tags")) {
            throw Message.missing("tags");
        }
        datasets.setTags(id, tags(r.message()), r.message().string("updated_by"), clock.millis());
        return Json.object("dataset", json(dataset(id)));
    }

    JsonNode deleteTag(ApiRequest r) {
        datasets.deleteTag(r.pathParam("dataset_id"), r.pathParam("key"), clock.millis());
        return Json.object();
    }

    JsonNode upsertRecords(ApiRequest r) {
        String id = r.pathParam("dataset_id");
        Message m = r.message();
        JsonNode records = jsonText(m, "records").orElseThrow(() -> Message.missing("records"));
        if (!records.isArray()) {
            throw OspreyException.invalid("Parameter 'records' must be a JSON list of record objects.");
        }
        dataset(id);
        Optional<String> by = m.string("updated_by");
        List<DatasetRecord> incoming = new ArrayList<>();
        int index = 0;
        for (JsonNode record : records) {
            if (!(record instanceof ObjectNode object)) {
                throw OspreyException.invalid("Record " + index + " must be a JSON object.");
            }
            incoming.add(resolve(id, index++, object, by));
        }
        UpsertCounts counts = datasets.upsertRecords(id, incoming, DatasetRecords::merge, by, clock.millis());
        return Json.object().put("inserted_count", counts.inserted()).put("updated_count", counts.updated());
    }

    /** Fills a trace-sourced record's missing inputs (and expectations) from the stored trace. */
    private DatasetRecord resolve(String datasetId, int index, ObjectNode record, Optional<String> by) {
        JsonNode inputs = record.path("inputs");
        JsonNode source = record.path("source");
        Optional<JsonNode> traceExpectations = Optional.empty();
        if (source.path("source_type").asText().equals("TRACE") && (inputs.isMissingNode() || inputs.isNull())) {
            String traceId = DatasetRecords.sourceId(source).orElseThrow(() -> OspreyException.invalid("Record "
                    + index + " has a TRACE source without source_data.trace_id."));
            TraceItems.StoredTrace trace = traces.read(traceId);
            inputs = trace.inputs();
            traceExpectations = Optional.of(trace.expectations());
            if (!record.has("outputs") && !trace.outputs().isMissingNode()) {
                record.set("outputs", trace.outputs());
            }
        }
        return DatasetRecords.incoming(datasetId, index, record, inputs, traceExpectations, by);
    }

    JsonNode records(ApiRequest r) {
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), PAGE_DEFAULT, PAGE_MAX);
        Page<DatasetRecord> page = datasets.records(r.pathParam("dataset_id"), max, m.string("page_token"));
        ObjectNode out = Json.object().put("records", DatasetRecords.jsonList(page.items()));
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    JsonNode deleteRecords(ApiRequest r) {
        List<String> ids = r.message().strings("dataset_record_ids");
        if (ids.isEmpty()) {
            throw Message.missing("dataset_record_ids");
        }
        return Json.object().put("deleted_count", datasets.deleteRecords(r.pathParam("dataset_id"), ids,
                clock.millis()));
    }

    JsonNode experimentIds(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode ids = out.putArray("experiment_ids");
        dataset(r.pathParam("dataset_id")).experimentIds().forEach(ids::add);
        return out;
    }

    JsonNode addExperiments(ApiRequest r) {
        String id = r.pathParam("dataset_id");
        datasets.addExperiments(id, requiredExperiments(r.message()), clock.millis());
        return Json.object("dataset", json(dataset(id)));
    }

    JsonNode removeExperiments(ApiRequest r) {
        String id = r.pathParam("dataset_id");
        datasets.removeExperiments(id, requiredExperiments(r.message()), clock.millis());
        return Json.object("dataset", json(dataset(id)));
    }

    private static List<String> requiredExperiments(Message m) {
        List<String> ids = experimentIds(m);
        if (ids.isEmpty()) {
            throw Message.missing("experiment_ids");
        }
        return ids;
    }
}
