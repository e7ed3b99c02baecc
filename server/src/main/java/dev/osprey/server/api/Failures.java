package dev.osprey.server.api;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes an answer. A client's mistake ({@link OspreyException}) keeps its MLflow code
 * and status. Anything else is the server's own failure ({@link dev.osprey.core.ServerFailure} from the stores, or
 * a bug): it is logged with a request id and the cause, and answered without SQL, class names or stack — 500
 * {@code INTERNAL_ERROR} on REST routes, 503 with {@code Retry-After} on OTLP ingest, because OTLP exporters drop
 * spans for good on any other status (4xx and 500 are permanent to them) and retry 503.
 */
public final class Failures {
    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
    public static final HeaderName REQUEST_ID = HeaderNames.create("X-Request-Id");
    /** Seconds an exporter or client waits before sending again after a failure of ours. */
    static final String RETRY_AFTER_SECONDS = "1";

    private Failures() {}

    /** Routes whatever a raw handler or filter throws through this class. */
    public static void register(HttpRouting.Builder routing) {
        routing.error(OspreyException.class, (req, res, e) -> clientError(res, e));
        routing.error(RuntimeException.class, Failures::serverFailure);
    }

    /** A client's mistake in MLflow's error JSON. */
    public static void clientError(ServerResponse res, OspreyException e) {
        ErrorResponses.send(res, e.errorCode().httpStatus(), e.errorCode(), e.getMessage());
    }

    /** The server's own failure on any route: the route family decides the answer's shape. */
    public static void serverFailure(ServerRequest req, ServerResponse res, Throwable e) {
        if (malformedBody(e)) {
            // The client's framing, not our failure: 400 (Helidon closes the connection, whose stream is out of step),
            // and a bounded log line — the exception's message would copy the client's bytes into the log.
            LOG.warn("Malformed chunked body in {} {}; answered 400", req.prologue().method().text(),
                    printable(req.path().rawPath()));
            if (!res.isSent()) {
                ErrorResponses.send(res, 400, ErrorCode.BAD_REQUEST, "Malformed request body: the chunked "
                        + "transfer encoding could not be read. Send a valid chunk size line, or a Content-Length.");
            }
            return;
        }
        if (cutOffBody(e)) {
            // The client closed its side, or stopped sending for longer than the body timeout (the connection is then
            // closed already and this answer goes nowhere): nothing was stored, nothing of ours failed.
            LOG.info("{} {}: the request body stopped short (the client closed its side or stalled); answered 400",
                    req.prologue().method().text(), printable(req.path().rawPath()));
            if (!res.isSent()) {
                res.header(HeaderNames.CONNECTION, "close");
                ErrorResponses.send(res, 400, ErrorCode.BAD_REQUEST, "The request body ended before its declared "
                        + "length, or stalled for longer than the server's body timeout; nothing was stored.");
            }
            return;
        }
        String id = log(req, e);
        if (res.isSent()) {
            return; // the answer was streaming: Helidon closes the connection, so the client sees a cut body
        }
        if (isOtlp(req)) {
            res.header(REQUEST_ID, id);
            retryLater(res, "The server could not store the spans; retry (request " + id + ").");
        } else {
            res.header(REQUEST_ID, id);
            ErrorResponses.send(res, 500, ErrorCode.INTERNAL_ERROR, "Internal error (request " + id
                    + "); the server log has the details.");
        }
    }

    /** Logs the failure with a fresh request id and returns the id. */
    public static String log(ServerRequest req, Throwable e) {
        return log(req.prologue().method().text() + " " + req.path().rawPath(), e);
    }

    /** Logs the failure of {@code what} (a route, a gRPC method) with a fresh request id and returns the id. */
    public static String log(String what, Throwable e) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 12);
        LOG.error("Request {} {} failed", id, what, e);
        return id;
    }

    /** OTLP's retryable answer: 503, {@code Retry-After} and FastAPI's {@code {"detail": ...}} body. */
    public static void retryLater(ServerResponse res, String message) {
        res.status(Status.SERVICE_UNAVAILABLE_503);
        res.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.write(Json.object().put("detail", message)));
    }

    /**
     * Whether a failure is Helidon's chunked-body reader refusing the client's framing. It decodes chunks lazily,
     * while a handler reads the body, and a bad chunk-size line surfaces there as a NumberFormatException from the
     * connection's chunk reader rather than as a request error.
     */
    public static boolean malformedBody(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException) { // NumberFormatException included
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getClassName().startsWith("io.helidon.webserver.http1.Http1Connection")
                            && frame.getMethodName().toLowerCase(java.util.Locale.ROOT).contains("chunk")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether a failure is a request body that stopped coming: the connection's reader ran out of data. */
    static boolean cutOffBody(Throwable e) {
        return causedBy(e, io.helidon.common.buffers.DataReader.InsufficientDataAvailableException.class, 0);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type, int depth) {
        if (e == null || depth > 8) {
            return false;
        }
        if (type.isInstance(e) || causedBy(e.getCause(), type, depth + 1)) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (causedBy(suppressed, type, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /** A client-supplied string for the log: bounded and without control characters. */
    private static String printable(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }

    private static boolean isOtlp(ServerRequest req) {
        return req.path().rawPath().equals("/v1/traces");
    }
}
