package dev.osprey.server.guardrails;

import static dev.osprey.server.auth.Access.guardrails;
import static dev.osprey.server.auth.Access.guardrailsOfEndpoint;
import static dev.osprey.server.auth.Permission.Need.MANAGE;
import static dev.osprey.server.auth.Permission.Need.READ;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Page;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.gateway.Gateway;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiHandler;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.guardrails.Guardrail.Attachment;
import dev.osprey.server.scorers.ScorerRoutes;
import dev.osprey.server.tracking.Validation;
import dev.osprey.store.GatewayStore;
import dev.osprey.store.ScorerStore;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.util.List;
import java.util.OptionalInt;

/**
 * MLflow 3.11's guardrail RPCs ({@code /mlflow/gateway/guardrails/...}): create, get, list and delete guardrails,
 * attach them to endpoints in an order, reorder and detach them. Changing guardrails needs MANAGE in the workspace
 * (they decide what every attached endpoint lets through), attaching also UPDATE on the endpoint.
 */
public final class GuardrailRoutes {
    private static final String G = "/mlflow/gateway/guardrails";
    private final GuardrailCatalog catalog;

    private GuardrailRoutes(GuardrailCatalog catalog) {
        this.catalog = catalog;
    }

    /** The routes, with the guardrails installed in the gateway. */
    public static GuardrailRoutes install(Gateway gateway, GatewayStore store, ScorerStore scorers,
            ScorerSpecs.JudgeModels models, Clock clock) {
        GuardrailCatalog catalog = new GuardrailCatalog(store, scorers, gateway.config(), clock);
        gateway.guardWith(new JudgeGuardrails(catalog, models, gateway));
        return new GuardrailRoutes(catalog);
    }

    private static Endpoint v3(String method, String path, ApiHandler handler) {
        return new Endpoint(method, G + path, 3, handler);
    }

    public List<Endpoint> endpoints() {
        return List.of(
                v3("POST", "/create", r -> Json.object("guardrail", json(catalog.create(workspace(r),
                        r.message().json(), AccessPolicy.callerName())))).requires(guardrails(MANAGE)),
                v3("GET", "/get", r -> Json.object("guardrail", json(catalog.get(workspace(r),
                        r.message().requiredString("guardrail_id"))))).requires(guardrails(READ)),
                v3("DELETE", "/delete", r -> {
                    catalog.delete(workspace(r), r.message().requiredString("guardrail_id"));
                    return Json.object();
                }).requires(guardrails(MANAGE)),
                v3("GET", "/list", this::list).requires(guardrails(READ)),
                v3("POST", "/add-to-endpoint", r -> Json.object("config", json(catalog.attach(workspace(r),
                        r.message().requiredString("endpoint_id"), r.message().requiredString("guardrail_id"),
                        order(r.message()), AccessPolicy.callerName())))).requires(guardrailsOfEndpoint()),
                v3("DELETE", "/remove-from-endpoint", r -> {
                    catalog.detach(workspace(r), r.message().requiredString("endpoint_id"),
                            r.message().requiredString("guardrail_id"));
                    return Json.object();
                }).requires(guardrailsOfEndpoint()),
                v3("GET", "/list-for-endpoint", r -> {
                    ObjectNode out = Json.object();
                    ArrayNode configs = out.putArray("configs");
                    catalog.attachments(workspace(r), r.message().requiredString("endpoint_id"))
                            .forEach(a -> configs.add(json(a)));
                    return out;
                }).requires(guardrails(READ)),
                v3("PATCH", "/update-config", r -> Json.object("config", json(catalog.reorder(workspace(r),
                        r.message().requiredString("endpoint_id"), r.message().requiredString("guardrail_id"),
                        order(r.message()))))).requires(guardrailsOfEndpoint()));
    }

    private static String workspace(ApiRequest r) {
        return r.workspaceName().orElse(WorkspaceStore.DEFAULT);
    }

    private static OptionalInt order(Message m) {
        return m.int64("execution_order").isPresent() ? OptionalInt.of((int) m.int64("execution_order").getAsLong())
                : OptionalInt.empty();
    }

    private JsonNode list(ApiRequest r) {
        Message m = r.message();
        int max = Validation.maxResults(m.int64("max_results").orElse(0), 100, 1000);
        Page<Guardrail> page = catalog.list(workspace(r), max, m.string("page_token").filter(s -> !s.isEmpty()));
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("guardrails");
        page.items().forEach(g -> items.add(json(g)));
        page.nextPageToken().ifPresent(t -> out.put("next_page_token", t));
        return out;
    }

    /** MLflow's GatewayGuardrail, with its scorer version; the action endpoint is named as MLflow names it. */
    private ObjectNode json(Guardrail g) {
        ObjectNode out = Json.object().put("guardrail_id", g.guardrailId()).put("name", g.name());
        catalog.scorers().byId(g.scorerId(), g.scorerVersion()).ifPresent(v -> out.set("scorer",
                ScorerRoutes.json(v)));
        out.put("stage", g.stage().name()).put("action", g.action().name());
        g.actionEndpointId().flatMap(id -> catalog.endpointName(g.workspace(), id))
                .ifPresent(name -> out.put("action_endpoint_id", name));
        out.put("created_by", g.createdBy().orElse("")).put("created_at", g.createdAt())
                .put("last_updated_by", g.createdBy().orElse("")).put("last_updated_at", g.lastUpdatedAt());
        return out;
    }

    private ObjectNode json(Attachment a) {
        ObjectNode out = Json.object().put("endpoint_id", a.endpointId()).put("guardrail_id", a.guardrailId());
        a.executionOrder().ifPresent(o -> out.put("execution_order", o));
        out.put("created_by", a.createdBy().orElse("")).put("created_at", a.createdAt());
        catalog.find(a.workspace(), a.guardrailId()).ifPresent(g -> out.set("guardrail", json(g)));
        return out;
    }
}
