package dev.osprey.server.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.SpanRecord;
import dev.osprey.core.TraceInfo;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.ErrorResponses;
import dev.osprey.store.TraceStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
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

    public TraceDownloadHandler(TraceStore traces, TraceRoutes routes) {
        this.traces = traces;
        this.routes = routes;
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
            for (int attempt = 0; !allowPartial && !TraceRoutes.complete(info, stored) && attempt < 3; attempt++) {
                Thread.sleep(300);
                info = routes.info(id);
                stored = traces.countSpans(id);
            }
            if (!allowPartial && !TraceRoutes.complete(info, stored)) {
                throw OspreyException.notFound("Trace with ID " + id + " is not fully exported yet, please try "
                        + "again later.");
            }
        } catch (OspreyException e) {
            ErrorResponses.send(res, e.errorCode().httpStatus(), e.errorCode(), e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ErrorResponses.send(res, 503, ErrorCode.TEMPORARILY_UNAVAILABLE, "Interrupted; retry.");
            return;
        } catch (RuntimeException e) {
            LOG.error("GetTrace failed", e);
            ErrorResponses.send(res, 500, ErrorCode.INTERNAL_ERROR, "Reading the trace failed; the server log has "
                    + "the details.");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try (OutputStream out = res.outputStream();
                JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeFieldName("trace");
            json.writeStartObject();
            json.writeFieldName("trace_info");
            json.writeTree(routes.infoJson(info));
            json.writeArrayFieldStart("spans");
            for (int offset = 0; ; offset += PAGE) {
                List<SpanRecord> page = traces.getSpans(info.traceId(), offset, PAGE);
                for (SpanRecord span : page) {
                    json.writeRawValue(span.content());
                }
                if (page.size() < PAGE) {
                    break;
                }
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            LOG.info("GetTrace of {} ended early: {}", info.traceId(), e.toString());
        }
    }
}
