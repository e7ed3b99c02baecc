package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.osprey.core.Assessment;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.EvalItem.TraceFacts;
import dev.osprey.protocol.Json;
import dev.osprey.server.traces.translate.SpanForm;
import dev.osprey.store.TraceStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What evaluation reads from a stored trace: the root span's inputs and outputs, the expectations recorded on it, and
 * the facts deterministic scorers check (latency, tokens, tool calls, retrieved documents).
 */
public final class TraceItems {
    /** Spans read per trace; beyond this a huge trace is judged on its first spans (facts say so by being partial). */
    private static final int MAX_SPANS = 10_000;
    private final TraceStore traces;

    public TraceItems(TraceStore traces) {
        this.traces = traces;
    }

    /** One trace as stored, read once. */
    public record StoredTrace(TraceInfo info, JsonNode inputs, JsonNode outputs, ObjectNode expectations,
            TraceFacts facts) {
        public EvalItem item() {
            return new EvalItem(inputs, outputs, expectations, Optional.of(facts));
        }
    }

    public StoredTrace read(String traceId) {
        return read(traceId, traces.assessments(List.of(traceId)).getOrDefault(traceId, List.of()));
    }

    /** {@link #read(String)} for a caller that has already read the trace's assessments. */
    public StoredTrace read(String traceId, List<Assessment> assessments) {
        TraceInfo info = traces.getTraceInfo(traceId)
                .orElseThrow(() -> OspreyException.notFound("Trace with ID '" + traceId + "' not found."));
        List<SpanRecord> spans = new ArrayList<>(traces.getSpans(traceId, 0, MAX_SPANS));
        spans.sort(Comparator.comparingLong(SpanRecord::startTimeNs));
        JsonNode inputs = MissingNode.getInstance();
        JsonNode outputs = MissingNode.getInstance();
        List<String> tools = new ArrayList<>();
        List<String> documents = new ArrayList<>();
        long tokens = 0;
        boolean rootSeen = false;
        for (SpanRecord s : spans) {
            String type = s.spanType().orElse("");
            if (!rootSeen && s.parentSpanId().isEmpty()) {
                rootSeen = true;
                JsonNode content = parse(s.content());
                inputs = attribute(content, "mlflow.spanInputs");
                outputs = attribute(content, "mlflow.spanOutputs");
            }
            if (type.equals("TOOL")) {
                tools.add(s.name());
            } else if (type.equals("RETRIEVER")) {
                for (JsonNode doc : attribute(parse(s.content()), "mlflow.spanOutputs")) {
                    documents.add(doc.isTextual() ? doc.asText() : doc.path("page_content").asText(doc.toString()));
                }
            }
            tokens += s.tokens().map(SpanRecord.TokenUsage::total).orElse(0L);
        }
        if (!rootSeen) {
            // A trace logged without spans (StartTraceV3 alone, as the SDK's evaluate() logs rows) keeps what it was
            // asked and answered in its previews only.
            inputs = info.requestPreview().<JsonNode>map(TraceItems::parse).orElse(MissingNode.getInstance());
            outputs = info.responsePreview().<JsonNode>map(TraceItems::parse).orElse(MissingNode.getInstance());
        }
        TraceFacts facts = new TraceFacts(info.executionDurationMs().orElse(0), tokens, tools, documents);
        return new StoredTrace(info, inputs, outputs, expectations(assessments), facts);
    }

    /** The latest valid expectation of each name, as {@code {name: value}}. */
    private static ObjectNode expectations(List<Assessment> all) {
        ObjectNode out = Json.object();
        all.stream().filter(Assessment::valid).sorted(Comparator.comparingLong(Assessment::createTimeMs))
                .forEach(a -> {
                    JsonNode body = parse(a.body());
                    if (body.has("expectation")) {
                        out.set(body.path("assessment_name").asText(), expectationValue(body.get("expectation")));
                    }
                });
        return out;
    }

    private static JsonNode expectationValue(JsonNode expectation) {
        if (expectation.has("value")) {
            return expectation.get("value");
        }
        JsonNode serialized = expectation.path("serialized_value").path("value");
        return serialized.isTextual() ? parse(serialized.asText()) : MissingNode.getInstance();
    }

    /** An attribute of a span's stored content (MLflow's inputs/outputs), decoded. */
    private static JsonNode attribute(JsonNode content, String key) {
        return SpanForm.attribute(content, key);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.read(text);
        } catch (IOException e) {
            return TextNode.valueOf(text);
        }
    }
}
