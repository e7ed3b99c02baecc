package dev.osprey.server.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.osprey.protocol.Json;
import dev.osprey.store.TraceStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The trace an evaluation row gets when it did not come from one (MLflow's evaluate makes a trace per row): a root
 * span holding the row's inputs and outputs, with the evaluation run as the trace's source run.
 */
public final class EvaluationTraces {
    /** MLflow's trace metadata key for the run a trace was made in. */
    public static final String SOURCE_RUN = "mlflow.sourceRun";
    private final TraceStore traces;
    private final TraceIngest ingest;
    private final Clock clock;

    public EvaluationTraces(TraceStore traces, TraceIngest ingest, Clock clock) {
        this.traces = traces;
        this.ingest = ingest;
        this.clock = clock;
    }

    private static KeyValue attribute(String key, String json) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(json)).build();
    }

    /** Creates the trace unless it exists (a resumed evaluation finds it made). */
    public void ensure(String experimentId, String traceId, JsonNode inputs, JsonNode outputs, String runId) {
        if (traces.getTraceInfo(traceId).isPresent()) {
            return;
        }
        byte[] spanId = new byte[8];
        ThreadLocalRandom.current().nextBytes(spanId);
        long startNs = clock.millis() * 1_000_000L;
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceId.substring(3))))
                .setSpanId(ByteString.copyFrom(spanId))
                .setName("evaluation_row")
                .setStartTimeUnixNano(startNs)
                .setEndTimeUnixNano(startNs + 1_000_000L)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .addAttributes(attribute("mlflow.spanType", "\"CHAIN\""))
                .addAttributes(attribute("mlflow.spanInputs", Json.writeString(inputs)));
        if (!outputs.isMissingNode()) {
            span.addAttributes(attribute("mlflow.spanOutputs", Json.writeString(outputs)));
        }
        ingest.ingestOwn(experimentId, span.build(), Map.of(SOURCE_RUN, runId));
    }
}
