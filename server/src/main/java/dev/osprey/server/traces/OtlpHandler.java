package dev.osprey.server.traces;

import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.protocol.Json;
import dev.osprey.store.TraceStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/traces}: OTLP/HTTP ingest (spec/tracing.md §3). Spans are grouped by trace and each group is
 * committed before the 200, so a read after the export sees them. Under overload (more ingests in flight than the
 * store can take) the answer is 503 with {@code Retry-After}, which OTLP exporters retry: nothing is dropped.
 */
public final class OtlpHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpHandler.class);
    static final int MAX_BODY_BYTES = 32 * 1024 * 1024;
    static final int MAX_CONCURRENT_INGESTS = 64;
    private static final io.helidon.http.HeaderName EXPERIMENT = HeaderNames.create("x-mlflow-experiment-id");

    private static final String INTERNAL = "internal";
    private final TraceStore traces;
    private final Clock clock;
    private final ModelPrices prices;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT_INGESTS);

    public OtlpHandler(TraceStore traces, Clock clock, ModelPrices prices) {
        this.traces = traces;
        this.clock = clock;
        this.prices = prices;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        boolean json = contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
        boolean acquired = false;
        try {
            String experimentId = req.headers().first(EXPERIMENT).filter(s -> !s.isBlank())
                    .orElseThrow(() -> new OtlpRequests.Rejected(422, "Missing required header "
                            + "x-mlflow-experiment-id: the experiment that receives the spans."));
            acquired = slots.tryAcquire(2, TimeUnit.SECONDS);
            if (!acquired) {
                res.status(Status.SERVICE_UNAVAILABLE_503);
                res.header(HeaderNames.RETRY_AFTER, "1");
                detail(res, "The server is busy ingesting traces; retry shortly.");
                return;
            }
            byte[] body = read(req);
            ExportTraceServiceRequest request = OtlpRequests.parse(OtlpRequests.decompress(body,
                    req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("")), contentType);
            List<String> failures = ingest(experimentId, request);
            if (failures.contains(INTERNAL)) {
                // Not the client's fault: a retryable answer, so the exporter sends the spans again.
                res.status(Status.SERVICE_UNAVAILABLE_503);
                res.header(HeaderNames.RETRY_AFTER, "1");
                detail(res, "The server could not store the spans; retry.");
                return;
            }
            if (!failures.isEmpty()) {
                throw new OtlpRequests.Rejected(422, "Failed to log OpenTelemetry spans: " + String.join("; ",
                        failures));
            }
            if (json) {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send("{}");
            } else {
                res.header(HeaderNames.CONTENT_TYPE, "application/x-protobuf");
                res.send(new byte[0]);
            }
        } catch (OtlpRequests.Rejected e) {
            res.status(Status.create(e.status));
            detail(res, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res.status(Status.SERVICE_UNAVAILABLE_503);
            res.header(HeaderNames.RETRY_AFTER, "1");
            detail(res, "Interrupted; retry.");
        } finally {
            if (acquired) {
                slots.release();
            }
        }
    }

    private static byte[] read(ServerRequest req) {
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new OtlpRequests.Rejected(413, "Request body exceeds the limit of " + MAX_BODY_BYTES
                        + " bytes; export smaller batches.");
            }
            return body;
        } catch (IOException e) {
            throw new OtlpRequests.Rejected(400, "Could not read the request body: " + e.getMessage());
        }
    }

    /** Writes each trace's spans in its own transaction; returns one message per trace that failed. */
    private List<String> ingest(String experimentId, ExportTraceServiceRequest request) {
        Map<String, List<Span>> byTrace = new LinkedHashMap<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    if (span.getTraceId().size() != 16) {
                        throw new OtlpRequests.Rejected(422, "Cannot convert OpenTelemetry span to MLflow span: "
                                + "a trace id must be 16 bytes.");
                    }
                    byTrace.computeIfAbsent(SpanConverter.traceId(span), k -> new ArrayList<>()).add(span);
                }
            }
        }
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, List<Span>> group : byTrace.entrySet()) {
            List<SpanRecord> records = group.getValue().stream().map(s -> SpanConverter.convert(s, prices)).toList();
            TraceStore.RootSpanInfo root = group.getValue().stream().filter(s -> s.getParentSpanId().isEmpty())
                    .findFirst().map(SpanConverter::rootInfo).orElse(TraceStore.RootSpanInfo.none());
            try {
                traces.logSpans(experimentId, group.getKey(), records, root, clock.millis());
            } catch (OspreyException e) {
                failures.add("Trace " + group.getKey() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("Storing spans of trace {} failed", group.getKey(), e);
                failures.add(INTERNAL);
            }
        }
        return failures;
    }

    private static void detail(ServerResponse res, String message) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(Json.object().put("detail", message)));
    }
}
