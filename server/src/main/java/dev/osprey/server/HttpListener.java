package dev.osprey.server;

import dev.osprey.server.api.Failures;
import dev.osprey.server.api.RawRoutes;
import dev.osprey.server.auth.AuthFilter;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.http.GuardedHttp1;
import dev.osprey.server.security.SecurityFilter;
import dev.osprey.server.traces.OtlpGrpcService;
import dev.osprey.server.traces.OtlpHandler;
import dev.osprey.server.traces.TraceIngest;
import dev.osprey.server.workspaces.Workspaces;
import dev.osprey.server.workspaces.http.WorkspaceFilter;
import io.helidon.http.Status;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Optional;

/** The HTTP listener (and the OTLP/gRPC one when asked for): socket options, the filter chain, the routes. */
final class HttpListener {
    private HttpListener() {}

    /** What answers requests, in the order the filter chain meets them. */
    record Routing(Optional<SecurityFilter> security, Optional<AuthFilter> auth, WorkspaceFilter workspaces,
            RawRoutes raw, Handler api) {}

    /** Starts listening; a port that cannot be bound is refused with what to do. */
    static WebServer start(ServerConfig config, Routing routing, Optional<AuthService> auth,
            Optional<Workspaces> workspaces, TraceIngest ingest) {
        WebServer web = WebServer.builder()
                .host(config.host())
                .port(config.port())
                // Without TCP_NODELAY a response written in two segments can wait on the client's delayed ACK.
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Artifact streams: 4 KiB (the default) means a system call per 4 KiB of a multi-GB download.
                .writeBufferSize(256 * 1024)
                // HTTP/1.1 only here: HTTP/2 (on the classpath for gRPC) stays on the OTLP gRPC listener, so
                // clients that offer an h2c upgrade keep getting the HTTP/1.1 server every route was built for.
                .protocolsDiscoverServices(false)
                // Helidon's HTTP/1.1 with read and write deadlines, close after "Connection: close", and HTTP/1.0.
                .addConnectionSelector(GuardedHttp1.create(config.httpTimeouts()))
                .update(builder -> config.otlpGrpcPort().ifPresent(grpcPort -> builder.putSocket("otlp-grpc",
                        socket -> socket.host(config.host()).port(grpcPort)
                                .connectionOptions(o -> o.tcpNoDelay(true))
                                // The same 32 MiB an OTLP/HTTP body may have (Helidon's default is 2 MiB).
                                .addProtocol(GrpcConfig.builder().maxReadBufferSize(OtlpHandler.MAX_BODY_BYTES)
                                        .build())
                                .addRouting(GrpcRouting.builder()
                                        .intercept(OtlpGrpcService.callerCheck(auth, workspaces))
                                        .service(new OtlpGrpcService(ingest))))))
                .contentEncoding(ContentEncodingContext.builder().contentEncodingsDiscoverServices(false)
                        .addContentEncoding(new CompressedBodies()).build())
                .routing(r -> r
                        .update(Failures::register)
                        .addFilter(GuardedHttp1.requestEnds())
                        .update(chain -> routing.security().ifPresent(chain::addFilter))
                        .update(chain -> routing.auth().ifPresent(chain::addFilter))
                        .addFilter(routing.workspaces())
                        .update(chain -> routing.auth().ifPresent(f -> chain.addFilter(f.outsideApi())))
                        .update(routing.raw()::mount)
                        .any(config.artifactsOnly() ? HttpListener::artifactsOnly : routing.api()))
                .build()
                .start();
        if (!web.isRunning()) {
            // Helidon logs the bind failure and returns a stopped server; say what to do instead of serving nothing.
            throw new IllegalArgumentException("Cannot listen on " + config.host() + ":" + config.port()
                    + " (see the error above): another process may use that port. Stop it, or choose another "
                    + "with --port.");
        }
        return web;
    }

    /** MLflow's answer to a tracking call on a server started with --artifacts-only. */
    private static void artifactsOnly(ServerRequest req, ServerResponse res) {
        res.status(Status.SERVICE_UNAVAILABLE_503);
        RawRouteTable.plain(res, "Endpoint: " + req.path().path() + " disabled due to the mlflow server running in "
                + "`--artifacts-only` mode. To enable tracking server functionality, run `mlflow server` without "
                + "`--artifacts-only`");
    }
}
