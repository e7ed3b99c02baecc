package dev.osprey.eval;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The trace a simulated turn is recorded as, handed to the agent as a W3C {@code traceparent}: an agent that traces
 * itself and exports to the same server puts its spans under the turn's root span, in the turn's trace.
 *
 * @param traceId 32 lowercase hex digits (MLflow's id is {@code tr-} and these)
 * @param spanId 16 lowercase hex digits: the turn's root span
 */
public record TraceContext(String traceId, String spanId) {
    public TraceContext {
        if (!traceId.matches("[0-9a-f]{32}") || !spanId.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("A trace id is 32 and a span id 16 lowercase hex digits.");
        }
    }

    public static TraceContext random() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] trace = new byte[16];
        byte[] span = new byte[8];
        random.nextBytes(trace);
        random.nextBytes(span);
        return new TraceContext(HexFormat.of().formatHex(trace), HexFormat.of().formatHex(span));
    }

    /** The W3C header value, sampled. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + "-01";
    }

    /** MLflow's trace id. */
    public String mlflowTraceId() {
        return "tr-" + traceId;
    }
}
