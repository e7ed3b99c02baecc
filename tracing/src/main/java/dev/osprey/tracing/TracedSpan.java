package dev.osprey.tracing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The span a traced block runs in: record its inputs, outputs, attributes and token usage the way MLflow's SDKs
 * record them (attribute values JSON-encoded), so the server and UI read them as they read Python-made spans.
 */
public final class TracedSpan {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Span span;
    private boolean errored;

    TracedSpan(Span span) {
        this.span = span;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return JSON.valueToTree(String.valueOf(value)).toString();
        }
    }

    public TracedSpan setInputs(Object inputs) {
        span.setAttribute("mlflow.spanInputs", json(inputs));
        return this;
    }

    public TracedSpan setOutputs(Object outputs) {
        span.setAttribute("mlflow.spanOutputs", json(outputs));
        return this;
    }

    /** Any attribute, JSON-encoded as MLflow's SDKs store attribute values. */
    public TracedSpan setAttribute(String key, Object value) {
        span.setAttribute(key, json(value));
        return this;
    }

    /** Token counts of an LLM call ({@code mlflow.chat.tokenUsage}); the server sums them per trace. */
    public TracedSpan setTokenUsage(long inputTokens, long outputTokens) {
        span.setAttribute("mlflow.chat.tokenUsage", "{\"input_tokens\": " + inputTokens + ", \"output_tokens\": "
                + outputTokens + ", \"total_tokens\": " + (inputTokens + outputTokens) + "}");
        return this;
    }

    /** The model an LLM span called; with token usage it lets the server compute cost. */
    public TracedSpan setModel(String model) {
        span.setAttribute("mlflow.llm.model", json(model));
        return this;
    }

    public TracedSpan setError(Throwable error) {
        errored = true;
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        return this;
    }

    /** Ends a span from {@link Tracing#startSpan}; OK unless an error was set. */
    public void end() {
        if (!errored) {
            span.setStatus(StatusCode.OK);
        }
        span.end();
    }

    /** The OpenTelemetry span, for anything else. */
    public Span otel() {
        return span;
    }

    /** The MLflow trace id ({@code tr-<hex>}) of this span's trace. */
    public String traceId() {
        return "tr-" + span.getSpanContext().getTraceId();
    }
}
