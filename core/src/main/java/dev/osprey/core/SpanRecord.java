package dev.osprey.core;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One stored span: the columns traces are searched and assembled by, and {@code content}, the OTel span as
 * protobuf JSON exactly as GetTrace returns it. Content is compact JSON with proto field names, attributes as
 * {@code {"key":"k","value":{"string_value":"v"}}} items and strings escaped minimally (quote, backslash, control
 * characters): span attribute searches match that text.
 *
 * @param statusCode {@code OK}, {@code ERROR} or {@code UNSET}
 * @param tokens the span's own token usage when it reports any (input, output, total)
 * @param cost the span's own cost when reported or computable from its model and tokens
 */
public record SpanRecord(
        String traceId,
        String spanId,
        Optional<String> parentSpanId,
        String name,
        Optional<String> spanType,
        String statusCode,
        long startTimeNs,
        OptionalLong endTimeNs,
        Optional<TokenUsage> tokens,
        Optional<Cost> cost,
        String content) {

    /** Token counts of one span or one trace. */
    public record TokenUsage(long input, long output, long total) {}

    /** What the span's model call cost, USD. */
    public record Cost(double input, double output, double total) {}

    public SpanRecord {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        Objects.requireNonNull(parentSpanId, "parentSpanId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spanType, "spanType");
        Objects.requireNonNull(statusCode, "statusCode");
        Objects.requireNonNull(endTimeNs, "endTimeNs");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(content, "content");
    }

    public boolean isRoot() {
        return parentSpanId.isEmpty();
    }
}
