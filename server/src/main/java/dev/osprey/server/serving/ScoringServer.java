package dev.osprey.server.serving;

import dev.osprey.server.OspreyServer;
import dev.osprey.server.http.GuardedHttp1;
import dev.osprey.server.http.HttpTimeouts;
import dev.osprey.serving.Scoring;
import dev.osprey.serving.ScoringException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLflow's scoring server protocol for one loaded model ({@code mlflow models serve}): {@code POST /invocations},
 * {@code GET /ping} and {@code /health} (200 once the model is loaded), {@code GET /version}, and Prometheus
 * {@code /metrics}. Bodies above {@code maxBodyBytes} get a 413 before they are read whole.
 */
public final class ScoringServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringServer.class);
    private final WebServer web;
    private final Scoring scoring;
    private final ScoringMetrics metrics = new ScoringMetrics();
    private final long maxBodyBytes;

    /** Where and how to listen. */
    public record Options(String host, int port, long maxBodyBytes) {}

    private ScoringServer(Scoring scoring, Options options) {
        this.scoring = scoring;
        this.maxBodyBytes = options.maxBodyBytes();
        this.web = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .connectionOptions(o -> o.tcpNoDelay(true))
                // HTTP/1.1 with the tracking server's deadlines per phase (a slow client cannot hold a thread).
                .protocolsDiscoverServices(false)
                .addConnectionSelector(GuardedHttp1.create(HttpTimeouts.DEFAULTS))
                .routing(r -> r
                        .addFilter(GuardedHttp1.requestEnds())
                        .post("/invocations", this::invocations)
                        .get("/ping", ScoringServer::ping)
                        .get("/health", ScoringServer::ping)
                        .get("/version", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/json")
                                .send(OspreyServer.MLFLOW_COMPATIBLE_VERSION))
                        .get("/metrics", (req, res) -> res.header(HeaderNames.CONTENT_TYPE,
                                "text/plain; version=0.0.4").send(metrics.prometheus(scoring.model().flavor()))))
                .build()
                .start();
        if (!web.isRunning()) {
            throw new IllegalArgumentException("Cannot listen on " + options.host() + ":" + options.port()
                    + ": another process may use that port. Choose another with --port.");
        }
    }

    public static ScoringServer start(Scoring scoring, Options options) {
        return new ScoringServer(scoring, options);
    }

    public int port() {
        return web.port();
    }

    private static void ping(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send("\n");
    }

    private void invocations(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        Scoring.Answer answer;
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBodyBytes) {
            answer = tooLarge();
        } else {
            byte[] body;
            try (InputStream in = req.content().inputStream()) {
                body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            } catch (IOException | RuntimeException e) {
                LOG.debug("Could not read a scoring request", e);
                send(res, Scoring.error(ScoringException.badRequest("The request body could not be read: "
                        + e.getMessage())), started);
                return;
            }
            answer = body.length > maxBodyBytes ? tooLarge() : scoring.invoke(body,
                    req.headers().contentType().map(Object::toString).orElse(""));
        }
        send(res, answer, started);
    }

    private Scoring.Answer tooLarge() {
        return Scoring.error(new ScoringException("BAD_REQUEST", 413, "The request body is larger than the "
                + maxBodyBytes + " bytes this server takes per request (--max-request-bytes). Send smaller batches."));
    }

    private void send(ServerResponse res, Scoring.Answer answer, long started) {
        metrics.record(answer.status(), System.nanoTime() - started);
        res.status(Status.create(answer.status()));
        res.header(HeaderNames.CONTENT_TYPE, answer.contentType());
        res.contentLength(answer.body().length);
        try (OutputStream out = res.outputStream()) {
            out.write(answer.body());
        } catch (IOException e) {
            LOG.debug("The client went away before its answer was written", e);
        }
    }

    @Override
    public void close() {
        web.stop();
        scoring.model().close();
    }
}
