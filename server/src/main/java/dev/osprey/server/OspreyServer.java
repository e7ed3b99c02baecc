package dev.osprey.server;

import dev.osprey.artifacts.ArtifactRepositories;
import dev.osprey.artifacts.ArtifactRepository;
import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import dev.osprey.gateway.Gateway;
import dev.osprey.server.api.ApiRouter;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.api.RawRoute;
import dev.osprey.server.api.RawRoutes;
import dev.osprey.server.artifacts.ArtifactLocations;
import dev.osprey.server.artifacts.ArtifactProxyHandler;
import dev.osprey.server.artifacts.GetArtifactHandler;
import dev.osprey.server.artifacts.LoggedModelFileHandler;
import dev.osprey.server.artifacts.ModelVersionArtifactHandler;
import dev.osprey.server.artifacts.RunArtifactRoutes;
import dev.osprey.server.artifacts.UploadArtifactHandler;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.auth.AuthFilter;
import dev.osprey.server.auth.AuthRoutes;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.auth.BrowserLogin;
import dev.osprey.server.auth.Grants;
import dev.osprey.server.auth.RouteResources;
import dev.osprey.server.auth.RouteTouches;
import dev.osprey.server.eval.DatasetRoutes;
import dev.osprey.server.eval.EvaluationJobs;
import dev.osprey.server.eval.EvaluationRoutes;
import dev.osprey.server.eval.HumanFeedback;
import dev.osprey.server.eval.InvokeScorerJob;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.server.eval.JudgeAlignmentJob;
import dev.osprey.server.eval.SimulationJob;
import dev.osprey.server.eval.SimulationRecords;
import dev.osprey.server.eval.SimulationRoutes;
import dev.osprey.server.issues.IssueDetectionJob;
import dev.osprey.server.issues.IssueDetectionRoutes;
import dev.osprey.server.eval.JudgeAlignmentRoutes;
import dev.osprey.server.eval.PromptOptimizationJob;
import dev.osprey.server.eval.PromptOptimizationRoutes;
import dev.osprey.server.eval.ScorerInvocations;
import dev.osprey.server.guardrails.GuardrailRoutes;
import dev.osprey.server.jobs.JobRoutes;
import dev.osprey.server.jobs.MlflowJobs;
import dev.osprey.server.eval.OnlineScoring;
import dev.osprey.server.eval.ServerJudgeModels;
import dev.osprey.server.eval.TraceItems;
import dev.osprey.server.gateway.GatewayConfigRoutes;
import dev.osprey.server.gateway.GatewayHandler;
import dev.osprey.server.graphql.GraphqlHandler;
import dev.osprey.server.locations.LocationRules;
import dev.osprey.server.models.LoggedModelRoutes;
import dev.osprey.server.models.LoggedModelService;
import dev.osprey.server.registry.RegistryRoutes;
import dev.osprey.server.registry.RegistryService;
import dev.osprey.server.scorers.ScorerRoutes;
import dev.osprey.server.traces.AssessmentRoutes;
import dev.osprey.server.traces.EvaluationTraces;
import dev.osprey.server.traces.LegacyTraceRoutes;
import dev.osprey.server.traces.ModelPrices;
import dev.osprey.server.traces.OtlpHandler;
import dev.osprey.server.traces.TraceDownloadHandler;
import dev.osprey.server.traces.TraceFiles;
import dev.osprey.server.traces.TraceIngest;
import dev.osprey.server.traces.TraceRoutes;
import dev.osprey.server.traces.UiTraceRoutes;
import dev.osprey.server.tracking.ExperimentService;
import dev.osprey.server.tracking.TrackingRoutes;
import dev.osprey.server.webhooks.WebhookRoutes;
import dev.osprey.server.webhooks.Webhooks;
import dev.osprey.server.workspaces.WorkspaceScope;
import dev.osprey.server.workspaces.ProxiedPaths;
import dev.osprey.server.workspaces.WorkspaceTrees;
import dev.osprey.server.workspaces.Workspaces;
import dev.osprey.server.workspaces.http.WorkspaceFilter;
import dev.osprey.server.workspaces.http.WorkspaceRoutes;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.Stores;
import dev.osprey.store.TrackingStore;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The running server: the store, the services over it and the HTTP listener. Closing it stops all three. */
public final class OspreyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OspreyServer.class);
    /**
     * What {@code /version} reports: the MLflow release whose API this server is measured against
     * ({@code docs/api-coverage.md}, MLflow 3.11's own route table) and whose clients its conformance suite runs.
     * It serves that release's workspaces (3.5), trace metrics and gateway routes, so an older number would make
     * clients hold back features it has; what it does not serve is listed in the coverage table and answers
     * ENDPOINT_NOT_FOUND. (The Python client sends spans over OTLP only to servers at 3.4 or later.)
     */
    public static final String MLFLOW_COMPATIBLE_VERSION = "3.11.0";

    private final ServerConfig config;
    private final StorageComponent storage;
    private final WebServer web;
    private final Webhooks webhooks;
    private final Gateway gateway;
    private final OnlineScoring onlineScoring;
    private final EvaluationJobs evaluations;
    private final MlflowJobs mlflowJobs;
    private final ApiRouter api;
    private final RawRoutes raw;
    private final Optional<AccessPolicy> policy;

    private OspreyServer(ServerConfig config, StorageComponent storage, WebServer web, Webhooks webhooks,
            Gateway gateway, OnlineScoring onlineScoring, EvaluationJobs evaluations, MlflowJobs mlflowJobs,
            ApiRouter api, RawRoutes raw, Optional<AccessPolicy> policy) {
        this.config = config;
        this.storage = storage;
        this.web = web;
        this.webhooks = webhooks;
        this.gateway = gateway;
        this.onlineScoring = onlineScoring;
        this.mlflowJobs = mlflowJobs;
        this.evaluations = evaluations;
        this.api = api;
        this.raw = raw;
        this.policy = policy;
    }

    static {
        // Helidon logs through java.util.logging; send it where everything else goes.
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    public static OspreyServer start(ServerConfig config) {
        long started = System.nanoTime();
        StorageComponent storage = Stores.open(config.backendStoreUri(), config.settings().store());
        try {
            Clock clock = Clock.systemUTC();
            TrackingStore store = storage.tracking();
            ArtifactLocations locations = artifactLocations(config);
            LocationRules locationRules = new LocationRules(locations.localRoots());
            ExperimentService experiments = new ExperimentService(storage, config.effectiveArtifactRoot(),
                    locationRules, clock);
            experiments.ensureDefaultExperiment();
            List<Endpoint> endpoints = new ArrayList<>(TrackingRoutes.endpoints(store, experiments,
                    config.truncateLongValues(), clock));
            ArtifactRepository destination = locations.destination();
            endpoints.addAll(new RunArtifactRoutes(store, locations).endpoints());
            LoggedModelRoutes loggedModelRoutes = new LoggedModelRoutes(
                    new LoggedModelService(storage.loggedModels(), clock), locations);
            endpoints.addAll(loggedModelRoutes.endpoints());
            Webhooks webhooks = Webhooks.create(storage.webhooks(), storage.dataDirectory(),
                    config.settings().webhooks(), clock);
            endpoints.addAll(new WebhookRoutes(webhooks.service()).endpoints());
            ModelPrices prices = ModelPrices.load(config.settings().modelPrices());
            TraceIngest ingest = new TraceIngest(storage.traces(), clock, prices);
            TraceRoutes traceRoutes = new TraceRoutes(storage.traces(), ingest);
            endpoints.addAll(traceRoutes.endpoints());
            endpoints.addAll(new LegacyTraceRoutes(storage.traces(), traceRoutes).endpoints());
            endpoints.addAll(new AssessmentRoutes(storage.traces(), clock).endpoints());
            endpoints.addAll(new UiTraceRoutes(storage.traces(), clock).endpoints());
            Gateway gateway = ServerGateway.start(config, storage.gateway(), experiments, storage.workspaces(),
                    prices, ingest, clock);
            ServerJudgeModels judgeModels = new ServerJudgeModels(gateway, config.settings().judges(),
                    new HumanFeedback(storage.traces()));
            endpoints.addAll(new ScorerRoutes(storage, judgeModels, clock).endpoints());
            endpoints.addAll(GuardrailRoutes.install(gateway, storage.gateway(), storage.scorers(), judgeModels, clock)
                    .endpoints());
            endpoints.addAll(new DatasetRoutes(storage.datasets(), new TraceItems(storage.traces()), clock)
                    .endpoints());
            RegistryService registry = new RegistryService(storage, locations.localRoots(),
                    config.settings().modelVersionSourceRule(), clock, webhooks.dispatcher());
            endpoints.addAll(new RegistryRoutes(registry).endpoints());
            EvaluationJobs evaluations = new EvaluationJobs(storage, new EvaluationTraces(storage.traces(), ingest,
                    clock), judgeModels, clock);
            endpoints.addAll(new EvaluationRoutes(evaluations, storage).endpoints());
            InvokeScorerJob invokeScorer = new InvokeScorerJob(storage, judgeModels, clock);
            PromptOptimizationJob optimizePrompts = new PromptOptimizationJob(storage, registry, judgeModels, gateway,
                    clock);
            JudgeAlignmentJob alignJudge = new JudgeAlignmentJob(storage, judgeModels, clock);
            IssueDetectionJob detectIssues = new IssueDetectionJob(storage, judgeModels, gateway, clock);
            SimulationRecords simulationRecords = new SimulationRecords(storage.traces(), ingest, clock);
            SimulationJob simulate = new SimulationJob(storage, simulationRecords, judgeModels, gateway,
                    new UrlGuard(config.settings().gatewayAllowedHosts(), "Agent URL", "Start the server with "
                            + "--gateway-allow-private-targets (OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS=true) to "
                            + "simulate against an agent on a private address.", config.gateway().allowPrivateTargets()),
                    clock);
            MlflowJobs mlflowJobs = new MlflowJobs(storage.jobs(), List.of(invokeScorer, optimizePrompts, alignJudge,
                    detectIssues, simulate), clock);
            endpoints.addAll(new JobRoutes(mlflowJobs, storage.workspaces()).endpoints());
            endpoints.addAll(new ScorerInvocations(mlflowJobs, invokeScorer).endpoints());
            endpoints.addAll(new PromptOptimizationRoutes(mlflowJobs, optimizePrompts, storage, clock).endpoints());
            endpoints.addAll(new JudgeAlignmentRoutes(mlflowJobs, alignJudge, storage, judgeModels, clock)
                    .endpoints());
            endpoints.addAll(new IssueDetectionRoutes(mlflowJobs, detectIssues, storage, clock).endpoints());
            endpoints.addAll(new SimulationRoutes(mlflowJobs, simulate, simulationRecords, storage, clock)
                    .endpoints());
            ServerGateway.alertThrough(gateway, webhooks.dispatcher());
            endpoints.addAll(new GatewayConfigRoutes(gateway.config(), gateway.budgets(), storage.gateway())
                    .endpoints());
            endpoints.add(ServerInfo.endpoint(config.workspaces()));
            endpoints.addAll(dev.osprey.server.ui.UiAjaxRoutes.endpoints());
            endpoints.addAll(new dev.osprey.server.gateway.ProviderCatalogRoutes(prices).endpoints());
            endpoints.addAll(new dev.osprey.server.issues.IssueRoutes(storage.issues(), storage.workspaces(), clock)
                    .endpoints());
            Optional<AuthService> auth = ServerAuth.start(config, storage.auth(), clock);
            Optional<Workspaces> workspaces = config.workspaces()
                    ? Optional.of(new Workspaces(storage.workspaces(), storage.tracking(), locationRules,
                            new WorkspaceTrees(config.effectiveArtifactRoot()), clock::millis))
                    : Optional.empty();
            // The access policy runs when auth is on (permissions) or workspaces are (every call kept in its own).
            Optional<AccessPolicy> policy = auth.isPresent() || workspaces.isPresent()
                    ? Optional.of(new AccessPolicy(auth.<Grants>map(a -> a).orElse(Grants.OPEN),
                            workspaces.<WorkspaceScope>map(w -> w).orElse(WorkspaceScope.NONE), storage,
                            (ws, name) -> gateway.config().endpoint(ws, name).map(e -> e.endpoint().endpointId())))
                    : Optional.empty();
            policy.ifPresent(rules -> {
                auth.ifPresent(a -> endpoints.addAll(new AuthRoutes(a, rules).endpoints()));
                workspaces.ifPresent(w -> endpoints.addAll(new WorkspaceRoutes(w, auth).endpoints()));
            });
            ApiRouter api = policy.map(rules -> new ApiRouter(endpoints, config.staticPrefix(), (e, r, raw) -> rules
                    .invoke(e, r.inWorkspace(Workspaces.of(raw)), auth.isPresent() ? AuthFilter.user(raw)
                            : Grants.ANONYMOUS)))
                    .orElseGet(() -> new ApiRouter(endpoints, config.staticPrefix()));
            String prefix = config.staticPrefix();
            Optional<BrowserLogin> login = auth.flatMap(a -> a.oidc().map(o -> new BrowserLogin(a, o, prefix,
                    config.settings().oidcClientSecret(), clock::millis)));
            RawRoutes raw = RawRouteTable.of(new RawRouteTable.Parts(config, new RouteResources(storage), login,
                    new OtlpHandler(ingest), new GatewayHandler(gateway, ServerGateway.access(policy, auth)), gateway,
                    new TraceDownloadHandler(storage.traces(), traceRoutes, locations), workspaces.isPresent(),
                    new GetArtifactHandler(store, locations), new ModelVersionArtifactHandler(registry, locations),
                    new LoggedModelFileHandler(loggedModelRoutes::location), new UploadArtifactHandler(store, locations),
                    new ArtifactProxyHandler(destination, config.serveArtifacts(), prefix,
                            new TraceFiles(storage.traces(), ingest, destination)), new GraphqlHandler(api)));
            RouteTouches touches = new RouteTouches(raw);
            Optional<AuthFilter> authFilter = auth.map(a -> new AuthFilter(a, touches, prefix, a.oidc().isPresent(),
                    workspaces.<java.util.function.Supplier<ProxiedPaths>>map(w -> w::proxiedPaths)
                            .orElse(() -> ProxiedPaths.PLAIN)));
            WebServer web = HttpListener.start(config, new HttpListener.Routing(ServerAuth.securityFilter(config),
                    authFilter, new WorkspaceFilter(workspaces, auth, touches, prefix), raw, api), auth, workspaces,
                    ingest);
            LOG.info("Osprey listening on http://{}:{} (backend {}, artifacts {}) in {} ms", config.host(), web.port(),
                    Stores.redact(config.backendStoreUri()), config.effectiveArtifactRoot(),
                    (System.nanoTime() - started) / 1_000_000);
            OnlineScoring onlineScoring = new OnlineScoring(storage.scorers(), storage.traces(), storage.workspaces(),
                    judgeModels, clock,
                    config.onlineScoring());
            if (!config.artifactsOnly()) {
                onlineScoring.start();
                evaluations.resumeUnfinished();
                mlflowJobs.resumeUnfinished();
            }
            return new OspreyServer(config, storage, web, webhooks, gateway, onlineScoring, evaluations, mlflowJobs,
                    api, raw,
                    policy);
        } catch (IOException e) {
            storage.close();
            throw new OspreyException(ErrorCode.INTERNAL_ERROR, "Cannot use the artifacts destination "
                    + config.artifactsDestination() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /** The artifacts destination and the local roots this server reads run artifacts from. */
    public static ArtifactLocations artifactLocations(ServerConfig config) throws IOException {
        ArtifactRepositories repositories = ArtifactRepositories.installed(config.settings().environment());
        ArtifactRepository destination = repositories.open(config.artifactsDestination());
        List<String> roots = new ArrayList<>(List.of(config.artifactsDestination()));
        config.defaultArtifactRoot().filter(r -> !r.startsWith("mlflow-artifacts:")).ifPresent(roots::add);
        return new ArtifactLocations(repositories, destination, ArtifactLocations.localRoots(roots));
    }

    /** The AI gateway (tests flush its usage queue through it). */
    public Gateway gateway() {
        return gateway;
    }

    /** The port OTLP over gRPC listens on, when it is on. */
    public OptionalInt otlpGrpcPort() {
        return config.otlpGrpcPort().isPresent() ? OptionalInt.of(web.port("otlp-grpc"))
                : OptionalInt.empty();
    }

    public int port() {
        return web.port();
    }

    public ServerConfig config() {
        return config;
    }

    /** The authorization table, when auth is on (for the coverage test). */
    public Optional<AccessPolicy> accessPolicy() {
        return policy;
    }

    /** The MLflow-style API endpoints this server serves (for the authorization coverage test). */
    public List<Endpoint> apiEndpoints() {
        return api.endpoints();
    }

    /** The routes served outside the API router, in the order they are tried. */
    public List<RawRoute> rawRoutes() {
        return raw.routes();
    }

    public String baseUrl() {
        return "http://" + config.host() + ":" + port();
    }

    @Override
    public void close() {
        onlineScoring.close();
        evaluations.close();
        mlflowJobs.close();
        web.stop();
        gateway.close();
        webhooks.close();
        storage.close();
    }
}
