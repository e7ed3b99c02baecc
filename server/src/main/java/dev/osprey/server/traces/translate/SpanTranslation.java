package dev.osprey.server.traces.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Fills a span's MLflow attributes from whatever instrumentation produced it, as MLflow's
 * {@code translate_span_when_storing} does: the span type (when missing or UNKNOWN), inputs and outputs (from
 * attributes, else from events), token usage, the chat view's message format, tool definitions, model and provider.
 * Attributes the span already has in MLflow's form win, so MLflow's own spans pass unchanged. Added values are in
 * MLflow's encoding (JSON text), the span's own attributes stay exactly as received.
 */
public final class SpanTranslation {
    public static final String SPAN_TYPE = "mlflow.spanType";
    public static final String INPUTS = "mlflow.spanInputs";
    public static final String OUTPUTS = "mlflow.spanOutputs";
    public static final String TOKEN_USAGE = "mlflow.chat.tokenUsage";
    public static final String MESSAGE_FORMAT = "mlflow.message.format";
    public static final String TOOLS = "mlflow.chat.tools";
    public static final String MODEL = "mlflow.llm.model";
    public static final String PROVIDER = "mlflow.llm.provider";

    private final List<SpanTranslator> families;
    private final List<SpanTranslator> eventFamilies;

    SpanTranslation(List<SpanTranslator> families, List<SpanTranslator> eventFamilies) {
        this.families = List.copyOf(families);
        this.eventFamilies = List.copyOf(eventFamilies);
    }

    /** Every family MLflow 3 translates, in MLflow's order. */
    public static SpanTranslation mlflow() {
        return new SpanTranslation(Families.inMlflowOrder(), Families.withEventMessages());
    }

    /** The span with its MLflow attributes filled in; the same instance when nothing was missing. */
    public Span translate(Span span) {
        return translateDecoded(span).span();
    }

    /** A translated span and its attributes decoded, the added ones included (to spare decoding them again). */
    public record Translated(Span span, Map<String, JsonNode> attributes) {}

    public Translated translateDecoded(Span span) {
        Map<String, JsonNode> attributes = AttributeValues.decode(span.getAttributesList());
        Map<String, JsonNode> added = new LinkedHashMap<>();
        if (onlyMlflowAttributes(attributes) && span.getEventsCount() == 0) {
            // MLflow's own spans: every family keys off attributes of its own, none of them mlflow.*, so skipping
            // the eleven families' lookups changes nothing (TRC-1's common path); MLflow's model fallback still applies.
            if (!attributes.containsKey(MODEL)) {
                modelField(attributes.get(INPUTS), null).or(() -> modelField(attributes.get(OUTPUTS), null))
                        .ifPresent(m -> added.put(MODEL, text(m)));
            }
            return withAdded(span, attributes, added);
        }
        Optional<String> current = Optional.ofNullable(attributes.get(SPAN_TYPE)).flatMap(AttributeValues::text);
        if (current.isEmpty() || current.get().equals(Families.UNKNOWN)) {
            first(t -> t.spanType(attributes)).filter(type -> !current.equals(Optional.of(type)))
                    .ifPresent(type -> added.put(SPAN_TYPE, text(type)));
        }
        if (!attributes.containsKey(INPUTS)) {
            first(t -> t.input(attributes)).or(() -> firstOf(eventFamilies, t -> t.inputFromEvents(events(span))))
                    .ifPresent(v -> added.put(INPUTS, v));
        }
        if (!attributes.containsKey(OUTPUTS)) {
            first(t -> t.output(attributes)).or(() -> firstOf(eventFamilies, t -> t.outputFromEvents(events(span))))
                    .ifPresent(v -> added.put(OUTPUTS, v));
        }
        if (!attributes.containsKey(TOKEN_USAGE)) {
            tokenUsage(attributes).ifPresent(u -> added.put(TOKEN_USAGE, u));
        }
        if (!attributes.containsKey(MESSAGE_FORMAT)) {
            first(t -> t.messageFormat(attributes)).ifPresent(f -> added.put(MESSAGE_FORMAT, text(f)));
        }
        if (!attributes.containsKey(TOOLS)) {
            first(t -> t.tools(attributes)).ifPresent(v -> added.put(TOOLS, v));
        }
        if (!attributes.containsKey(MODEL)) {
            first(t -> t.model(attributes)).or(() -> modelField(attributes.get(INPUTS), added.get(INPUTS)))
                    .or(() -> modelField(attributes.get(OUTPUTS), added.get(OUTPUTS)))
                    .ifPresent(m -> added.put(MODEL, text(m)));
        }
        if (!attributes.containsKey(PROVIDER)) {
            first(t -> t.provider(attributes)).ifPresent(p -> added.put(PROVIDER, text(p)));
        }
        return withAdded(span, attributes, added);
    }

    private static Translated withAdded(Span span, Map<String, JsonNode> attributes, Map<String, JsonNode> added) {
        if (added.isEmpty()) {
            return new Translated(span, attributes);
        }
        Map<String, JsonNode> all = new LinkedHashMap<>(attributes);
        all.putAll(added);
        return new Translated(withAttributes(span, added), all);
    }

    /** Whether every attribute is one of MLflow's own ({@code mlflow.*}), the only keys no family reads. */
    private static boolean onlyMlflowAttributes(Map<String, JsonNode> attributes) {
        for (String key : attributes.keySet()) {
            if (!key.startsWith("mlflow.")) {
                return false;
            }
        }
        return true;
    }

    private Optional<JsonNode> tokenUsage(Map<String, JsonNode> attributes) {
        for (SpanTranslator family : families) {
            SpanTranslator.TokenCounts counts = family.tokens(attributes);
            if (!counts.any()) {
                continue;
            }
            ObjectNode usage = JsonNodeFactory.instance.objectNode();
            counts.input().ifPresent(n -> usage.put("input_tokens", n));
            counts.output().ifPresent(n -> usage.put("output_tokens", n));
            Optional<Long> total = counts.total().or(() -> counts.input().isPresent() && counts.output().isPresent()
                    ? Optional.of(counts.input().get() + counts.output().get()) : Optional.empty());
            total.ifPresent(n -> usage.put("total_tokens", n));
            counts.cacheRead().ifPresent(n -> usage.put("cache_read_input_tokens", n));
            counts.cacheCreation().ifPresent(n -> usage.put("cache_creation_input_tokens", n));
            return Optional.of(usage);
        }
        return Optional.empty();
    }

    /** The {@code model} field of a request or response object, MLflow's last resort for the model name. */
    private static Optional<String> modelField(JsonNode existing, JsonNode translated) {
        JsonNode value = existing != null ? existing : translated;
        return value != null && value.isObject() ? AttributeValues.text(value.get("model")) : Optional.empty();
    }

    private <T> Optional<T> first(Function<SpanTranslator, Optional<T>> question) {
        return firstOf(families, question);
    }

    private static <T> Optional<T> firstOf(List<SpanTranslator> translators,
            Function<SpanTranslator, Optional<T>> question) {
        for (SpanTranslator t : translators) {
            Optional<T> answer = question.apply(t);
            if (answer.isPresent()) {
                return answer;
            }
        }
        return Optional.empty();
    }

    private static List<SpanTranslator.SpanEvent> events(Span span) {
        List<SpanTranslator.SpanEvent> out = new ArrayList<>(span.getEventsCount());
        for (Span.Event e : span.getEventsList()) {
            out.add(new SpanTranslator.SpanEvent(e.getName(), AttributeValues.decode(e.getAttributesList())));
        }
        return out;
    }

    private static JsonNode text(String value) {
        return JsonNodeFactory.instance.textNode(value);
    }

    /** The span's attributes with these set: an existing key (an UNKNOWN span type) is replaced in place. */
    private static Span withAttributes(Span span, Map<String, JsonNode> values) {
        Span.Builder builder = span.toBuilder().clearAttributes();
        Map<String, JsonNode> pending = new LinkedHashMap<>(values);
        for (KeyValue kv : span.getAttributesList()) {
            JsonNode replacement = pending.remove(kv.getKey());
            builder.addAttributes(replacement == null ? kv : attribute(kv.getKey(), replacement));
        }
        pending.forEach((key, value) -> builder.addAttributes(attribute(key, value)));
        return builder.build();
    }

    private static KeyValue attribute(String key, JsonNode value) {
        return KeyValue.newBuilder().setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(AttributeValues.encode(value))).build();
    }
}
