package dev.osprey.server.traces;

import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.server.traces.translate.SpanForm;
import dev.osprey.server.traces.translate.SpanTranslation;
import dev.osprey.store.TraceStore;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one way spans and trace infos enter the store: OTLP exports (HTTP today), {@code traces.json} uploads
 * ({@link TraceFiles}), the traces the server writes itself (gateway calls, evaluation rows) and clients' trace infos
 * (StartTraceV3 and the 2.x routes). MLflow's trace rules are applied here ({@link TraceRules}), not in the store. Every span is translated from its instrumentation family into MLflow's attributes
 * ({@link SpanTranslation}), put in the one stored and served form ({@link SpanForm}), converted to a stored span
 * with its cost, and written with the trace-level fields its root gives, one trace per store call.
 *
 * <p>A client's mistake in one trace (an unknown experiment) is collected and the other traces still go in, as MLflow
 * does. The server's own failures ({@link dev.osprey.core.ServerFailure}) are not collected: they end the call, so
 * the transport answers "retry" and the exporter sends the batch again. Writes replace spans by id, which makes that
 * retry safe for the traces that were already stored.
 */
public final class TraceIngest {
    /** How many OTLP exports (HTTP and gRPC together) are taken at once; others wait up to 2 s, then "retry". */
    static final int MAX_CONCURRENT_EXPORTS = 64;

    private final TraceStore traces;
    private final Clock clock;
    private final ModelPrices prices;
    private final SpanTranslation translation;
    /** OTLP exports in flight, over HTTP and gRPC together: each holds its decoded request in memory. */
    private final Semaphore exportSlots = new Semaphore(MAX_CONCURRENT_EXPORTS);

    public TraceIngest(TraceStore traces, Clock clock, ModelPrices prices) {
        this.traces = traces;
        this.clock = clock;
        this.prices = prices;
        this.translation = SpanTranslation.mlflow();
    }

    /**
     * Runs an export's work while it holds one of the slots every OTLP transport shares; empty when no slot freed
     * within 2 s (the transport answers "busy, retry").
     */
    public <T> Optional<T> admitted(Supplier<T> work) throws InterruptedException {
        if (!exportSlots.tryAcquire(2, TimeUnit.SECONDS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(work.get());
        } finally {
            exportSlots.release();
        }
    }

    /**
     * Stores spans of any number of traces into the experiment.
     *
     * @return one {@code "Trace <id>: <why>"} line per trace the client's data kept out; empty when all went in
     * @throws OspreyException (422 on OTLP) when a span cannot be converted at all
     */
    public List<String> ingest(String experimentId, List<Span> spans) {
        Map<String, List<Span>> byTrace = new LinkedHashMap<>();
        for (Span span : spans) {
            SpanConverter.requireIds(span);
            byTrace.computeIfAbsent(SpanConverter.traceId(span), k -> new ArrayList<>()).add(span);
        }
        List<String> rejected = new ArrayList<>();
        for (Map.Entry<String, List<Span>> group : byTrace.entrySet()) {
            try {
                store(experimentId, group.getKey(), group.getValue(), Map.of());
            } catch (OspreyException e) {
                rejected.add("Trace " + group.getKey() + ": " + e.getMessage());
            }
        }
        return rejected;
    }

    /** A one-span trace the server built itself, with trace metadata of its own (gateway, evaluation). */
    public void ingestOwn(String experimentId, Span span, Map<String, String> metadata) {
        store(experimentId, SpanConverter.traceId(span), List.of(span), metadata);
    }

    private void store(String experimentId, String traceId, List<Span> spans, Map<String, String> extraMetadata) {
        List<SpanRecord> records = new ArrayList<>(spans.size());
        TraceRules.Root root = TraceRules.Root.NONE;
        for (Span span : spans) {
            SpanTranslation.Translated translated = translation.translateDecoded(span);
            records.add(SpanConverter.convert(SpanForm.normalize(translated.span(), translated.attributes()),
                    translated.attributes(), prices));
            if (span.getParentSpanId().isEmpty()) {
                root = SpanConverter.rootInfo(translated.span());
            }
        }
        if (!extraMetadata.isEmpty()) {
            Map<String, String> metadata = new LinkedHashMap<>(root.metadataIfAbsent());
            metadata.putAll(extraMetadata);
            root = new TraceRules.Root(root.requestPreview(), root.responsePreview(), metadata, root.tagsIfAbsent());
        }
        traces.logSpans(experimentId, traceId, records, TraceRules.forSpans(records, root), clock.millis());
    }

    /** A client's trace info (StartTraceV3, the 2.x StartTrace and EndTrace), merged by MLflow's rules. */
    public TraceInfo startTrace(TraceInfo info) {
        return traces.startTrace(info.experimentId(), info.traceId(), TraceRules.forClientInfo(info), clock.millis());
    }
}
