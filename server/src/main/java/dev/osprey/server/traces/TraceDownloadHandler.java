package dev.osprey.server.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.ServerFailure;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.protocol.Json;
import dev.osprey.store.TraceStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import dev.osprey.artifacts.ArtifactFile;
import dev.osprey.artifacts.ArtifactPath;
import dev.osprey.server.artifacts.ArtifactLocations;
import dev.osprey.server.traces.translate.SpanForm;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.io.OutputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GetTrace ({@code GET /api/3.0/mlflow/traces/get}) streamed: the trace info, then the spans read from the store a
 * page at a time and written straight to the socket as stored, so a trace of 100,000 spans needs one page of memory,
 * not the whole answer.
 */
public final class TraceDownloadHandler implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(TraceDownloadHandler.class);
    static final int PAGE = 1000;

    private final TraceStore traces;
    private final TraceRoutes routes;
    private final ArtifactLocations locations;

    public TraceDownloadHandler(TraceStore traces, TraceRoutes routes, ArtifactLocations locations) {
        this.traces = traces;
        this.routes = routes;
        this.locations = locations;
    }

    /**
     * The {@code traces.json} a client uploaded to the trace's artifact location (TypeScript SDK, older Python), when
     * the spans are not in the database.
     */
    Optional<ArtifactFile> uploadedSpans(TraceInfo info) {
        String location = info.tags().get("mlflow.artifactLocation");
        if (location == null || "TRACKING_STORE".equals(info.tags().get("mlflow.trace.spansLocation"))) {
            return Optional.empty();
        }
        try {
            ArtifactLocations.Location file = locations.resolve(location).resolve(ArtifactPath.parse("traces.json"));
            return file.repository().open(file.path());
        } catch (IOException | RuntimeException e) {
            LOG.info("No readable traces.json for {}: {}", info.traceId(), e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        TraceInfo info;
        try {
            String id = req.query().first("trace_id").filter(s -> !s.isEmpty())
                    .orElseThrow(() -> OspreyException.invalid("Missing value for required parameter 'trace_id'."));
            boolean allowPartial = req.query().first("allow_partial").map(Boolean::parseBoolean).orElse(false);
            info = routes.info(id);
            int stored = traces.countSpans(id);
            if (stored == 0) {
                Optional<ArtifactFile> uploaded = uploadedSpans(info);
                if (uploaded.isPresent()) {
                    sendUploaded(res, info, uploaded.get());
                    return;
                }
            }
            for (int attempt = 0; !allowPartial && !TraceRoutes.complete(info, stored) && attempt < 3; attempt++) {
                Thread.sleep(300);
                info = routes.info(id);
                stored = traces.countSpans(id);
            }
            if (!allowPartial && !TraceRoutes.complete(info, stored)) {
                throw OspreyException.notFound("Trace with ID " + id + " is not fully exported yet, please try "
                        + "again later.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerFailure("Interrupted while waiting for the trace's spans", e);
        }
        stream(res, info);
    }

    /** The info and the spans of an uploaded {@code traces.json}, copied token by token (numbers kept exact). */
    private void sendUploaded(ServerResponse res, TraceInfo info, ArtifactFile file) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (InputStream in = file.open(0); OutputStream out = res.outputStream();
                JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeFieldName("trace");
            json.writeStartObject();
            json.writeFieldName("trace_info");
            json.writeTree(routes.infoJson(info));
            json.writeArrayFieldStart("spans");
            SpanDicts.eachDict(in, dict -> writeUploadedSpan(json, info, dict));
            json.writeEndArray();
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            LOG.info("GetTrace of {} from traces.json ended early: {}", info.traceId(), e.toString());
        }
    }

    /** One span of an uploaded file in the one span form GetTrace serves (spec/tracing.md §5), as stored spans are. */
    private static void writeUploadedSpan(JsonGenerator json, TraceInfo info, JsonNode dict) throws IOException {
        try {
            json.writeRawValue(SpanJson.write(SpanForm.normalize(SpanDicts.toProto(dict, info.traceId()))));
        } catch (OspreyException e) {
            LOG.warn("Skipped a span of {}'s traces.json: {}", info.traceId(), e.getMessage());
        }
    }

    /**
     * The UI's {@code get-trace-artifact?request_id=}: the trace's span data as the attachment {@code traces.json}
     * ({@code {"spans": [...]}}), from the database, else from an uploaded file.
     */
    public void traceArtifact(ServerRequest req, ServerResponse res) {
        String id = req.query().first("request_id").filter(s -> !s.isEmpty())
                .orElseThrow(() -> new OspreyException(ErrorCode.BAD_REQUEST, "Missing value for required "
                        + "parameter 'request_id'."));
        TraceInfo info = routes.info(id);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=traces.json");
        if (traces.countSpans(info.traceId()) == 0) {
            Optional<ArtifactFile> uploaded = uploadedSpans(info);
            if (uploaded.isPresent()) {
                try (InputStream in = uploaded.get().open(0); OutputStream out = res.outputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    LOG.info("traces.json of {} ended early: {}", info.traceId(), e.toString());
                }
                return;
            }
        }
        try (OutputStream out = res.outputStream();
                JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            writeSpans(json, info, content -> json.writeTree(SpanDicts.toDict(Json.read(content))));
            json.writeEndObject();
        } catch (IOException e) {
            LOG.info("traces.json of {} ended early: {}", info.traceId(), e.toString());
        }
    }

    /** What a span's stored JSON (in {@link SpanForm}) is written as. */
    @FunctionalInterface
    private interface SpanWriter {
        void write(String content) throws IOException;
    }

    /** The trace's stored spans, a page at a time, each through {@code writer}. */
    private void writeSpans(JsonGenerator json, TraceInfo info, SpanWriter writer) throws IOException {
        json.writeArrayFieldStart("spans");
        for (int offset = 0; ; offset += PAGE) {
            List<SpanRecord> page = traces.getSpans(info.traceId(), offset, PAGE);
            for (SpanRecord span : page) {
                writer.write(StoredSpans.served(span.content()));
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        json.writeEndArray();
    }

    private void stream(ServerResponse res, TraceInfo info) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (OutputStream out = res.outputStream();
                JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeFieldName("trace");
            json.writeStartObject();
            json.writeFieldName("trace_info");
            json.writeTree(routes.infoJson(info));
            writeSpans(json, info, json::writeRawValue);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            LOG.info("GetTrace of {} ended early: {}", info.traceId(), e.toString());
        }
    }
}
