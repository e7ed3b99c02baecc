package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.ModelGrantId;
import dev.osprey.store.AuthStore;
import dev.osprey.store.AuthStore.Grant;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import java.util.ArrayList;
import java.util.List;

/**
 * MLflow's basic-auth REST API (spec/genai.md §7): users (admins only, except reading or changing one's own
 * password) and experiment / registered-model permissions (MANAGE on the resource, or admin). Grants do not require
 * the resource to exist, as in MLflow.
 */
public final class AuthRoutes {
    private final AuthService auth;
    private final AccessPolicy policy;

    public AuthRoutes(AuthService auth, AccessPolicy policy) {
        this.auth = auth;
        this.policy = policy;
    }

    private record Route(Endpoint endpoint, AccessPolicy.Rule rule) {}

    /**
     * A kind of resource with MLflow's permission routes: where they live, which fields name the resource (a
     * scorer is its experiment and its name, stored as "experiment/name") and the answer's key.
     */
    private record Kind(ResourceType type, String base, int version, List<String> idFields, String answerKey) {
        String id(Message m) {
            return String.join("/", idFields.stream().map(m::requiredString).toList());
        }

        /** The id the grant is stored under: a model's names the call's workspace as well. */
        String storedId(ApiRequest r) {
            return AccessPolicy.grantId(type, id(r.message()), r.workspaceName());
        }

        ObjectNode json(Grant g) {
            ObjectNode node = Json.object();
            if (type == ResourceType.REGISTERED_MODEL) {
                ModelGrantId model = ModelGrantId.parse(g.resourceId());
                return node.put("name", model.name()).put("workspace", model.workspace()).put("user_id", g.userId())
                        .put("permission", g.permission());
            }
            String[] parts = g.resourceId().split("/", idFields.size());
            for (int i = 0; i < idFields.size(); i++) {
                node.put(idFields.get(i), i < parts.length ? parts[i] : "");
            }
            return node.put("user_id", g.userId()).put("permission", g.permission());
        }
    }

    private static final List<Kind> KINDS = List.of(
            new Kind(ResourceType.EXPERIMENT, "/mlflow/experiments/permissions/", 2, List.of("experiment_id"),
                    "experiment_permission"),
            new Kind(ResourceType.REGISTERED_MODEL, "/mlflow/registered-models/permissions/", 2, List.of("name"),
                    "registered_model_permission"),
            new Kind(ResourceType.SCORER, "/mlflow/scorers/permissions/", 3, List.of("experiment_id", "scorer_name"),
                    "scorer_permission"),
            new Kind(ResourceType.GATEWAY_SECRET, "/mlflow/gateway/secrets/permissions/", 3, List.of("secret_id"),
                    "gateway_secret_permission"),
            new Kind(ResourceType.GATEWAY_ENDPOINT, "/mlflow/gateway/endpoints/permissions/", 3,
                    List.of("endpoint_id"), "gateway_endpoint_permission"),
            new Kind(ResourceType.GATEWAY_MODEL_DEFINITION, "/mlflow/gateway/model-definitions/permissions/", 3,
                    List.of("model_definition_id"), "gateway_model_definition_permission"),
            new Kind(ResourceType.DATASET, "/mlflow/datasets/permissions/", 3, List.of("dataset_id"),
                    "dataset_permission"),
            // Osprey's: webhooks have grants like the other resources (MLflow keeps them to admins).
            new Kind(ResourceType.WEBHOOK, "/mlflow/webhooks/permissions/", 2, List.of("webhook_id"),
                    "webhook_permission"),
            // Osprey's: what a user may do in a workspace (on its resources without a grant of their own).
            new Kind(ResourceType.WORKSPACE, "/mlflow/workspaces/permissions/", 2, List.of("workspace_name"),
                    "workspace_permission"));

    private static Kind kind(ResourceType type) {
        return KINDS.stream().filter(k -> k.type() == type).findFirst().orElseThrow();
    }

    public List<Endpoint> endpoints() {
        List<Route> routes = new ArrayList<>(List.of(
                new Route(Endpoint.post("/mlflow/users/create", this::createUser), admin()),
                new Route(Endpoint.get("/mlflow/users/get", this::getUser), selfOrAdmin()),
                new Route(Endpoint.get("/mlflow/users/list", this::listUsers), admin()),
                new Route(Endpoint.patch("/mlflow/users/update-password", this::updatePassword), selfOrAdmin()),
                new Route(Endpoint.patch("/mlflow/users/update-admin", this::updateAdmin), admin()),
                new Route(Endpoint.delete("/mlflow/users/delete", this::deleteUser), admin()),
                new Route(Endpoint.post("/osprey/tokens/create", this::createToken),
                        AccessPolicy.Rule.authenticated()),
                new Route(Endpoint.get("/osprey/tokens/list", this::listTokens), ownerOrAdmin()),
                new Route(Endpoint.delete("/osprey/tokens/revoke", this::revokeToken), ownerOrAdmin()),
                new Route(Endpoint.get("/osprey/audit/list", this::listAudit), admin())));
        for (Kind kind : KINDS) {
            AccessPolicy.Rule manage = manage(kind);
            routes.add(new Route(new Endpoint("POST", kind.base() + "create", kind.version(),
                    r -> grant(r, Op.CREATE, kind)), manage));
            routes.add(new Route(new Endpoint("GET", kind.base() + "get", kind.version(),
                    r -> grant(r, Op.GET, kind)), manage));
            routes.add(new Route(new Endpoint("PATCH", kind.base() + "update", kind.version(),
                    r -> grant(r, Op.UPDATE, kind)), manage));
            routes.add(new Route(new Endpoint("DELETE", kind.base() + "delete", kind.version(),
                    r -> grant(r, Op.DELETE, kind)), manage));
        }
        return routes.stream().map(route -> route.endpoint().requires(Access.rule("checked by the auth routes",
                route.rule()))).toList();
    }

    // --- rules

    private static AccessPolicy.Rule admin() {
        return AccessPolicy.Rule.before((u, r) -> AuthService.requireAdmin(u));
    }

    private static AccessPolicy.Rule selfOrAdmin() {
        return AccessPolicy.Rule.before((u, r) -> {
            if (!u.admin() && !u.username().equals(r.message().requiredString("username"))) {
                throw AuthService.denied();
            }
        });
    }

    /** Token routes act on the caller's own tokens, or (admins only) on another user's named in {@code username}. */
    private static AccessPolicy.Rule ownerOrAdmin() {
        return AccessPolicy.Rule.before((u, r) -> {
            if (!u.admin() && r.message().string("username").filter(n -> !n.equals(u.username())).isPresent()) {
                throw AuthService.denied();
            }
        });
    }

    /**
     * MANAGE on the resource, which must be in the call's workspace; on a workspace itself, MANAGE there (never the
     * server's default permission, which would let anyone open a workspace to themselves).
     */
    private AccessPolicy.Rule manage(Kind kind) {
        return AccessPolicy.Rule.before((u, r) -> {
            String id = kind.id(r.message());
            if (kind.type() == ResourceType.WORKSPACE) {
                if (!u.admin() && auth.inWorkspace(u, java.util.Optional.of(id)) != Permission.MANAGE) {
                    throw AuthService.denied();
                }
                return;
            }
            policy.requireInWorkspace(r, kind.type(), id);
            auth.require(u, kind.type(), kind.storedId(r), Need.MANAGE, r.workspaceName());
        });
    }

    // --- users

    private ObjectNode userJson(User u) {
        ObjectNode node = Json.object().put("id", u.id()).put("username", u.username()).put("is_admin", u.admin());
        ArrayNode experiments = node.putArray("experiment_permissions");
        ArrayNode models = node.putArray("registered_model_permissions");
        for (Grant g : auth.grants(u)) {
            if (g.type() == ResourceType.EXPERIMENT) {
                experiments.add(kind(g.type()).json(g));
            } else if (g.type() == ResourceType.REGISTERED_MODEL) {
                models.add(kind(g.type()).json(g));
            }
        }
        return node;
    }

    private static User actor() {
        return AccessPolicy.caller();
    }

    JsonNode createUser(ApiRequest r) {
        Message m = r.message();
        return Json.object("user", userJson(auth.createUser(m.requiredString("username"),
                m.requiredString("password"), actor())));
    }

    JsonNode getUser(ApiRequest r) {
        return Json.object("user", userJson(auth.user(r.message().requiredString("username"))));
    }

    JsonNode listUsers(ApiRequest r) {
        ArrayNode users = Json.object().arrayNode();
        auth.users().forEach(u -> users.add(userJson(u)));
        ObjectNode out = Json.object();
        out.set("users", users);
        return out;
    }

    JsonNode updatePassword(ApiRequest r) {
        auth.updatePassword(r.message().requiredString("username"), r.message().requiredString("password"), actor());
        return Json.object();
    }

    JsonNode updateAdmin(ApiRequest r) {
        Message m = r.message();
        auth.updateAdmin(m.requiredString("username"), m.bool("is_admin").orElseThrow(() ->
                Message.missing("is_admin")), actor());
        return Json.object();
    }

    JsonNode deleteUser(ApiRequest r) {
        auth.deleteUser(r.message().requiredString("username"), actor());
        return Json.object();
    }

    // --- API tokens and the audit log

    private User owner(Message m) {
        return m.string("username").filter(n -> !n.isEmpty()).map(auth::user).orElseGet(AuthRoutes::actor);
    }

    private static ObjectNode tokenJson(AuthStore.Token t, long now) {
        String state = t.revokedAt().isPresent() ? "REVOKED" : t.validAt(now) ? "ACTIVE" : "EXPIRED";
        ObjectNode node = Json.object().put("token_id", Long.toString(t.id())).put("name", t.name())
                .put("created_at", t.createdAt()).put("expires_at", t.expiresAt()).put("state", state);
        t.revokedAt().ifPresent(at -> node.put("revoked_at", at));
        return node;
    }

    JsonNode createToken(ApiRequest r) {
        Message m = r.message();
        AuthService.NewToken created = auth.createToken(actor(), m.requiredString("name"),
                m.int64("expires_in_days"));
        ObjectNode out = Json.object("token", tokenJson(created.token(), auth.now()));
        return out.put("secret", created.secret());
    }

    JsonNode listTokens(ApiRequest r) {
        long now = auth.now();
        ArrayNode tokens = Json.object().arrayNode();
        auth.tokens(owner(r.message())).forEach(t -> tokens.add(tokenJson(t, now)));
        ObjectNode out = Json.object();
        out.set("tokens", tokens);
        return out;
    }

    JsonNode revokeToken(ApiRequest r) {
        Message m = r.message();
        long id;
        try {
            id = Long.parseLong(m.requiredString("token_id"));
        } catch (NumberFormatException e) {
            throw dev.osprey.core.OspreyException.notFound("Token " + m.requiredString("token_id") + " not found.");
        }
        auth.revokeToken(owner(m), id, actor());
        return Json.object();
    }

    JsonNode listAudit(ApiRequest r) {
        Message m = r.message();
        int max = m.int32("max_results").orElse(100);
        if (max < 1 || max > 1000) {
            throw dev.osprey.core.OspreyException.invalid("Invalid value " + max + " for parameter 'max_results': "
                    + "it must be between 1 and 1000.");
        }
        java.util.Optional<Long> before = m.string("page_token").filter(t -> !t.isEmpty()).map(t -> {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw dev.osprey.core.OspreyException.invalid("Invalid page_token '" + t + "'.");
            }
        });
        AuthStore.AuditPage page = auth.store().auditEvents(before, max, m.string("actor").filter(a -> !a.isEmpty()),
                m.string("action").filter(a -> !a.isEmpty()));
        ArrayNode events = Json.object().arrayNode();
        page.events().forEach(e -> events.addObject().put("id", Long.toString(e.id())).put("timestamp", e.atMs())
                .put("actor", e.actor()).put("action", e.action()).put("target", e.target()).put("detail", e.detail()));
        ObjectNode out = Json.object();
        out.set("events", events);
        page.nextBefore().ifPresent(n -> out.put("next_page_token", Long.toString(n)));
        return out;
    }

    // --- permissions

    private enum Op { CREATE, GET, UPDATE, DELETE }

    JsonNode grant(ApiRequest r, Op op, Kind kind) {
        Message m = r.message();
        ResourceType type = kind.type();
        String id = kind.storedId(r);
        User user = auth.user(m.requiredString("username"));
        AuthStore store = auth.store();
        String field = kind.answerKey();
        switch (op) {
            case CREATE -> {
                Grant g = new Grant(type, id, user.id(), Permission.parse(m.requiredString("permission")).name());
                store.createGrant(g);
                auth.grantsChanged();
                auth.audit(actor().username(), "permission.create", type.name() + " " + id, "user '"
                        + user.username() + "' " + g.permission());
                return Json.object(field, kind.json(g));
            }
            case GET -> {
                Grant g = store.grant(type, id, user.id()).orElseThrow(() -> dev.osprey.core.OspreyException.notFound(
                        "No permission on " + id + " for user " + user.username() + "."));
                return Json.object(field, kind.json(g));
            }
            case UPDATE -> {
                Grant g = new Grant(type, id, user.id(), Permission.parse(m.requiredString("permission")).name());
                store.updateGrant(g);
                auth.grantsChanged();
                auth.audit(actor().username(), "permission.update", type.name() + " " + id, "user '"
                        + user.username() + "' " + g.permission());
                return Json.object();
            }
            case DELETE -> {
                store.deleteGrant(type, id, user.id());
                auth.grantsChanged();
                auth.audit(actor().username(), "permission.delete", type.name() + " " + id, "user '"
                        + user.username() + "'");
                return Json.object();
            }
        }
        throw new IllegalStateException(op.name());
    }
}
