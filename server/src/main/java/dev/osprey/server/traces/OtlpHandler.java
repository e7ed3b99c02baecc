package dev.osprey.server.traces;

import dev.osprey.protocol.Json;
import dev.osprey.server.api.Failures;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * {@code POST /v1/traces}: OTLP/HTTP ingest (spec/tracing.md §3). The request is decoded here and handed to
 * {@link TraceIngest}; each trace is committed before the 200, so a read after the export sees it. What the client
 * got wrong is a 4xx as MLflow answers it. What went wrong on our side — the database failing, too many ingests in
 * flight (shared with gRPC, {@link TraceIngest#admitted}) — is 503 with {@code Retry-After}, which OTLP exporters retry, so no span is lost to it.
 */
public final class OtlpHandler implements Handler {
    public static final int MAX_BODY_BYTES = 32 * 1024 * 1024;
    private static final io.helidon.http.HeaderName EXPERIMENT = HeaderNames.create("x-mlflow-experiment-id");

    private final TraceIngest ingest;

    public OtlpHandler(TraceIngest ingest) {
        this.ingest = ingest;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        try {
            String experimentId = req.headers().first(EXPERIMENT).filter(s -> !s.isBlank())
                    .orElseThrow(() -> new OtlpRequests.Rejected(422, "Missing required header "
                            + "x-mlflow-experiment-id: the experiment that receives the spans."));
            if (ingest.admitted(() -> export(req, res, experimentId, contentType)).isEmpty()) {
                Failures.retryLater(res, "The server is busy ingesting traces; retry shortly.");
            }
        } catch (OtlpRequests.Rejected e) {
            res.status(Status.create(e.status));
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(Json.write(Json.object().put("detail", e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Failures.retryLater(res, "Interrupted; retry.");
        } catch (RuntimeException e) {
            Failures.serverFailure(req, res, e);
        }
    }

    /** Reads, stores and answers one export (the body is read only once a slot is held: it bounds memory). */
    private boolean export(ServerRequest req, ServerResponse res, String experimentId, String contentType) {
        byte[] body = read(req);
        ExportTraceServiceRequest request = OtlpRequests.parse(OtlpRequests.decompress(body,
                req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("")), contentType);
        List<String> rejected = ingest.ingest(experimentId, OtlpRequests.spans(request));
        if (!rejected.isEmpty()) {
            throw new OtlpRequests.Rejected(422, "Failed to log OpenTelemetry spans: " + String.join("; ",
                    rejected));
        }
        if (contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send("{}");
        } else {
            res.header(HeaderNames.CONTENT_TYPE, "application/x-protobuf");
            res.send(new byte[0]);
        }
        return true;
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
}
