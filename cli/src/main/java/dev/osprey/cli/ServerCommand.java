package dev.osprey.cli;

import dev.osprey.core.OspreyException;
import dev.osprey.server.OspreyServer;
import dev.osprey.server.ServerConfig;
import dev.osprey.server.http.HttpTimeouts;
import java.nio.file.Path;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code osprey server}: flags as {@code mlflow server} names them; environment variables as defaults. */
@Command(name = "server",
        description = "Run the tracking server (MLflow REST API under /api/2.0 and /ajax-api/2.0).")
public final class ServerCommand implements Callable<Integer> {

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-h", "--host"}, defaultValue = "${env:OSPREY_HOST:-127.0.0.1}",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; env OSPREY_HOST).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "${env:OSPREY_PORT:-5000}",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}; env OSPREY_PORT).")
    int port;

    @Option(names = "--backend-store-uri",
            defaultValue = "${env:OSPREY_BACKEND_STORE_URI:-${env:MLFLOW_BACKEND_STORE_URI:-"
                    + ServerConfig.DEFAULT_BACKEND + "}}",
            description = "sqlite:///path.db, postgresql://user:pw@host:port/db or mysql://user:pw@host:port/db "
                    + "(default: ${DEFAULT-VALUE}).")
    String backendStoreUri;

    @Option(names = "--default-artifact-root", defaultValue = "${env:MLFLOW_DEFAULT_ARTIFACT_ROOT}",
            description = "Root of new experiments' artifact locations (default: mlflow-artifacts:/ when artifacts "
                    + "are served).")
    String defaultArtifactRoot;

    @Option(names = "--artifacts-destination",
            defaultValue = "${env:MLFLOW_ARTIFACTS_DESTINATION:-" + ServerConfig.DEFAULT_ARTIFACTS + "}",
            description = "Where proxied artifacts are stored: a directory, file: or s3://bucket/prefix URI (default: ${DEFAULT-VALUE}).")
    String artifactsDestination;

    @Option(names = "--serve-artifacts", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Proxy artifact uploads and downloads through this server (default: on).")
    boolean serveArtifacts;

    @Option(names = "--artifacts-only", description = "Serve only the artifact proxy; tracking routes answer 503.")
    boolean artifactsOnly;

    @Option(names = "--static-prefix", defaultValue = "${env:MLFLOW_STATIC_PREFIX:-}",
            description = "Path prefix for the UI, /ajax-api, /health and /version routes.")
    String staticPrefix;

    @Option(names = {"-w", "--workers"}, description = "Accepted for mlflow compatibility and ignored: Osprey "
            + "serves every request on its own virtual thread in one process.")
    Integer workers;

    @Option(names = "--app-name", description = "basic-auth turns on authentication (users, permissions; admin from "
            + "OSPREY_ADMIN_USERNAME / OSPREY_ADMIN_PASSWORD, default permission OSPREY_AUTH_DEFAULT_PERMISSION).")
    String appName;

    @Option(names = "--gunicorn-opts", hidden = true)
    String gunicornOpts;

    @Option(names = "--waitress-opts", hidden = true)
    String waitressOpts;

    @Option(names = "--uvicorn-opts", hidden = true)
    String uvicornOpts;

    @Option(names = "--dev", hidden = true)
    boolean dev;

    @Option(names = "--no-truncate-long-values", description = "Reject over-long param and tag values instead of "
            + "truncating them (MLFLOW_TRUNCATE_LONG_VALUES=false).")
    boolean noTruncate;

    @Option(names = "--gateway-allow-private-targets", defaultValue = "${env:OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS:-false}",
            description = "Let AI gateway provider base URLs point at loopback and private addresses (a local Ollama, "
                    + "tests). Off by default: endpoints cannot reach into the server's network.")
    boolean gatewayAllowPrivateTargets;

    @Option(names = "--gateway-config", paramLabel = "FILE", defaultValue = "${env:OSPREY_GATEWAY_CONFIG}",
            description = "YAML file of gateway endpoints (MLflow's deployments-server format) applied at start-up.")
    Path gatewayConfig;

    @Option(names = "--allowed-hosts", defaultValue = "${env:MLFLOW_SERVER_ALLOWED_HOSTS}", paramLabel = "HOSTS",
            description = "Comma-separated Host header patterns the server answers (DNS rebinding protection), e.g. "
                    + "'mlflow.corp.example,*.corp.example:5000'; '*' allows any. Default: localhost and loopback or "
                    + "private IP addresses.")
    String allowedHosts;

    @Option(names = "--cors-allowed-origins", defaultValue = "${env:MLFLOW_SERVER_CORS_ALLOWED_ORIGINS}",
            paramLabel = "ORIGINS", description = "Comma-separated origins (patterns) whose pages may call the API "
                    + "from a browser, besides the server's own and localhost; '*' allows any.")
    String corsAllowedOrigins;

    @Option(names = "--x-frame-options", defaultValue = "${env:MLFLOW_SERVER_X_FRAME_OPTIONS:-SAMEORIGIN}",
            description = "SAMEORIGIN (default), DENY, or NONE to allow embedding the UI in other sites' frames.")
    String xFrameOptions;

    @Option(names = "--disable-security-middleware",
            defaultValue = "${env:MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE:-false}",
            description = "Turn off Host, CORS and frame checks (behind a proxy that does them).")
    boolean disableSecurityMiddleware;

    @Option(names = "--enable-workspaces", defaultValue = "${env:MLFLOW_ENABLE_WORKSPACES:-false}",
            description = "Turn on workspaces: the X-MLFLOW-WORKSPACE header selects one, and experiments, models, "
                    + "prompts, traces, gateway resources and artifacts are kept apart per workspace.")
    boolean enableWorkspaces;

    @Option(names = "--otlp-grpc-port", paramLabel = "PORT", defaultValue = "${env:OSPREY_OTLP_GRPC_PORT}",
            description = "Also take OTLP spans over gRPC on this port (the OpenTelemetry Collector's default "
                    + "protocol; 4317 is OTLP's usual port). Off unless given.")
    Integer otlpGrpcPort;

    @Option(names = "--header-timeout", paramLabel = "SECONDS",
            defaultValue = "${env:OSPREY_HEADER_TIMEOUT:-20}",
            description = "Seconds a client has to send a request's line and headers, counted from its first byte "
                    + "(from connecting, for a connection's first request); slower connections are closed.")
    String headerTimeout;

    @Option(names = "--keep-alive-timeout", paramLabel = "SECONDS",
            defaultValue = "${env:OSPREY_KEEP_ALIVE_TIMEOUT:-60}",
            description = "Seconds an idle kept-alive connection waits for its next request before it is closed.")
    String keepAliveTimeout;

    @Option(names = "--body-timeout", paramLabel = "SECONDS", defaultValue = "${env:OSPREY_BODY_TIMEOUT:-60}",
            description = "Seconds the server waits for the next bytes of a request body, or for a client to take "
                    + "the next bytes of an answer, before it closes the connection.")
    String bodyTimeout;

    @Override
    public Integer call() throws InterruptedException {
        if (workers != null) {
            System.err.println("Note: --workers is ignored; Osprey uses one process with virtual threads.");
        }
        boolean truncate = !noTruncate && !"false".equalsIgnoreCase(System.getenv("MLFLOW_TRUNCATE_LONG_VALUES"));
        OspreyServer server;
        try {
            ServerConfig.GatewayOptions gateway = new ServerConfig.GatewayOptions(gatewayAllowPrivateTargets,
                    KeyEncryptionKey.fromEnvironment(System.getenv()), Optional.ofNullable(gatewayConfig));
            ServerConfig config = new ServerConfig(host, port, backendStoreUri,
                    Optional.ofNullable(defaultArtifactRoot).filter(s -> !s.isBlank()), artifactsDestination,
                    serveArtifacts, staticPrefix, truncate, artifactsOnly, gateway)
                    .withSecurity(new ServerConfig.SecurityOptions(!disableSecurityMiddleware,
                            ServerConfig.SecurityOptions.list(allowedHosts),
                            ServerConfig.SecurityOptions.list(corsAllowedOrigins), xFrameOptions))
                    .withWorkspaces(enableWorkspaces)
                    .withHttpTimeouts(new HttpTimeouts(HttpTimeouts.seconds("--header-timeout", headerTimeout),
                            HttpTimeouts.seconds("--keep-alive-timeout", keepAliveTimeout),
                            HttpTimeouts.seconds("--body-timeout", bodyTimeout)))
                    .withOtlpGrpcPort(otlpGrpcPort == null ? java.util.OptionalInt.empty()
                            : java.util.OptionalInt.of(otlpGrpcPort));
            if (appName != null && !appName.isBlank()) {
                if (!appName.equals("basic-auth")) {
                    System.err.println("osprey server: unknown --app-name '" + appName + "'; the only app is "
                            + "basic-auth.");
                    return 2;
                }
                config = config.withAuth(ServerConfig.AuthOptions.basicAuth(System.getenv()));
            }
            server = OspreyServer.start(config);
        } catch (OspreyException | IllegalArgumentException e) {
            System.err.println("osprey server: " + e.getMessage());
            return 2;
        }
        System.out.println("Osprey is serving the MLflow API at " + server.baseUrl()
                + "  (MLFLOW_TRACKING_URI=" + server.baseUrl() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "osprey-shutdown"));
        stopped.await();
        return 0;
    }
}
