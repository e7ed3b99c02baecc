package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Permission.Need;
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

    public List<Endpoint> endpoints() {
        List<Route> routes = new ArrayList<>(List.of(
                new Route(Endpoint.post("/mlflow/users/create", this::createUser), admin()),
                new Route(Endpoint.get("/mlflow/users/get", this::getUser), selfOrAdmin()),
                new Route(Endpoint.get("/mlflow/users/list", this::listUsers), admin()),
                new Route(Endpoint.patch("/mlflow/users/update-password", this::updatePassword), selfOrAdmin()),
                new Route(Endpoint.patch("/mlflow/users/update-admin", this::updateAdmin), admin()),
                new Route(Endpoint.delete("/mlflow/users/delete", this::deleteUser), admin())));
        for (ResourceType type : List.of(ResourceType.EXPERIMENT, ResourceType.REGISTERED_MODEL)) {
            String base = type == ResourceType.EXPERIMENT ? "/mlflow/experiments/permissions/"
                    : "/mlflow/registered-models/permissions/";
            AccessPolicy.Rule manage = manage(type);
            routes.add(new Route(Endpoint.post(base + "create", r -> grant(r, Op.CREATE, type)), manage));
            routes.add(new Route(Endpoint.get(base + "get", r -> grant(r, Op.GET, type)), manage));
            routes.add(new Route(Endpoint.patch(base + "update", r -> grant(r, Op.UPDATE, type)), manage));
            routes.add(new Route(Endpoint.delete(base + "delete", r -> grant(r, Op.DELETE, type)), manage));
        }
        List<Endpoint> out = new ArrayList<>();
        for (Route route : routes) {
            policy.add(route.endpoint(), route.rule());
            out.add(route.endpoint());
        }
        return out;
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

    private static String resourceId(Message m, ResourceType type) {
        return m.requiredString(type == ResourceType.EXPERIMENT ? "experiment_id" : "name");
    }

    private AccessPolicy.Rule manage(ResourceType type) {
        return AccessPolicy.Rule.before((u, r) -> auth.require(u, type, resourceId(r.message(), type),
                Need.MANAGE));
    }

    // --- users

    private ObjectNode userJson(User u) {
        ObjectNode node = Json.object().put("id", u.id()).put("username", u.username()).put("is_admin", u.admin());
        ArrayNode experiments = node.putArray("experiment_permissions");
        ArrayNode models = node.putArray("registered_model_permissions");
        for (Grant g : auth.grants(u)) {
            if (g.type() == ResourceType.EXPERIMENT) {
                experiments.add(grantJson(g));
            } else if (g.type() == ResourceType.REGISTERED_MODEL) {
                models.add(grantJson(g));
            }
        }
        return node;
    }

    private static ObjectNode grantJson(Grant g) {
        ObjectNode node = Json.object();
        node.put(g.type() == ResourceType.EXPERIMENT ? "experiment_id" : "name", g.resourceId());
        return node.put("user_id", g.userId()).put("permission", g.permission());
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

    // --- permissions

    private enum Op { CREATE, GET, UPDATE, DELETE }

    JsonNode grant(ApiRequest r, Op op, ResourceType type) {
        Message m = r.message();
        String id = resourceId(m, type);
        User user = auth.user(m.requiredString("username"));
        AuthStore store = auth.store();
        String field = type == ResourceType.EXPERIMENT ? "experiment_permission" : "registered_model_permission";
        switch (op) {
            case CREATE -> {
                Grant g = new Grant(type, id, user.id(), Permission.parse(m.requiredString("permission")).name());
                store.createGrant(g);
                AuthService.audit("permission {} on {} '{}' granted to '{}' by '{}'", g.permission(), type, id,
                        user.username(), actor().username());
                return Json.object(field, grantJson(g));
            }
            case GET -> {
                Grant g = store.grant(type, id, user.id()).orElseThrow(() -> dev.osprey.core.OspreyException.notFound(
                        "No permission on " + id + " for user " + user.username() + "."));
                return Json.object(field, grantJson(g));
            }
            case UPDATE -> {
                Grant g = new Grant(type, id, user.id(), Permission.parse(m.requiredString("permission")).name());
                store.updateGrant(g);
                AuthService.audit("permission on {} '{}' for '{}' changed to {} by '{}'", type, id, user.username(),
                        g.permission(), actor().username());
                return Json.object();
            }
            case DELETE -> {
                store.deleteGrant(type, id, user.id());
                AuthService.audit("permission on {} '{}' for '{}' revoked by '{}'", type, id, user.username(),
                        actor().username());
                return Json.object();
            }
        }
        throw new IllegalStateException(op.name());
    }
}
