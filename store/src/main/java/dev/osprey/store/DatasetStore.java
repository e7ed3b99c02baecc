package dev.osprey.store;

import dev.osprey.core.Page;
import dev.osprey.search.Condition;
import dev.osprey.search.Ordering;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Evaluation datasets (spec/genai.md §2): named sets of records (inputs, expectations, outputs, tags, source), linked to
 * any number of experiments. Records are keyed by their inputs: upserting inputs a dataset already holds updates that
 * record. Record bodies are JSON text the store keeps verbatim; merging two versions of a record is the caller's
 * {@link RecordMerge}, run inside the store's transaction. Unknown datasets are {@code RESOURCE_DOES_NOT_EXIST}.
 */
public interface DatasetStore {

    EvalDataset create(NewDataset dataset);

    Optional<EvalDataset> get(String datasetId);

    /** Deletes the dataset with its records, tags and experiment links; false when it did not exist. */
    boolean delete(String datasetId);

    Page<EvalDataset> search(DatasetQuery query);

    /** Merges tags into the dataset's (values replace). */
    void setTags(String datasetId, Map<String, String> tags, Optional<String> updatedBy, long now);

    /** Removes one tag; a missing tag is no error. */
    void deleteTag(String datasetId, String key, long now);

    /**
     * Inserts records whose inputs the dataset lacks and merges the others into the existing record, atomically, then
     * recomputes the dataset's digest.
     */
    UpsertCounts upsertRecords(String datasetId, List<DatasetRecord> records, RecordMerge merge,
            Optional<String> updatedBy, long now);

    /** Records in insertion order. */
    Page<DatasetRecord> records(String datasetId, int maxResults, Optional<String> pageToken);

    int deleteRecords(String datasetId, List<String> recordIds, long now);

    void addExperiments(String datasetId, List<String> experimentIds, long now);

    void removeExperiments(String datasetId, List<String> experimentIds, long now);

    /** A dataset as stored; {@code tags} and {@code experimentIds} sorted. */
    record EvalDataset(String datasetId, String name, Map<String, String> tags, Optional<String> schema,
            Optional<String> profile, String digest, long createdTime, long lastUpdateTime, Optional<String> createdBy,
            Optional<String> lastUpdatedBy, List<String> experimentIds) {
        public EvalDataset {
            Objects.requireNonNull(datasetId, "datasetId");
            Objects.requireNonNull(name, "name");
            tags = Map.copyOf(tags);
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(profile, "profile");
            Objects.requireNonNull(digest, "digest");
            Objects.requireNonNull(createdBy, "createdBy");
            Objects.requireNonNull(lastUpdatedBy, "lastUpdatedBy");
            experimentIds = List.copyOf(experimentIds);
        }
    }

    record NewDataset(String datasetId, String name, List<String> experimentIds, Map<String, String> tags,
            Optional<String> schema, Optional<String> profile, Optional<String> createdBy, long createdTime) {
        public NewDataset {
            Objects.requireNonNull(datasetId, "datasetId");
            Objects.requireNonNull(name, "name");
            experimentIds = List.copyOf(experimentIds);
            tags = Map.copyOf(tags);
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(profile, "profile");
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }

    /**
     * One record. {@code inputsKey} identifies the inputs (a hash of their canonical JSON) and is what upserts match
     * on; the JSON fields are objects as text; {@code sourceJson} is {@code {source_type, source_data}}.
     */
    record DatasetRecord(String recordId, String datasetId, String inputsKey, String inputsJson,
            String expectationsJson, Optional<String> outputsJson, String tagsJson, Optional<String> sourceJson,
            Optional<String> sourceId, String sourceType, long createdTime, long lastUpdateTime,
            Optional<String> createdBy, Optional<String> lastUpdatedBy) {
        public DatasetRecord {
            Objects.requireNonNull(recordId, "recordId");
            Objects.requireNonNull(datasetId, "datasetId");
            Objects.requireNonNull(inputsKey, "inputsKey");
            Objects.requireNonNull(inputsJson, "inputsJson");
            Objects.requireNonNull(expectationsJson, "expectationsJson");
            Objects.requireNonNull(outputsJson, "outputsJson");
            Objects.requireNonNull(tagsJson, "tagsJson");
            Objects.requireNonNull(sourceJson, "sourceJson");
            Objects.requireNonNull(sourceId, "sourceId");
            Objects.requireNonNull(sourceType, "sourceType");
            Objects.requireNonNull(createdBy, "createdBy");
            Objects.requireNonNull(lastUpdatedBy, "lastUpdatedBy");
        }
    }

    /** How an incoming record combines with the stored one holding the same inputs; returns the record to store. */
    @FunctionalInterface
    interface RecordMerge {
        DatasetRecord merge(DatasetRecord existing, DatasetRecord incoming);
    }

    record UpsertCounts(int inserted, int updated) {}

    /** A validated SearchEvaluationDatasets; no experiment ids means all datasets. */
    record DatasetQuery(List<String> experimentIds, List<Condition> filter, List<Ordering> orderBy, int maxResults,
            Optional<String> pageToken) {
        public DatasetQuery {
            experimentIds = List.copyOf(experimentIds);
            filter = List.copyOf(filter);
            orderBy = List.copyOf(orderBy);
            Objects.requireNonNull(pageToken, "pageToken");
        }
    }
}
