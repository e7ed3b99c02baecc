package dev.osprey.server.gateway;

import dev.osprey.store.AuthStore.ResourceType;
import static dev.osprey.server.auth.Permission.Need.*;
import static dev.osprey.server.auth.Access.*;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.gateway.GatewayConfigService;
import dev.osprey.gateway.config.BudgetPolicy;
import dev.osprey.gateway.config.GatewayCodec;
import dev.osprey.gateway.config.GatewayEndpoint;
import dev.osprey.gateway.provider.Providers;
import dev.osprey.gateway.routing.Budgets;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiHandler;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.store.GatewayStore;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The gateway configuration RPCs (spec/genai.md §6.1), version 3.0 routes, plus Osprey's usage query. */
public final class GatewayConfigRoutes {
    private static final String G = "/mlflow/gateway";
    private final GatewayConfigService config;
    private final Budgets budgets;
    private final GatewayStore store;

    public GatewayConfigRoutes(GatewayConfigService config, Budgets budgets, GatewayStore store) {
        this.config = config;
        this.budgets = budgets;
        this.store = store;
    }

    private static Endpoint v3(String method, String path, ApiHandler handler) {
        return new Endpoint(method, G + path, 3, handler);
    }

    public List<Endpoint> endpoints() {
        return List.of(
                v3("POST", "/secrets/create", r -> secret(config.secrets().create(r.message()))).requires(createsGateway(ResourceType.GATEWAY_SECRET, "secret_id", "secret")),
                v3("GET", "/secrets/get", r -> secret(config.secrets().get(r.message(), workspace(r)))).requires(onGateway(ResourceType.GATEWAY_SECRET, "secret_id", READ)),
                v3("POST", "/secrets/update", r -> secret(config.secrets().update(r.message()))).requires(onGateway(ResourceType.GATEWAY_SECRET, "secret_id", UPDATE)),
                v3("DELETE", "/secrets/delete", r -> empty(() -> config.secrets().delete(r.message()))).requires(dropsGrants(onGateway(ResourceType.GATEWAY_SECRET, "secret_id", DELETE))),
                v3("GET", "/secrets/list", r -> list("secrets", config.secrets().list(r.message()).stream()
                        .map(GatewayCodec::secret).toList())).requires(listsReadable(ResourceType.GATEWAY_SECRET, "secrets", "secret_id")),
                v3("GET", "/secrets/config", r -> Json.object().put("secrets_available", config.secrets().available())).requires(adminInDefaultWorkspace()),
                v3("GET", "/supported-providers", r -> {
                    ObjectNode out = Json.object();
                    ArrayNode providers = out.putArray("providers");
                    Providers.names().forEach(providers::add);
                    return out;
                }).requires(authenticated()),
                v3("POST", "/model-definitions/create", r -> definition(config.modelDefinitions().create(r.message()))).requires(createsGateway(ResourceType.GATEWAY_MODEL_DEFINITION, "model_definition_id", "model_definition")),
                v3("GET", "/model-definitions/get", r -> definition(config.modelDefinitions().get(
                        r.message().requiredString("model_definition_id")))).requires(onGateway(ResourceType.GATEWAY_MODEL_DEFINITION, "model_definition_id", READ)),
                v3("POST", "/model-definitions/update", r -> definition(config.modelDefinitions().update(r.message()))).requires(modelDefinitionUpdate()),
                v3("DELETE", "/model-definitions/delete", r -> empty(() -> config.modelDefinitions().delete(
                        r.message().requiredString("model_definition_id")))).requires(dropsGrants(onGateway(ResourceType.GATEWAY_MODEL_DEFINITION, "model_definition_id", DELETE))),
                v3("GET", "/model-definitions/list", r -> list("model_definitions",
                        config.modelDefinitions().list(r.message()).stream().map(d -> (JsonNode) config.modelDefinitions().json(d))
                                .toList())).requires(listsReadable(ResourceType.GATEWAY_MODEL_DEFINITION, "model_definitions", "model_definition_id")),
                v3("POST", "/endpoints/create", r -> endpoint(config.endpoints().create(r.message(), workspace(r)))).requires(createsGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", "endpoint")),
                v3("GET", "/endpoints/get", r -> endpoint(config.endpoints().get(r.message(), workspace(r)))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", READ)),
                v3("POST", "/endpoints/update", r -> endpoint(config.endpoints().update(r.message(), workspace(r)))).requires(endpointUpdateUsingModels()),
                v3("DELETE", "/endpoints/delete", r -> empty(() -> config.endpoints().delete(
                        r.message().requiredString("endpoint_id")))).requires(dropsGrants(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", DELETE))),
                v3("GET", "/endpoints/list", r -> list("endpoints", config.endpoints().list(r.message()).stream()
                        .map(e -> (JsonNode) config.endpoints().json(e)).toList())).requires(listsReadable(ResourceType.GATEWAY_ENDPOINT, "endpoints", "endpoint_id")),
                v3("POST", "/endpoints/models/attach", this::attach).requires(endpointUpdateUsingModels()),
                v3("POST", "/endpoints/models/detach", r -> empty(() -> config.endpoints().detachModel(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", UPDATE)),
                v3("POST", "/endpoints/bindings/create", r -> Json.object("binding",
                        config.bindings().create(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", UPDATE)),
                v3("DELETE", "/endpoints/bindings/delete", r -> empty(() -> config.bindings().delete(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", UPDATE)),
                v3("GET", "/endpoints/bindings/list", r -> list("bindings", config.bindings().list(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", READ)),
                v3("POST", "/endpoints/set-tag", r -> empty(() -> config.endpoints().setTag(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", UPDATE)),
                v3("DELETE", "/endpoints/delete-tag", r -> empty(() -> config.endpoints().deleteTag(r.message()))).requires(onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", UPDATE)),
                v3("POST", "/budgets/create", r -> budget(config.budgetPolicies().create(r.message(), workspace(r))))
                        .requires(budgetsOfTheWorkspace()),
                v3("POST", "/budgets/update", r -> budget(config.budgetPolicies().update(r.message())))
                        .requires(budgetsOfTheWorkspace()),
                v3("GET", "/budgets/get", r -> budget(config.budgetPolicies().get(r.message()
                        .requiredString("budget_policy_id")))).requires(budgetsOfTheWorkspace()),
                v3("DELETE", "/budgets/delete", r -> empty(() -> config.budgetPolicies().delete(r.message()
                        .requiredString("budget_policy_id")))).requires(budgetsOfTheWorkspace()),
                v3("GET", "/budgets/list", r -> list("budget_policies", config.budgetPolicies().list(workspace(r))
                        .stream().map(b -> (JsonNode) GatewayCodec.budget(b)).toList()))
                        .requires(budgetsOfTheWorkspace()),
                v3("GET", "/budgets/windows", this::windows).requires(budgetsOfTheWorkspace()),
                v3("GET", "/usage", this::usage).requires(budgetsOfTheWorkspace()));
    }

    private static JsonNode secret(dev.osprey.gateway.config.GatewaySecret s) {
        return Json.object("secret", GatewayCodec.secret(s));
    }

    private JsonNode definition(dev.osprey.gateway.config.ModelDefinition d) {
        return Json.object("model_definition", config.modelDefinitions().json(d));
    }

    private JsonNode endpoint(GatewayEndpoint e) {
        return Json.object("endpoint", config.endpoints().json(e));
    }

    private static String workspace(ApiRequest r) {
        return r.workspaceName().orElse(dev.osprey.store.WorkspaceStore.DEFAULT);
    }

    private static JsonNode budget(BudgetPolicy b) {
        return Json.object("budget_policy", GatewayCodec.budget(b));
    }

    private static JsonNode empty(Runnable action) {
        action.run();
        return Json.object();
    }

    private static JsonNode list(String field, List<? extends JsonNode> items) {
        ObjectNode out = Json.object();
        ArrayNode array = out.putArray(field);
        items.forEach(array::add);
        return out;
    }

    private JsonNode attach(ApiRequest r) {
        GatewayEndpoint.ModelMapping m = config.endpoints().attachModel(r.message());
        return Json.object("mapping", config.endpoints().json(r.message().requiredString("endpoint_id"), m));
    }

    private JsonNode windows(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode windows = out.putArray("windows");
        String ws = workspace(r);
        for (Budgets.Spend s : budgets.current().stream().filter(s -> s.policy().workspace().equals(ws)).toList()) {
            windows.addObject().put("budget_policy_id", s.policy().budgetPolicyId())
                    .put("window_start_ms", s.windowStart()).put("window_end_ms", s.windowEnd())
                    .put("current_spend", s.spent()).put("budget_amount", s.policy().amount());
        }
        return out;
    }

    private JsonNode usage(ApiRequest r) {
        Message m = r.message();
        GatewayStore.UsageGroup group = m.string("group_by").filter(s -> !s.isEmpty()).map(s -> {
            try {
                return GatewayStore.UsageGroup.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw OspreyException.invalid("Invalid value '" + s + "' for 'group_by'. Allowed: endpoint, user, "
                        + "day, provider, model.");
            }
        }).orElse(GatewayStore.UsageGroup.ENDPOINT);
        long start = m.int64("start_time").orElse(0);
        long end = m.int64("end_time").orElse(Long.MAX_VALUE);
        Optional<String> endpointId = m.string("endpoint_id").filter(s -> !s.isEmpty());
        Optional<String> user = m.string("user").filter(s -> !s.isEmpty());
        ObjectNode out = Json.object();
        out.put("group_by", group.name().toLowerCase(Locale.ROOT));
        ArrayNode rows = out.putArray("usage");
        for (GatewayStore.UsageTotals t : store.usage(new GatewayStore.UsageQuery(group, start, end, endpointId,
                user, Optional.of(workspace(r))))) {
            rows.addObject().put("key", t.key()).put("requests", t.requests()).put("errors", t.errors())
                    .put("input_tokens", t.inputTokens()).put("output_tokens", t.outputTokens())
                    .put("total_tokens", t.inputTokens() + t.outputTokens()).put("cost", t.cost())
                    .put("avg_latency_ms", t.requests() == 0 ? 0 : (double) t.latencyMsSum() / t.requests());
        }
        return out;
    }
}
