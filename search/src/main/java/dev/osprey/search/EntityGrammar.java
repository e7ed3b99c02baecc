package dev.osprey.search;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of one searchable entity: which prefixes name which fields, which attributes exist and are numeric,
 * and which comparators each accepts. Runs and experiments are instances; later entities (registry, traces) add
 * theirs the same way.
 */
public final class EntityGrammar {
    private final String entityName;
    private final Map<String, Field> prefixes;
    private final Map<String, String> attributeAliases;
    private final Set<String> numericAttributes;
    private final Set<String> listAttributes;
    private final Set<String> orderableAttributes;
    private final Set<Field> orderableFields;
    private final Set<String> orderOnly;
    private final Set<String> patternAttributes;

    private EntityGrammar(Builder b) {
        this.entityName = b.entityName;
        this.prefixes = Map.copyOf(b.prefixes);
        this.attributeAliases = Map.copyOf(b.attributeAliases);
        this.numericAttributes = Set.copyOf(b.numericAttributes);
        this.listAttributes = Set.copyOf(b.listAttributes);
        this.orderableAttributes = Set.copyOf(b.orderableAttributes);
        this.orderableFields = Set.copyOf(b.orderableFields);
        this.orderOnly = Set.copyOf(b.orderOnly);
        this.patternAttributes = Set.copyOf(b.patternAttributes);
    }

    public static final EntityGrammar RUNS = builder("run")
            .prefix(Field.METRIC, "metric", "metrics")
            .prefix(Field.PARAM, "parameter", "parameters", "param", "params")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes", "attr", "run")
            .prefix(Field.DATASET, "dataset", "datasets")
            .attributes("run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage")
            .numeric("start_time", "end_time")
            .alias("created", "start_time").alias("Created", "start_time")
            .alias("run name", "run_name").alias("Run name", "run_name").alias("Run Name", "run_name")
            .listAttributes("run_id")
            .orderable("run_id", "run_name", "status", "user_id", "artifact_uri", "experiment_id",
                    "lifecycle_stage", "start_time", "end_time")
            .orderableFields(Field.METRIC, Field.PARAM, Field.TAG, Field.ATTRIBUTE)
            .build();

    public static final EntityGrammar EXPERIMENTS = builder("experiment")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes", "attr")
            .attributes("name")
            .numeric("creation_time", "last_update_time")
            .orderable("name", "experiment_id", "creation_time", "last_update_time")
            .orderableFields(Field.ATTRIBUTE)
            .build();

    /** SearchRegisteredModels: {@code timestamp} and {@code last_updated_timestamp} both order by update time. */
    public static final EntityGrammar REGISTERED_MODELS = builder("registered model")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute")
            .attributes("name")
            .orderOnly("timestamp", "last_updated_timestamp")
            .orderableFields(Field.ATTRIBUTE)
            .build();

    /** SearchModelVersions: {@code source_path} filters the version's source; {@code IN} only on run_id. */
    public static final EntityGrammar MODEL_VERSIONS = builder("model version")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute")
            .attributes("name", "run_id", "source_path")
            .numeric("version_number")
            .listAttributes("run_id")
            .orderOnly("version_number", "creation_timestamp", "last_updated_timestamp")
            .orderableFields(Field.ATTRIBUTE)
            .build();

    /** SearchLoggedModels filters (spec/search-grammar.md §7); order_by arrives as objects, not strings. */
    public static final EntityGrammar LOGGED_MODELS = builder("logged model")
            .prefix(Field.METRIC, "metric", "metrics")
            .prefix(Field.PARAM, "param", "params")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes")
            .attributes("name", "model_id", "model_type", "status", "source_run_id")
            .numeric("creation_timestamp", "last_updated_timestamp")
            .alias("creation_time", "creation_timestamp").alias("last_updated_time", "last_updated_timestamp")
            .orderableFields(Field.ATTRIBUTE, Field.METRIC)
            .build();

    /** SearchTracesV3 (spec/search-grammar.md §6, the MLflow 3.0 base grammar). */
    public static final EntityGrammar TRACES = builder("trace")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes", "trace")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.METADATA, "request_metadata", "metadata")
            .prefix(Field.SPAN, "span")
            .attributes("request_id", "name", "status", "run_id", "client_request_id")
            .numeric("timestamp_ms", "execution_time_ms", "end_time_ms")
            .alias("timestamp", "timestamp_ms").alias("execution_time", "execution_time_ms")
            .listAttributes("request_id", "name", "status", "run_id")
            .patternAttributes("text")
            .orderable("timestamp_ms", "execution_time_ms")
            .orderOnly("experiment_id")
            .orderableFields(Field.ATTRIBUTE)
            .build();

    /** SearchEvaluationDatasets (spec/search-grammar.md §8). */
    public static final EntityGrammar EVALUATION_DATASETS = builder("evaluation dataset")
            .prefix(Field.TAG, "tag", "tags")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes")
            .attributes("name", "created_by", "last_updated_by")
            .numeric("created_time", "last_update_time")
            .orderable("name", "created_time", "last_update_time")
            .orderableFields(Field.ATTRIBUTE)
            .build();

    /** SearchIssues (MLflow 3.11): {@code status} and {@code source_run_id}; the handler allows = and != only. */
    public static final EntityGrammar ISSUES = builder("issue")
            .prefix(Field.ATTRIBUTE, "attribute", "attributes")
            .attributes("status", "source_run_id")
            .build();

    private static final Set<String> DATASET_KEYS = Set.of("name", "digest", "context");
    /**
     * A trace matches a span clause when any of its spans does; {@code content} is the span's stored JSON and
     * {@code attributes.<key>} one of its attributes.
     */
    private static final Set<String> SPAN_KEYS = Set.of("name", "type", "status", "content");
    private static final String SPAN_ATTRIBUTE = "attributes.";

    public List<Condition> parseFilter(String filter) {
        List<Condition> out = new ArrayList<>();
        for (Clause clause : FilterParser.parse(filter)) {
            out.add(validate(clause));
        }
        return out;
    }

    public List<Ordering> parseOrderBy(List<String> orderBy) {
        List<Ordering> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String item : orderBy) {
            FilterParser.OrderItem parsed = FilterParser.parseOrderItem(item);
            Field field = field(parsed.prefix());
            String key = parsed.key();
            if (field == Field.ATTRIBUTE) {
                key = attributeAliases.getOrDefault(key, key);
                if (!orderableAttributes.contains(key)) {
                    throw new SearchSyntaxException("Invalid order_by key '" + parsed.key() + "' specified. Valid "
                            + "keys are " + sorted(orderableAttributes));
                }
            } else if (!orderableFields.contains(field)) {
                throw new SearchSyntaxException("Invalid order_by entity type '" + parsed.prefix() + "' for "
                        + entityName + " search.");
            }
            if (!seen.add(field + "." + key)) {
                throw new SearchSyntaxException("`order_by` contains duplicate fields: " + orderBy);
            }
            out.add(new Ordering(field, key, parsed.ascending()));
        }
        return out;
    }

    private Field field(String prefix) {
        if (prefix.isEmpty()) {
            return Field.ATTRIBUTE;
        }
        Field field = prefixes.get(prefix);
        if (field == null) {
            throw new SearchSyntaxException("Invalid entity type '" + prefix + "'. Valid values are "
                    + sorted(prefixes.keySet()));
        }
        return field;
    }

    private Condition validate(Clause clause) {
        Field field = field(clause.prefix());
        Comparator op = clause.comparator();
        Value value = clause.value();
        String key = clause.key();
        switch (field) {
            case METRIC -> {
                requireNumber(value, "metric", key);
                requireComparator(op.isNumeric(), op, "metric");
            }
            case PARAM, TAG, METADATA -> {
                String what = field == Field.PARAM ? "param" : field == Field.TAG ? "tag" : "metadata";
                requireText(value, what, key);
                requireComparator(op.isString(), op, what);
            }
            case SPAN -> {
                boolean attribute = key.startsWith(SPAN_ATTRIBUTE) && key.length() > SPAN_ATTRIBUTE.length();
                if (!attribute && !SPAN_KEYS.contains(key)) {
                    throw new SearchSyntaxException("Invalid span key '" + key + "'. Valid keys are "
                            + sorted(SPAN_KEYS) + " and attributes.<key>");
                }
                requireText(value, "span", key);
                requireComparator(key.equals("content") ? isPattern(op) : op.isString(), op, "span " + key);
            }
            case DATASET -> {
                if (!DATASET_KEYS.contains(key)) {
                    throw new SearchSyntaxException("Invalid dataset key '" + key + "'. Valid keys are "
                            + sorted(DATASET_KEYS));
                }
                if (!op.isList()) {
                    requireText(value, "dataset", key);
                }
                requireComparator(op.isString() || op.isList(), op, "dataset");
            }
            case ATTRIBUTE -> {
                key = attributeAliases.getOrDefault(key, key);
                if (orderOnly.contains(key) && !numericAttributes.contains(key)) {
                    throw new SearchSyntaxException("Invalid attribute name: " + clause.key());
                }
                if (patternAttributes.contains(key)) {
                    requireText(value, "attribute", key);
                    requireComparator(isPattern(op), op, "attribute " + key);
                } else if (numericAttributes.contains(key)) {
                    requireNumber(value, "numeric attribute", key);
                    requireComparator(op.isNumeric(), op, "numeric attribute");
                } else if (orderableAttributes.contains(key) && !key.equals("experiment_id")
                        || listAttributes.contains(key)) {
                    if (op.isList()) {
                        if (!listAttributes.contains(key)) {
                            throw new SearchSyntaxException("Invalid comparator for attribute: " + op + ". "
                                    + op + " is only supported for " + sorted(listAttributes));
                        }
                    } else {
                        requireText(value, "string attribute", key);
                        requireComparator(op.isString(), op, "string attribute");
                    }
                } else {
                    throw new SearchSyntaxException("Invalid attribute key '" + clause.key() + "' specified. "
                            + "Valid keys are " + sorted(filterableAttributes()));
                }
            }
            default -> throw new IllegalStateException(field.name());
        }
        return new Condition(field, key, op, value);
    }

    private static boolean isPattern(Comparator op) {
        return op == Comparator.LIKE || op == Comparator.ILIKE;
    }

    private Set<String> filterableAttributes() {
        Set<String> keys = new HashSet<>(orderableAttributes);
        keys.addAll(patternAttributes);
        keys.remove("experiment_id");
        keys.addAll(numericAttributes);
        return keys;
    }

    private static void requireNumber(Value value, String what, String key) {
        if (!(value instanceof Value.Number)) {
            throw new SearchSyntaxException("Expected numeric value type for " + what + ". Found " + describe(value)
                    + " for key '" + key + "'.");
        }
    }

    private static void requireText(Value value, String what, String key) {
        if (!(value instanceof Value.Text)) {
            throw new SearchSyntaxException("Expected a quoted string value for " + what + " '" + key
                    + "'. Found " + describe(value) + ".");
        }
    }

    private static void requireComparator(boolean allowed, Comparator op, String what) {
        if (!allowed) {
            throw new SearchSyntaxException("Invalid comparator '" + op + "' not one of the allowed comparators for "
                    + what + ".");
        }
    }

    private static String describe(Value value) {
        return switch (value) {
            case Value.Text t -> "string '" + t.text() + "'";
            case Value.Number n -> "number " + n.number().toPlainString();
            case Value.TextList l -> "list " + l.items();
        };
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    static Builder builder(String entityName) {
        return new Builder(entityName);
    }

    static final class Builder {
        private final String entityName;
        private final Map<String, Field> prefixes = new LinkedHashMap<>();
        private final Map<String, String> attributeAliases = new LinkedHashMap<>();
        private final Set<String> numericAttributes = new HashSet<>();
        private final Set<String> listAttributes = new HashSet<>();
        private final Set<String> orderableAttributes = new HashSet<>();
        private final Set<Field> orderableFields = new HashSet<>();
        private final Set<String> stringAttributes = new HashSet<>();
        private final Set<String> orderOnly = new HashSet<>();
        private final Set<String> patternAttributes = new HashSet<>();

        Builder(String entityName) {
            this.entityName = entityName;
        }

        Builder prefix(Field field, String... names) {
            for (String name : names) {
                prefixes.put(name, field);
            }
            return this;
        }

        Builder attributes(String... names) {
            stringAttributes.addAll(List.of(names));
            return this;
        }

        Builder numeric(String... names) {
            numericAttributes.addAll(List.of(names));
            return this;
        }

        Builder alias(String alias, String canonical) {
            attributeAliases.put(alias, canonical);
            return this;
        }

        Builder listAttributes(String... names) {
            listAttributes.addAll(List.of(names));
            return this;
        }

        Builder orderable(String... names) {
            orderableAttributes.addAll(List.of(names));
            return this;
        }

        /** Keys matched only with LIKE / ILIKE patterns, such as the full text of a trace. */
        Builder patternAttributes(String... names) {
            patternAttributes.addAll(List.of(names));
            return this;
        }

        /** Keys that order results but cannot be filtered on (numeric ones stay filterable). */
        Builder orderOnly(String... names) {
            orderOnly.addAll(List.of(names));
            orderableAttributes.addAll(List.of(names));
            return this;
        }

        Builder orderableFields(Field... fields) {
            orderableFields.addAll(List.of(fields));
            return this;
        }

        EntityGrammar build() {
            // String attributes are filterable even when not orderable; record them as orderable-or-filterable.
            orderableAttributes.addAll(stringAttributes);
            return new EntityGrammar(this);
        }
    }
}
