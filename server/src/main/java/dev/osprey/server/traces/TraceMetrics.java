package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.search.EntityGrammar;
import dev.osprey.store.TraceStore;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QueryTraceMetrics (MLflow 3.x {@code POST /api/3.0/mlflow/traces/metrics}): counts, sums, averages and percentiles
 * of trace, span or assessment values in an experiment's traces, grouped by dimensions and optionally by time bucket.
 * The metric names, dimensions and aggregations each view allows are MLflow's. The store streams lean rows of the
 * matching traces (time window and trace filters pushed down, only the columns the metric needs) and they are
 * aggregated here, the same on every backend: percentiles
 * interpolate linearly between the closest ranks (numpy's default, PostgreSQL's {@code percentile_cont}) where
 * MLflow's MySQL path approximates with {@code PERCENT_RANK}.
 */
final class TraceMetrics {
    static final int DEFAULT_MAX_RESULTS = 1000;
    /** Trace ids per store call when spans or assessments are read. */
    private static final int SPAN_BATCH = 500;
    private static final String TIME_BUCKET = "time_bucket";
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx")
            .withZone(ZoneOffset.UTC);
    private static final Pattern FILTER = Pattern.compile(
            "\\s*`?(\\w+)`?\\.`?(\\w+)`?(?:\\.(?:`([^`]+)`|\"([^\"]+)\"|'([^']+)'|([\\w.-]+)))?\\s*=\\s*"
                    + "(?:'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\")\\s*");

    enum View { TRACES, SPANS, ASSESSMENTS }

    enum Aggregation { COUNT, SUM, AVG, PERCENTILE, MIN, MAX }

    /** One aggregation as asked; its label in the answer is MLflow's {@code str(MetricAggregation)}. */
    record Agg(Aggregation type, double percentile) {
        String label() {
            return type == Aggregation.PERCENTILE ? "P" + percentile : type.name();
        }
    }

    /** One {@code view.entity[.key] = value} filter. */
    record Filter(String view, String entity, Optional<String> key, String value) {}

    /** The aggregations and dimensions one metric allows. */
    private record Allowed(Set<Aggregation> aggregations, Set<String> dimensions) {}

    private static final Set<Aggregation> COUNT = Set.of(Aggregation.COUNT);
    private static final Set<Aggregation> AVG_P = Set.of(Aggregation.AVG, Aggregation.PERCENTILE);
    private static final Set<Aggregation> SUM_AVG_P = Set.of(Aggregation.SUM, Aggregation.AVG, Aggregation.PERCENTILE);
    private static final Map<View, Map<String, Allowed>> METRICS = Map.of(
            View.TRACES, Map.of(
                    "trace_count", new Allowed(COUNT, Set.of("trace_name", "trace_status")),
                    "latency", new Allowed(AVG_P, Set.of("trace_name")),
                    "input_tokens", new Allowed(SUM_AVG_P, Set.of("trace_name")),
                    "output_tokens", new Allowed(SUM_AVG_P, Set.of("trace_name")),
                    "total_tokens", new Allowed(SUM_AVG_P, Set.of("trace_name")),
                    "cache_read_input_tokens", new Allowed(SUM_AVG_P, Set.of("trace_name")),
                    "cache_creation_input_tokens", new Allowed(SUM_AVG_P, Set.of("trace_name"))),
            View.SPANS, Map.of(
                    "span_count", new Allowed(COUNT, Set.of("span_name", "span_type", "span_status",
                            "span_model_name", "span_model_provider")),
                    "latency", new Allowed(AVG_P, Set.of("span_name", "span_status")),
                    "input_cost", new Allowed(SUM_AVG_P, Set.of("span_model_name", "span_model_provider")),
                    "output_cost", new Allowed(SUM_AVG_P, Set.of("span_model_name", "span_model_provider")),
                    "total_cost", new Allowed(SUM_AVG_P, Set.of("span_model_name", "span_model_provider"))),
            View.ASSESSMENTS, Map.of(
                    "assessment_count", new Allowed(COUNT, Set.of("assessment_name", "assessment_value")),
                    "assessment_value", new Allowed(AVG_P, Set.of("assessment_name"))));

    /** A validated request. */
    record Query(List<String> experimentIds, View view, String metric, List<Agg> aggregations,
            List<String> dimensions, List<Filter> filters, Optional<Long> intervalSeconds, Optional<Long> startMs,
            Optional<Long> endMs, int maxResults) {}

    /** One row to aggregate: its dimension values (null where it has none) and its value (empty: none). */
    private record Row(String[] dimensions, OptionalDouble value) {}

    private final TraceStore traces;

    TraceMetrics(TraceStore traces) {
        this.traces = traces;
    }

    static Query parse(Message m) {
        List<String> experiments = m.strings("experiment_ids");
        if (experiments.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'experiment_ids'.");
        }
        String viewName = m.string("view_type").filter(v -> !v.isEmpty())
                .orElseThrow(() -> OspreyException.invalid("Missing value for required parameter 'view_type'."));
        View view = Arrays.stream(View.values()).filter(v -> v.name().equals(viewName)).findFirst()
                .orElseThrow(() -> OspreyException.invalid("view_type must be one of [TRACES, SPANS, ASSESSMENTS], "
                        + "got '" + viewName + "'"));
        String metric = m.requiredString("metric_name");
        Allowed allowed = METRICS.get(view).get(metric);
        if (allowed == null) {
            throw OspreyException.invalid("metric_name must be one of " + new TreeMap<>(METRICS.get(view)).keySet()
                    + ", got '" + metric + "'");
        }
        List<Agg> aggregations = new ArrayList<>();
        for (Message a : m.messages("aggregations")) {
            String type = a.string("aggregation_type").orElse("");
            Aggregation t = Arrays.stream(Aggregation.values()).filter(x -> x.name().equals(type)).findFirst()
                    .orElseThrow(() -> OspreyException.invalid("Invalid aggregation_type '" + type + "'."));
            double p = a.doubleValue("percentile_value").orElse(Double.NaN);
            if (t == Aggregation.PERCENTILE && !(p >= 0 && p <= 100)) {
                throw OspreyException.invalid("Percentile value must be between 0 and 100, got " + p);
            }
            if (!allowed.aggregations().contains(t)) {
                throw OspreyException.invalid("Found invalid aggregation_type(s): ['" + t + "']. Supported "
                        + "aggregation types: " + allowed.aggregations().stream().map(Enum::name).sorted().toList());
            }
            aggregations.add(new Agg(t, p));
        }
        if (aggregations.isEmpty()) {
            throw OspreyException.invalid("Missing value for required parameter 'aggregations'.");
        }
        List<String> dimensions = m.strings("dimensions");
        List<String> invalid = dimensions.stream().filter(d -> !allowed.dimensions().contains(d)).sorted().toList();
        if (!invalid.isEmpty()) {
            throw OspreyException.invalid("Found invalid dimension(s): " + invalid + ". Supported dimensions: "
                    + allowed.dimensions().stream().sorted().toList());
        }
        List<Filter> filters = m.strings("filters").stream().map(f -> filter(f, view)).toList();
        Optional<Long> interval = optional(m.int64("time_interval_seconds"));
        Optional<Long> start = optional(m.int64("start_time_ms"));
        Optional<Long> end = optional(m.int64("end_time_ms"));
        if (interval.isPresent() && interval.get() <= 0) {
            throw OspreyException.invalid("time_interval_seconds must be positive, got " + interval.get());
        }
        if (interval.isPresent() && (start.isEmpty() || end.isEmpty())) {
            throw OspreyException.invalid("start_time_ms and end_time_ms are required if time_interval_seconds is "
                    + "set");
        }
        long max = m.int64("max_results").orElse(DEFAULT_MAX_RESULTS);
        if (max <= 0) {
            throw OspreyException.invalid("max_results must be positive, got " + max);
        }
        return new Query(experiments, view, metric, aggregations, dimensions, filters, interval, start, end,
                (int) Math.min(max, DEFAULT_MAX_RESULTS));
    }

    private static Optional<Long> optional(java.util.OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }

    /** MLflow's filter grammar for metrics: one {@code view.entity[.key] = 'value'} clause per string. */
    static Filter filter(String text, View view) {
        Matcher f = FILTER.matcher(text);
        if (!f.matches()) {
            throw OspreyException.invalid("Invalid filter: '" + text + "'. Expected one clause such as "
                    + "trace.status = 'OK', trace.tag.<key> = 'value', span.name = 'llm' or assessment.name = "
                    + "'relevance'.");
        }
        String target = f.group(1);
        String entity = f.group(2);
        Optional<String> key = Optional.ofNullable(f.group(3) != null ? f.group(3) : f.group(4) != null ? f.group(4)
                : f.group(5) != null ? f.group(5) : f.group(6));
        String value = f.group(7) != null ? f.group(7).replace("''", "'") : f.group(8).replace("\"\"", "\"");
        Map<String, Boolean> entities = switch (target) {
            case "trace" -> Map.of("status", false, "tag", true, "metadata", true);
            case "span" -> Map.of("name", false, "status", false, "type", false);
            case "assessment" -> Map.of("name", false, "type", false);
            default -> throw OspreyException.invalid("Invalid view type '" + target + "'. Valid values are "
                    + "['trace', 'span', 'assessment']");
        };
        Boolean needsKey = entities.get(entity);
        if (needsKey == null) {
            throw OspreyException.invalid("Invalid entity '" + entity + "' specified for view type '" + target
                    + "'. Valid entities are " + new TreeMap<>(entities).keySet());
        }
        if (needsKey != key.isPresent()) {
            throw OspreyException.invalid(needsKey ? "Filtering by " + entity + " requires a key, e.g. '" + target
                    + "." + entity + ".<key> = <value>'" : "Filtering by " + entity + " does not require a key, use '"
                    + target + "." + entity + "' instead");
        }
        if (target.equals("span") && view != View.SPANS) {
            throw OspreyException.invalid("Filtering by span is only supported for SPANS view type, got " + view);
        }
        if (target.equals("assessment") && view != View.ASSESSMENTS) {
            throw OspreyException.invalid("Filtering by assessment is only supported for ASSESSMENTS view type, got "
                    + view);
        }
        return new Filter(target, entity, key, value);
    }

    /** The data points, ordered by their dimension values (time bucket first), at most {@code maxResults}. */
    JsonNode run(Query q) {
        boolean needsValues = q.aggregations().stream().anyMatch(a -> a.type() != Aggregation.COUNT);
        Map<List<String>, Group> byKey = new java.util.HashMap<>();
        // Rows are grouped as they are read: no list of every row is kept.
        Consumer<Row> group = r -> {
            if (Arrays.stream(r.dimensions()).anyMatch(java.util.Objects::isNull)) {
                return; // MLflow drops points with a missing dimension value
            }
            Group g = byKey.computeIfAbsent(List.of(r.dimensions()), k -> new Group());
            if (r.value().isPresent()) {
                g.count++;
                if (needsValues) {
                    g.values.add(r.value().getAsDouble());
                }
            }
        };
        switch (q.view()) {
            case TRACES -> traces(q, t -> traceRow(q, t, group));
            case SPANS -> spanRows(q, traceIds(q), group);
            case ASSESSMENTS -> assessmentRows(q, traceIds(q), group);
        }
        List<Map.Entry<List<String>, Group>> groups = new ArrayList<>(byKey.entrySet());
        boolean bucketFirst = q.intervalSeconds().isPresent();
        groups.sort((x, y) -> compareKeys(x.getKey(), y.getKey(), bucketFirst));
        List<String> names = new ArrayList<>();
        q.intervalSeconds().ifPresent(i -> names.add(TIME_BUCKET));
        names.addAll(q.dimensions());
        ObjectNode out = Json.object();
        ArrayNode points = out.putArray("data_points");
        for (Map.Entry<List<String>, Group> g : groups) {
            if (points.size() >= q.maxResults()) {
                break;
            }
            ObjectNode values = Json.object();
            for (Agg a : q.aggregations()) {
                aggregate(a, g.getValue().values, g.getValue().count).ifPresent(v -> values.put(a.label(), v));
            }
            if (values.isEmpty()) {
                continue;
            }
            ObjectNode point = points.addObject().put("metric_name", q.metric());
            ObjectNode dims = point.putObject("dimensions");
            for (int i = 0; i < names.size(); i++) {
                String value = g.getKey().get(i);
                dims.put(names.get(i), names.get(i).equals(TIME_BUCKET)
                        ? ISO.format(Instant.ofEpochMilli(Long.parseLong(value))) : value);
            }
            point.set("values", values);
        }
        return out;
    }

    /** The rows of one group: how many had a value, and the values when an aggregation needs them. */
    private static final class Group {
        long count;
        final List<Double> values = new ArrayList<>();
    }

    /** Groups in MLflow's order: the time bucket (as a number) first, then the dimensions as text. */
    private static int compareKeys(List<String> a, List<String> b, boolean bucketFirst) {
        for (int i = 0; i < a.size(); i++) {
            int c = i == 0 && bucketFirst ? Long.compare(Long.parseLong(a.get(0)), Long.parseLong(b.get(0)))
                    : a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    static OptionalDouble aggregate(Agg a, List<Double> values, long count) {
        if (a.type() == Aggregation.COUNT) {
            return OptionalDouble.of(count);
        }
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        return switch (a.type()) {
            case SUM -> OptionalDouble.of(values.stream().mapToDouble(Double::doubleValue).sum());
            case AVG -> values.stream().mapToDouble(Double::doubleValue).average();
            case MIN -> values.stream().mapToDouble(Double::doubleValue).min();
            case MAX -> values.stream().mapToDouble(Double::doubleValue).max();
            case PERCENTILE -> OptionalDouble.of(percentile(values, a.percentile() / 100));
            case COUNT -> throw new IllegalStateException();
        };
    }

    /** numpy's default (linear) quantile: {@code (1-g)*y[j] + g*y[j+1]} with {@code j + g = q*(n-1)}. */
    static double percentile(List<Double> values, double q) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double h = q * (sorted.length - 1);
        int j = (int) Math.floor(h);
        if (j + 1 >= sorted.length) {
            return sorted[sorted.length - 1];
        }
        return sorted[j] + (h - j) * (sorted[j + 1] - sorted[j]);
    }

    /** The ids of the experiments' traces in the window that pass the trace filters. */
    private List<String> traceIds(Query q) {
        List<String> ids = new ArrayList<>();
        traces(q, t -> ids.add(t.traceId()));
        return ids;
    }

    /** The experiments' traces in the window that pass the trace filters, as the store streams its lean rows. */
    private void traces(Query q, Consumer<TraceStore.MetricRow> sink) {
        List<String> clauses = new ArrayList<>();
        q.startMs().ifPresent(s -> clauses.add("trace.timestamp_ms >= " + s));
        q.endMs().ifPresent(e -> clauses.add("trace.timestamp_ms <= " + e));
        for (Filter f : q.filters()) {
            if (!f.view().equals("trace")) {
                continue;
            }
            String literal = "'" + f.value().replace("'", "''") + "'";
            clauses.add(switch (f.entity()) {
                case "status" -> "trace.status = " + literal;
                case "tag" -> "tags.`" + f.key().orElseThrow() + "` = " + literal;
                default -> "metadata.`" + f.key().orElseThrow() + "` = " + literal;
            });
        }
        var filter = EntityGrammar.TRACES.parseFilter(String.join(" AND ", clauses));
        boolean traceView = q.view() == View.TRACES;
        traces.metricRows(new TraceStore.MetricRowQuery(q.experimentIds(), filter,
                traceView && q.dimensions().contains("trace_name"),
                traceView && !q.metric().equals("trace_count") && !q.metric().equals("latency")), sink);
    }

    private static long bucket(Query q, double timestampMs) {
        long size = q.intervalSeconds().orElseThrow() * 1000;
        return (long) Math.floor(timestampMs / size) * size;
    }

    /** The row's dimension values: the time bucket (when asked) first, then the asked dimensions in order. */
    private static String[] dimensions(Query q, double timestampMs, java.util.function.Function<String, String> value) {
        List<String> out = new ArrayList<>();
        q.intervalSeconds().ifPresent(i -> out.add(Long.toString(bucket(q, timestampMs))));
        q.dimensions().forEach(d -> out.add(value.apply(d)));
        return out.toArray(new String[0]);
    }

    private static void traceRow(Query q, TraceStore.MetricRow t, Consumer<Row> out) {
        OptionalDouble value;
        switch (q.metric()) {
            case "trace_count" -> value = OptionalDouble.of(1);
            case "latency" -> value = t.executionDurationMs().isPresent()
                    ? OptionalDouble.of(t.executionDurationMs().getAsLong()) : OptionalDouble.empty();
            default -> {
                // Token metrics come from the trace's usage roll-up; a trace without it has no row (MLflow joins).
                JsonNode usage = json(t.tokenUsage().orElse(null));
                if (usage == null || !usage.path(q.metric()).isNumber()) {
                    return;
                }
                value = OptionalDouble.of(usage.path(q.metric()).asDouble());
            }
        }
        out.accept(new Row(dimensions(q, t.requestTimeMs(), d -> switch (d) {
            case "trace_name" -> t.name().orElse(null);
            default -> t.state().name();
        }), value));
    }

    private void spanRows(Query q, List<String> ids, Consumer<Row> out) {
        boolean modelDimensions = q.dimensions().stream().anyMatch(d -> d.startsWith("span_model"));
        for (int from = 0; from < ids.size(); from += SPAN_BATCH) {
            for (SpanRecord s : traces.spansOf(ids.subList(from, Math.min(ids.size(), from + SPAN_BATCH)))) {
                if (!q.filters().stream().filter(f -> f.view().equals("span")).allMatch(f -> f.value().equals(
                        switch (f.entity()) {
                            case "name" -> s.name();
                            case "status" -> s.statusCode();
                            default -> s.spanType().orElse(null);
                        }))) {
                    continue;
                }
                OptionalDouble value = switch (q.metric()) {
                    case "span_count" -> OptionalDouble.of(1);
                    case "latency" -> s.endTimeNs().isPresent()
                            ? OptionalDouble.of(Math.floorDiv(s.endTimeNs().getAsLong() - s.startTimeNs(), 1_000_000L))
                            : OptionalDouble.empty();
                    case "input_cost" -> s.cost().map(c -> OptionalDouble.of(c.input())).orElse(OptionalDouble.empty());
                    case "output_cost" -> s.cost().map(c -> OptionalDouble.of(c.output()))
                            .orElse(OptionalDouble.empty());
                    default -> s.cost().map(c -> OptionalDouble.of(c.total())).orElse(OptionalDouble.empty());
                };
                if (q.metric().endsWith("_cost") && value.isEmpty()) {
                    continue; // MLflow joins the span's cost rows: a span without cost has none
                }
                Map<String, String> attributes = modelDimensions ? modelAttributes(s.content()) : Map.of();
                out.accept(new Row(dimensions(q, s.startTimeNs() / 1e6, d -> switch (d) {
                    case "span_name" -> s.name();
                    case "span_type" -> s.spanType().orElse(null);
                    case "span_status" -> s.statusCode();
                    case "span_model_name" -> attributes.get("mlflow.llm.model");
                    default -> attributes.get("mlflow.llm.provider");
                }), value));
            }
        }
    }

    /** The span's model and provider attributes (stored JSON-encoded, as MLflow's SDKs write them). */
    private static Map<String, String> modelAttributes(String content) {
        Map<String, String> out = new TreeMap<>();
        JsonNode span = json(content);
        if (span == null) {
            return out;
        }
        for (JsonNode a : span.path("attributes")) {
            String key = a.path("key").asText();
            if (key.equals("mlflow.llm.model") || key.equals("mlflow.llm.provider")) {
                String raw = a.path("value").path("string_value").asText(null);
                JsonNode decoded = raw == null ? null : json(raw);
                out.put(key, decoded != null && decoded.isTextual() ? decoded.asText() : raw);
            }
        }
        return out;
    }

    private void assessmentRows(Query q, List<String> ids, Consumer<Row> out) {
        List<Assessment> all = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += SPAN_BATCH) {
            traces.assessments(ids.subList(from, Math.min(ids.size(), from + SPAN_BATCH))).values()
                    .forEach(all::addAll);
        }
        for (Assessment a : all) {
            JsonNode body = json(a.body());
            if (body == null) {
                continue;
            }
            String type = body.has("expectation") ? "expectation" : "feedback";
            String name = body.path("assessment_name").asText(null);
            JsonNode valueNode = body.path(type).path("value");
            String encoded = valueNode.isMissingNode() ? "null" : Json.writeString(valueNode);
            boolean passes = q.filters().stream().filter(f -> f.view().equals("assessment")).allMatch(f ->
                    f.value().equals(f.entity().equals("name") ? name : type));
            if (!passes) {
                continue;
            }
            OptionalDouble value = q.metric().equals("assessment_count") ? OptionalDouble.of(1) : numeric(valueNode);
            out.accept(new Row(dimensions(q, a.createTimeMs(), d -> d.equals("assessment_name") ? name : encoded),
                    value));
        }
    }

    /** MLflow's numeric reading of an assessment value: true/"yes" 1, false/"no" 0, numbers as they are. */
    private static OptionalDouble numeric(JsonNode v) {
        if (v.isBoolean()) {
            return OptionalDouble.of(v.asBoolean() ? 1 : 0);
        }
        if (v.isTextual() && (v.asText().equals("yes") || v.asText().equals("no"))) {
            return OptionalDouble.of(v.asText().equals("yes") ? 1 : 0);
        }
        return v.isNumber() ? OptionalDouble.of(v.asDouble()) : OptionalDouble.empty();
    }

    private static JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Json.read(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
