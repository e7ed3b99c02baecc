package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.Sha256;
import dev.osprey.protocol.Json;
import dev.osprey.store.DatasetStore.DatasetRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Dataset records between MLflow's JSON and the store: checking incoming records, the key their inputs are matched
 * by (a hash of the inputs' canonical JSON, so key order and spacing do not make two records), and the upsert merge
 * (expectations and tags merged key by key, outputs and source replaced when given).
 */
final class DatasetRecords {
    static final Set<String> SOURCE_TYPES = Set.of("TRACE", "HUMAN", "DOCUMENT", "CODE", "SOURCE_TYPE_UNSPECIFIED");
    private static final com.fasterxml.jackson.databind.ObjectWriter CANONICAL = Json.MAPPER
            .writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private DatasetRecords() {}

    static String newRecordId() {
        return "dr-" + UUID.randomUUID().toString().replace("-", "");
    }

    static String inputsKey(JsonNode inputs) {
        try {
            Object plain = Json.MAPPER.treeToValue(inputs, Object.class);
            return HexFormat.of().formatHex(Sha256.of(CANONICAL.writeValueAsBytes(plain)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The incoming record as the store keeps it; {@code inputs} already resolved (from a trace when needed). */
    static DatasetRecord incoming(String datasetId, int index, ObjectNode r, JsonNode inputs,
            Optional<JsonNode> traceExpectations, Optional<String> by) {
        if (!inputs.isObject() || inputs.isEmpty()) {
            throw OspreyException.invalid("Record " + index + " needs non-empty 'inputs' (an object), or a TRACE "
                    + "source whose trace has inputs.");
        }
        ObjectNode expectations = object(r, "expectations", index);
        traceExpectations.ifPresent(e -> e.properties().forEach(f -> {
            if (!expectations.has(f.getKey())) {
                expectations.set(f.getKey(), f.getValue());
            }
        }));
        ObjectNode tags = object(r, "tags", index);
        Optional<JsonNode> source = Optional.ofNullable(r.get("source")).filter(s -> !s.isNull());
        String sourceType = source.map(s -> s.path("source_type").asText("SOURCE_TYPE_UNSPECIFIED"))
                .orElse("SOURCE_TYPE_UNSPECIFIED");
        if (!SOURCE_TYPES.contains(sourceType)) {
            throw OspreyException.invalid("Record " + index + " has an invalid source_type '" + sourceType
                    + "': use one of " + SOURCE_TYPES.stream().sorted().toList() + ".");
        }
        Optional<String> sourceId = source.flatMap(DatasetRecords::sourceId);
        Optional<String> createdBy = by.or(() -> Optional.ofNullable(tags.get("mlflow.user")).map(JsonNode::asText));
        Optional<String> outputs = Optional.ofNullable(r.get("outputs")).filter(o -> !o.isNull())
                .map(Json::writeString);
        return new DatasetRecord(newRecordId(), datasetId, inputsKey(inputs), Json.writeString(inputs),
                Json.writeString(expectations), outputs, Json.writeString(tags), source.map(Json::writeString),
                sourceId, sourceType, 0, 0, createdBy, createdBy);
    }

    /** The trace id of a TRACE source, the document URI of a DOCUMENT source, else any id the source names. */
    static Optional<String> sourceId(JsonNode source) {
        JsonNode data = source.path("source_data");
        for (String field : List.of("trace_id", "doc_uri", "user_id", "source_id")) {
            if (data.path(field).isTextual() && !data.path(field).asText().isEmpty()) {
                return Optional.of(data.path(field).asText());
            }
        }
        return Optional.empty();
    }

    private static ObjectNode object(ObjectNode r, String field, int index) {
        JsonNode v = r.get(field);
        if (v == null || v.isNull()) {
            return Json.object();
        }
        if (!v.isObject()) {
            throw OspreyException.invalid("Record " + index + " field '" + field + "' must be an object.");
        }
        return ((ObjectNode) v).deepCopy();
    }

    static DatasetRecord merge(DatasetRecord existing, DatasetRecord incoming) {
        ObjectNode expectations = (ObjectNode) parse(existing.expectationsJson());
        expectations.setAll((ObjectNode) parse(incoming.expectationsJson()));
        ObjectNode tags = (ObjectNode) parse(existing.tagsJson());
        tags.setAll((ObjectNode) parse(incoming.tagsJson()));
        boolean newSource = incoming.sourceJson().isPresent();
        return new DatasetRecord(existing.recordId(), existing.datasetId(), existing.inputsKey(),
                existing.inputsJson(), Json.writeString(expectations),
                incoming.outputsJson().or(existing::outputsJson), Json.writeString(tags),
                newSource ? incoming.sourceJson() : existing.sourceJson(),
                newSource ? incoming.sourceId() : existing.sourceId(),
                newSource ? incoming.sourceType() : existing.sourceType(), existing.createdTime(),
                existing.lastUpdateTime(), existing.createdBy(),
                incoming.lastUpdatedBy().or(existing::lastUpdatedBy));
    }

    static ObjectNode json(DatasetRecord r) {
        ObjectNode out = Json.object().put("dataset_record_id", r.recordId()).put("dataset_id", r.datasetId());
        out.set("inputs", parse(r.inputsJson()));
        out.set("expectations", parse(r.expectationsJson()));
        r.outputsJson().ifPresent(o -> out.set("outputs", parse(o)));
        out.set("tags", parse(r.tagsJson()));
        r.sourceJson().ifPresent(s -> out.set("source", parse(s)));
        r.sourceId().ifPresent(s -> out.put("source_id", s));
        out.put("source_type", r.sourceType()).put("created_time", r.createdTime())
                .put("last_update_time", r.lastUpdateTime());
        r.createdBy().ifPresent(s -> out.put("created_by", s));
        r.lastUpdatedBy().ifPresent(s -> out.put("last_updated_by", s));
        return out;
    }

    static String jsonList(List<DatasetRecord> records) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        records.forEach(r -> array.add(json(r)));
        return Json.writeString(array);
    }

    static JsonNode parse(String text) {
        try {
            return Json.read(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Stored record JSON is unreadable", e);
        }
    }
}
