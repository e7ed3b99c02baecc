package dev.osprey.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.GatewayYaml;
import dev.osprey.gateway.UpstreamClient;
import dev.osprey.gateway.config.GatewayCodec;
import dev.osprey.gateway.crypto.KeyEncryptionKey;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.gateway.usage.GatewayMetrics;
import dev.osprey.gateway.usage.UsageRecorder;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.auth.AuthFilter;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.gateway.GatewayHandler;
import dev.osprey.server.registry.RegistryEvents;
import dev.osprey.server.traces.GatewayTraces;
import dev.osprey.server.traces.ModelPrices;
import dev.osprey.server.traces.TraceIngest;
import dev.osprey.server.tracking.ExperimentService;
import dev.osprey.server.workspaces.Workspaces;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.WorkspaceStore;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The AI gateway as this server runs it: its key, its SSRF guard, usage recording, traces and who may invoke. */
final class ServerGateway {
    private static final Logger LOG = LoggerFactory.getLogger(ServerGateway.class);

    private ServerGateway() {}

    /** The gateway over {@code store}, with the YAML configuration applied and a reload every 15 s. */
    static Gateway start(ServerConfig config, GatewayStore store, ExperimentService experiments,
            WorkspaceStore workspaces, ModelPrices prices, TraceIngest ingest, Clock clock) {
        Optional<KeyEncryptionKey> kek = config.gateway().keyEncryptionKey();
        if (kek.isEmpty()) {
            LOG.info("AI gateway: no key-encryption key, so gateway secrets cannot be stored or used. {}",
                    KeyEncryptionKey.HOW_TO_SET);
        }
        UrlGuard guard = new UrlGuard(config.settings().gatewayAllowedHosts(), "Provider base URL",
                "Start the server with --gateway-allow-private-targets (OSPREY_GATEWAY_ALLOW_PRIVATE_TARGETS=true) if "
                        + "that is intended, for example for a local Ollama.", config.gateway().allowPrivateTargets());
        Budgets budgets = new Budgets(store, clock::millis);
        GatewayConfigService service = new GatewayConfigService(store, kek, guard, clock, budgets,
                (name, ws) -> experimentFor(experiments, workspaces, "gateway/" + name, ws));
        config.gateway().configFile().ifPresent(file -> {
            int applied = GatewayYaml.apply(file, service, config.settings().environment());
            LOG.info("AI gateway: applied {} endpoint(s) from {}", applied, file);
        });
        UsageRecorder usage = new UsageRecorder(store, 100_000, List.of(new GatewayTraces(ingest)));
        Gateway gateway = new Gateway(service, UpstreamClient.named(config.settings().gatewayHttpClient(), guard),
                guard, budgets, usage, new GatewayMetrics(),
                (model, in, out) -> prices.cost(model, in, out).map(ModelPrices.Cost::total).orElse(0.0), clock);
        gateway.refreshEvery(Duration.ofSeconds(15));
        return gateway;
    }

    /**
     * ALERT budgets whose window is used up publish MLflow's {@code budget_policy.exceeded} webhook event, to the
     * default workspace's webhooks: budgets are kept there.
     */
    static void alertThrough(Gateway gateway, RegistryEvents events) {
        String ws = dev.osprey.store.WorkspaceStore.DEFAULT;
        gateway.budgets().onAlert(spend -> {
            if (!events.wants(ws, "BUDGET_POLICY", "EXCEEDED")) {
                return;
            }
            ObjectNode data = GatewayCodec.budget(spend.policy());
            data.put("window_start_ms", spend.windowStart()).put("window_end_ms", spend.windowEnd())
                    .put("current_spend", spend.spent());
            events.publish(ws, "BUDGET_POLICY", "EXCEEDED", data);
        });
    }

    /** Who invokes and what: the access policy's USE rule and workspace scope, or anyone without a policy. */
    static GatewayHandler.Access access(Optional<AccessPolicy> policy, Optional<AuthService> auth) {
        return policy.<GatewayHandler.Access>map(rules -> new GatewayHandler.Access() {
            @Override
            public Optional<String> user(ServerRequest req) {
                return auth.map(a -> AuthFilter.user(req).username());
            }

            @Override
            public boolean mayInvoke(ServerRequest req, String endpoint) {
                return auth.isEmpty() || rules.mayInvoke(AuthFilter.user(req), Workspaces.nameOf(req), endpoint);
            }

        }).orElse(GatewayHandler.Access.OPEN);
    }

    /**
     * The experiment an endpoint's usage traces go to, in the endpoint's workspace (under its artifact root),
     * created on first use.
     */
    private static String experimentFor(ExperimentService experiments, WorkspaceStore workspaces, String name,
            String workspace) {
        try {
            return experiments.getByName(name, Optional.of(workspace)).experimentId();
        } catch (OspreyException missing) {
            return experiments.create(name, Optional.empty(), List.of(), workspace.equals(WorkspaceStore.DEFAULT)
                    ? Optional.empty() : workspaces.get(workspace));
        }
    }
}
