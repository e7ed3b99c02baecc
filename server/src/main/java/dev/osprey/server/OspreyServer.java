package dev.osprey.server;

import dev.osprey.artifacts.ArtifactRepositories;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.server.artifacts.ArtifactLocations;
import dev.osprey.server.artifacts.LoggedModelFileHandler;
import dev.osprey.server.artifacts.ModelVersionArtifactHandler;
import dev.osprey.server.models.LoggedModelRoutes;
import dev.osprey.server.models.LoggedModelService;
import dev.osprey.server.registry.RegistryRoutes;
import dev.osprey.server.registry.RegistryService;
import dev.osprey.server.traces.AssessmentRoutes;
import dev.osprey.server.traces.ModelPrices;
import dev.osprey.server.traces.OtlpHandler;
import dev.osprey.server.traces.TraceDownloadHandler;
import dev.osprey.server.traces.TraceRoutes;
import dev.osprey.server.webhooks.WebhookRoutes;
import dev.osprey.server.webhooks.Webhooks;
import dev.osprey.server.api.ApiRouter;
import dev.osprey.server.artifacts.ArtifactProxyHandler;
import dev.osprey.server.artifacts.GetArtifactHandler;
import dev.osprey.server.artifacts.RunArtifactRoutes;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.tracking.ExperimentService;
import dev.osprey.server.tracking.TrackingRoutes;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.server.workspaces.http.WorkspaceFilter;
import dev.osprey.server.workspaces.http.WorkspaceRoutes;
import dev.osprey.server.workspaces.WorkspaceScope;
import dev.osprey.server.workspaces.Workspaces;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.UpstreamClient;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.GatewayYaml;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.usage.GatewayMetrics;
import dev.osprey.gateway.usage.UsageRecorder;
import dev.osprey.server.gateway.GatewayConfigRoutes;
import dev.osprey.server.gateway.GatewayHandler;
import dev.osprey.server.api.Failures;
import dev.osprey.server.api.RawRoutes;
import dev.osprey.server.auth.RouteResources;
import dev.osprey.server.auth.RouteTouches;
import dev.osprey.server.http.GuardedHttp1;
import dev.osprey.server.traces.GatewayTraces;
import dev.osprey.server.traces.OtlpGrpcService;
import dev.osprey.server.traces.TraceFiles;
import dev.osprey.server.traces.TraceIngest;
import dev.osprey.store.Stores;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import dev.osprey.server.eval.EvaluationJobs;
import dev.osprey.server.eval.EvaluationRoutes;
import dev.osprey.server.eval.OnlineScoring;
import dev.osprey.server.eval.ServerJudgeModels;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running server: the store, the services over it and the HTTP listener. Closing it stops all three. */
public final class OspreyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OspreyServer.class);
    /**
     * What {@code /version} reports. The Python client sends spans over OTLP only to servers at 3.4 or later, which
     * this server is since it ingests OTLP.
     */
    public static final String MLFLOW_COMPATIBLE_VERSION = "3.4.0";

    private final ServerConfig config;
    private final StorageComponent storage;
    private final WebServer web;
    private final Webhooks webhooks;
    private final Gateway gateway;
    private final OnlineScoring onlineScoring;
    private final EvaluationJobs evaluations;
    private final ApiRouter api;
    private final RawRoutes raw;
    private final Optional<dev.osprey.server.auth.AccessPolicy> policy;

    private OspreyServer(ServerConfig config, StorageComponent storage, WebServer web, Webhooks webhooks,
            Gateway gateway, OnlineScoring onlineScoring, EvaluationJobs evaluations, ApiRouter api, RawRoutes raw,
            Optional<dev.osprey.server.auth.AccessPolicy> policy) {
        this.config = config;
        this.storage = storage;
        this.web = web;
        this.webhooks = webhooks;
        this.gateway = gateway;
        this.onlineScoring = onlineScoring;
        this.evaluations = evaluations;
        this.api = api;
        this.raw = raw;
        this.policy = policy;
    }

    static {
        // Helidon logs through java.util.logging; send it where everything else goes.
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }

    public static OspreyServer start(ServerConfig config) {
        long started = System.nanoTime();
        StorageComponent storage = Stores.open(config.backendStoreUri(), config.settings().store());
        TrackingStore store = storage.tracking();
        try {
            Clock clock = Clock.systemUTC();
            ArtifactLocations locations = artifactLocations(config);
            ExperimentService experiments = new ExperimentService(storage, config.effectiveArtifactRoot(),
                    new dev.osprey.server.locations.LocationRules(locations.localRoots()), clock);
            experiments.ensureDefaultExperiment();
            List<Endpoint> endpoints = new ArrayList<>(TrackingRoutes.endpoints(store, experiments,
                    config.truncateLongValues(), clock));
            ArtifactRepository destination = locations.destination();
            endpoints.addAll(new RunArtifactRoutes(store, locations).endpoints());
            LoggedModelService loggedModels = new LoggedModelService(storage.loggedModels(), clock);
            LoggedModelRoutes loggedModelRoutes = new LoggedModelRoutes(loggedModels, locations);
            endpoints.addAll(loggedModelRoutes.endpoints());
            Webhooks webhooks = Webhooks.create(storage.webhooks(), config.backendStoreUri(), config.settings().webhooks(), clock);
            endpoints.addAll(new WebhookRoutes(webhooks.service()).endpoints());
            ModelPrices prices = ModelPrices.load(config.settings().modelPrices());
            TraceIngest ingest = new TraceIngest(storage.traces(), clock, prices);
            TraceRoutes traceRoutes = new TraceRoutes(storage.traces(), ingest);
            endpoints.addAll(traceRoutes.endpoints());
            endpoints.addAll(new dev.osprey.server.traces.LegacyTraceRoutes(storage.traces(), traceRoutes).endpoints());
            TraceDownloadHandler traceDownload = new TraceDownloadHandler(storage.traces(), traceRoutes, locations);
            endpoints.addAll(new AssessmentRoutes(storage.traces(), clock).endpoints());
            endpoints.addAll(new dev.osprey.server.traces.UiTraceRoutes(storage.traces(), clock).endpoints());
            AtomicReference<String> baseUrl = new AtomicReference<>("http://127.0.0.1:" + config.port());
            ServerJudgeModels judgeModels = new ServerJudgeModels(baseUrl::get, config.settings().judges());
            endpoints.addAll(new dev.osprey.server.scorers.ScorerRoutes(storage, judgeModels, clock).endpoints());
            endpoints.addAll(new dev.osprey.server.eval.DatasetRoutes(storage.datasets(),
                    new dev.osprey.server.eval.TraceItems(storage.traces()), clock).endpoints());
            RegistryService registry = new RegistryService(storage, locations.localRoots(), config.settings().modelVersionSourceRule(), clock,
                    webhooks.dispatcher());
            endpoints.addAll(new RegistryRoutes(registry).endpoints());
            EvaluationJobs evaluations = new EvaluationJobs(storage,
                    new dev.osprey.server.traces.EvaluationTraces(storage.traces(), ingest, clock), judgeModels, clock);
            endpoints.addAll(new EvaluationRoutes(evaluations, storage).endpoints());
            Gateway gateway = gateway(config, storage, experiments, prices, ingest, clock);
            gateway.budgets().onAlert(spend -> budgetExceeded(webhooks.dispatcher(), spend));
            endpoints.addAll(new GatewayConfigRoutes(gateway.config(), gateway.budgets(), storage.gateway())
                    .endpoints());
            endpoints.add(ServerInfo.endpoint(config.workspaces()));
            Optional<dev.osprey.server.auth.AuthService> auth = authService(config, storage, clock);
            Optional<Workspaces> workspaces = config.workspaces()
                    ? Optional.of(new Workspaces(storage.workspaces(),
                    new dev.osprey.server.locations.LocationRules(locations.localRoots()), clock::millis)) : Optional.empty();
            ApiRouter api;
            // The access policy runs when auth is on (permissions) or workspaces are (every call kept in its own).
            Optional<dev.osprey.server.auth.AccessPolicy> policy = auth.isPresent() || workspaces.isPresent()
                    ? Optional.of(new dev.osprey.server.auth.AccessPolicy(
                            auth.<dev.osprey.server.auth.Grants>map(a -> a).orElse(dev.osprey.server.auth.Grants.OPEN),
                            workspaces.<WorkspaceScope>map(w -> w).orElse(WorkspaceScope.NONE), storage,
                            name -> gateway.config().endpoint(name).map(e -> e.endpoint().endpointId())))
                    : Optional.empty();
            GatewayHandler gatewayHandler = new GatewayHandler(gateway, policy.<GatewayHandler.Access>map(rules ->
                    new GatewayHandler.Access() {
                        @Override
                        public Optional<String> user(io.helidon.webserver.http.ServerRequest req) {
                            return auth.map(a -> dev.osprey.server.auth.AuthFilter.user(req).username());
                        }

                        @Override
                        public boolean mayInvoke(io.helidon.webserver.http.ServerRequest req, String endpoint) {
                            return auth.isEmpty() || rules.mayInvoke(dev.osprey.server.auth.AuthFilter.user(req),
                                    Workspaces.nameOf(req), endpoint);
                        }

                        @Override
                        public boolean visible(io.helidon.webserver.http.ServerRequest req, String endpoint) {
                            return rules.inWorkspace(Workspaces.nameOf(req), endpoint);
                        }
                    }).orElse(GatewayHandler.Access.OPEN));
            if (policy.isPresent()) {
                var rules = policy.get();
                auth.ifPresent(a -> endpoints.addAll(new dev.osprey.server.auth.AuthRoutes(a, rules).endpoints()));
                workspaces.ifPresent(w -> endpoints.addAll(new WorkspaceRoutes(w, auth).endpoints()));
                api = new ApiRouter(endpoints, config.staticPrefix(), (e, r, raw) -> rules.invoke(e,
                        r.inWorkspace(Workspaces.of(raw)),
                        auth.isPresent() ? dev.osprey.server.auth.AuthFilter.user(raw)
                                : dev.osprey.server.auth.Grants.ANONYMOUS));
            } else {
                api = new ApiRouter(endpoints, config.staticPrefix());
            }
            ArtifactProxyHandler artifacts = new ArtifactProxyHandler(destination, config.serveArtifacts(),
                    config.staticPrefix(), new TraceFiles(storage.traces(), ingest, destination));
            String prefix = config.staticPrefix();
            Optional<dev.osprey.server.auth.BrowserLogin> login = auth.flatMap(a -> a.oidc().map(o -> new dev.osprey
                    .server.auth.BrowserLogin(a, o, prefix, config.settings().oidcClientSecret(), clock::millis)));
            RawRoutes raw = RawRouteTable.of(new RawRouteTable.Parts(config, new RouteResources(storage), login,
                    new OtlpHandler(ingest), gatewayHandler, gateway, traceDownload, workspaces.isPresent(),
                    new GetArtifactHandler(store, locations), new ModelVersionArtifactHandler(registry, locations),
                    new LoggedModelFileHandler(loggedModelRoutes::location), artifacts));
            RouteTouches touches = new RouteTouches(raw);
            Optional<dev.osprey.server.auth.AuthFilter> authFilter = auth.map(a -> new dev.osprey.server.auth
                    .AuthFilter(a, touches, prefix, a.oidc().isPresent()));
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
                                    .addProtocol(io.helidon.webserver.grpc.GrpcConfig.builder()
                                            .maxReadBufferSize(dev.osprey.server.traces.OtlpHandler.MAX_BODY_BYTES)
                                            .build())
                                    .addRouting(io.helidon.webserver.grpc.GrpcRouting.builder()
                                            .intercept(OtlpGrpcService.callerCheck(auth))
                                            .service(new OtlpGrpcService(ingest))))))
                    .contentEncoding(io.helidon.http.encoding.ContentEncodingContext.builder()
                            .contentEncodingsDiscoverServices(false).addContentEncoding(new CompressedBodies()).build())
                    .routing(r -> r
                            .update(Failures::register)
                            .addFilter(GuardedHttp1.requestEnds())
                            .update(routing -> security(config).ifPresent(routing::addFilter))
                            .update(routing -> authFilter.ifPresent(routing::addFilter))
                            .addFilter(new WorkspaceFilter(workspaces, auth, touches, prefix))
                            .update(routing -> authFilter.ifPresent(f -> routing.addFilter(f.outsideApi())))
                            .update(raw::mount)
                            .any(config.artifactsOnly() ? OspreyServer::artifactsOnly : api))
                    .build()
                    .start();
            if (!web.isRunning()) {
                // Helidon logs the bind failure and returns a stopped server; say what to do instead of serving nothing.
                throw new IllegalArgumentException("Cannot listen on " + config.host() + ":" + config.port()
                        + " (see the error above): another process may use that port. Stop it, or choose another "
                        + "with --port.");
            }
            LOG.info("Osprey listening on http://{}:{} (backend {}, artifacts {}) in {} ms", config.host(), web.port(),
                    Stores.redact(config.backendStoreUri()), config.effectiveArtifactRoot(),
                    (System.nanoTime() - started) / 1_000_000);
            baseUrl.set("http://" + loopback(config.host()) + ":" + web.port());
            OnlineScoring onlineScoring = new OnlineScoring(storage.scorers(), storage.traces(), judgeModels, clock,
                    config.onlineScoring());
            if (!config.artifactsOnly()) {
                onlineScoring.start();
                evaluations.resumeUnfinished();
            }
            return new OspreyServer(config, storage, web, webhooks, gateway, onlineScoring, evaluations, api, raw,
                    policy);
        } catch (java.io.IOException e) {
            storage.close();
            throw new dev.osprey.core.OspreyException(dev.osprey.core.ErrorCode.INTERNAL_ERROR, "Cannot use the "
                    + "artifacts destination " + config.artifactsDestination() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** The security middleware, unless --disable-security-middleware. */
    private static Optional<dev.osprey.server.security.SecurityFilter> security(ServerConfig config) {
        ServerConfig.SecurityOptions options = config.security();
        if (!options.enabled()) {
            LOG.warn("Security middleware off (--disable-security-middleware): any Host and any origin is answered.");
            return Optional.empty();
        }
        return Optional.of(new dev.osprey.server.security.SecurityFilter(
                new dev.osprey.server.security.HostRules(options.allowedHosts(), options.corsAllowedOrigins()),
                Optional.of(options.xFrameOptions()).filter(v -> !v.equals("NONE")), config.staticPrefix(),
                ApiRouter.MAX_JSON_BODY));
    }

    /** Basic auth when configured: refuses to start without the admin's credentials (there is no default). */
    private static Optional<dev.osprey.server.auth.AuthService> authService(ServerConfig config, StorageComponent storage,
            Clock clock) {
        ServerConfig.AuthOptions options = config.auth();
        if (!options.enabled()) {
            return Optional.empty();
        }
        if (options.adminUsername().isEmpty() || options.adminPassword().isEmpty()) {
            throw dev.osprey.core.OspreyException.invalid("Authentication is on (--app-name basic-auth) but no "
                    + "admin credentials are set: set OSPREY_ADMIN_USERNAME and OSPREY_ADMIN_PASSWORD (at least "
                    + options.passwords().minLength() + " characters, not a common one). Osprey has no default admin "
                    + "password.");
        }
        try {
            options.passwords().check(options.adminPassword().get());
        } catch (dev.osprey.core.OspreyException e) {
            throw dev.osprey.core.OspreyException.invalid("OSPREY_ADMIN_PASSWORD: " + e.getMessage());
        }
        var auth = new dev.osprey.server.auth.AuthService(storage.auth(),
                dev.osprey.server.auth.Permission.parse(options.defaultPermission()), clock::millis,
                options.oidc().map(dev.osprey.server.auth.OidcVerifier::new), options.passwords());
        options.oidc().ifPresent(o -> LOG.info("OIDC bearer tokens from {} (audience {}) accepted", o.issuer(),
                o.audience()));
        auth.bootstrapAdmin(options.adminUsername().get(), options.adminPassword().get());
        LOG.info("Basic auth on: admin '{}', default permission {}", options.adminUsername().get(),
                options.defaultPermission());
        return Optional.of(auth);
    }

    /** The AI gateway: its key-encryption key from the environment, its SSRF guard, usage recording and traces. */
    private static Gateway gateway(ServerConfig config, StorageComponent storage, ExperimentService experiments,
            ModelPrices prices, TraceIngest ingest, Clock clock) {
        Optional<KeyEncryptionKey> kek = config.gateway().keyEncryptionKey();
        if (kek.isEmpty()) {
            LOG.info("AI gateway: no key-encryption key, so gateway secrets cannot be stored or used. {}",
                    KeyEncryptionKey.HOW_TO_SET);
        }
        UrlGuard guard = new UrlGuard(config.settings().gatewayAllowedHosts(), "Provider base URL", "Start the server with "
                + "--gateway-allow-private-targets (OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS=true) if that is intended, "
                + "for example for a local Ollama.", config.gateway().allowPrivateTargets());
        Budgets budgets = new Budgets(storage.gateway(), clock::millis);
        GatewayConfigService service = new GatewayConfigService(storage.gateway(), kek, guard, clock, budgets,
                name -> experimentFor(experiments, "gateway/" + name));
        config.gateway().configFile().ifPresent(file -> {
            int applied = GatewayYaml.apply(file, service, config.settings().environment());
            LOG.info("AI gateway: applied {} endpoint(s) from {}", applied, file);
        });
        UsageRecorder usage = new UsageRecorder(storage.gateway(), 100_000,
                List.of(new GatewayTraces(ingest)));
        Gateway gateway = new Gateway(service, UpstreamClient.named(config.settings().gatewayHttpClient(), guard), guard, budgets, usage, new GatewayMetrics(),
                (model, in, out) -> prices.cost(model, in, out).map(ModelPrices.Cost::total).orElse(0.0), clock);
        gateway.refreshEvery(java.time.Duration.ofSeconds(15));
        return gateway;
    }

    /** The {@code budget_policy.exceeded} webhook event of an ALERT budget whose window is used up. */
    private static void budgetExceeded(dev.osprey.server.registry.RegistryEvents events, Budgets.Spend spend) {
        if (!events.wants("BUDGET_POLICY", "EXCEEDED")) {
            return;
        }
        com.fasterxml.jackson.databind.node.ObjectNode data = dev.osprey.gateway.config.GatewayCodec.budget(
                spend.policy());
        data.put("window_start_ms", spend.windowStart()).put("window_end_ms", spend.windowEnd())
                .put("current_spend", spend.spent());
        events.publish("BUDGET_POLICY", "EXCEEDED", data);
    }

    private static String experimentFor(ExperimentService experiments, String name) {
        try {
            return experiments.getByName(name).experimentId();
        } catch (dev.osprey.core.OspreyException missing) {
            return experiments.create(name, Optional.empty(), List.of());
        }
    }


    /** The artifacts destination and the local roots this server reads run artifacts from. */
    public static ArtifactLocations artifactLocations(ServerConfig config) throws java.io.IOException {
        ArtifactRepositories repositories = ArtifactRepositories.installed(config.settings().environment());
        ArtifactRepository destination = repositories.open(config.artifactsDestination());
        List<String> roots = new ArrayList<>(List.of(config.artifactsDestination()));
        config.defaultArtifactRoot().filter(r -> !r.startsWith("mlflow-artifacts:")).ifPresent(roots::add);
        return new ArtifactLocations(repositories, destination, ArtifactLocations.localRoots(roots));
    }

    /** MLflow's answer to a tracking call on a server started with --artifacts-only. */
    private static void artifactsOnly(io.helidon.webserver.http.ServerRequest req,
            io.helidon.webserver.http.ServerResponse res) {
        res.status(io.helidon.http.Status.SERVICE_UNAVAILABLE_503);
        RawRouteTable.plain(res, "Endpoint: " + req.path().path() + " disabled due to the mlflow server running in "
                + "`--artifacts-only` mode. To enable tracking server functionality, run `mlflow server` without "
                + "`--artifacts-only`");
    }

    /** The AI gateway (tests flush its usage queue through it). */
    public Gateway gateway() {
        return gateway;
    }

    /** The port OTLP over gRPC listens on, when it is on. */
    public java.util.OptionalInt otlpGrpcPort() {
        return config.otlpGrpcPort().isPresent() ? java.util.OptionalInt.of(web.port("otlp-grpc"))
                : java.util.OptionalInt.empty();
    }

    public int port() {
        return web.port();
    }

    public ServerConfig config() {
        return config;
    }

    /** The authorization table, when auth is on (for the coverage test). */
    public Optional<dev.osprey.server.auth.AccessPolicy> accessPolicy() {
        return policy;
    }

    /** The MLflow-style API endpoints this server serves (for the authorization coverage test). */
    public java.util.List<dev.osprey.server.api.Endpoint> apiEndpoints() {
        return api.endpoints();
    }

    /** The routes served outside the API router, in the order they are tried. */
    public java.util.List<dev.osprey.server.api.RawRoute> rawRoutes() {
        return raw.routes();
    }

    public String baseUrl() {
        return "http://" + config.host() + ":" + port();
    }

    /** Where the server reaches itself: a wildcard bind address is reached over loopback. */
    private static String loopback(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.isEmpty() ? "127.0.0.1"
                : host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public void close() {
        onlineScoring.close();
        evaluations.close();
        web.stop();
        gateway.close();
        webhooks.close();
        storage.close();
    }
}
