package dev.osprey.server.workspaces.http;

import dev.osprey.server.workspaces.ProxiedPaths;
import dev.osprey.server.workspaces.Workspaces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Access;
import dev.osprey.server.auth.AccessPolicy;
import dev.osprey.server.auth.AuthService;
import dev.osprey.server.auth.Permission;
import dev.osprey.store.AuthStore.User;
import dev.osprey.store.WorkspaceStore.DeletionMode;
import dev.osprey.store.WorkspaceStore.Workspace;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * MLflow's workspace API (3.0, spec/genai.md §8): list, create (201), get, update and delete (204, {@code mode}
 * RESTRICT, CASCADE or SET_DEFAULT). Users see the workspaces they have a permission in; creating and deleting
 * workspaces is for admins, changing one for admins and its managers.
 */
public final class WorkspaceRoutes {
    private static final String BASE = "/mlflow/workspaces";

    private final Workspaces workspaces;
    private final Optional<AuthService> auth;

    /** @param auth when auth is on: who may see and change which workspace */
    public WorkspaceRoutes(Workspaces workspaces, Optional<AuthService> auth) {
        this.workspaces = workspaces;
        this.auth = auth;
    }

    /** The endpoints, each with what it asks of its caller. */
    public List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET", BASE, 3, this::list).requires(Access.rule("lists the workspaces one may enter",
                        (u, r, call) -> visibleOnly(u, call.apply(r)))),
                new Endpoint("POST", BASE, 3, this::create).withSuccessStatus(201).requires(Access.admin()),
                new Endpoint("GET", BASE + "/{workspace_name}", 3, this::get).requires(Access.rule("READ in the "
                        + "workspace", AccessPolicy.Rule.before((u, r) -> requireAtLeast(u, name(r),
                        Permission.READ)))),
                new Endpoint("PATCH", BASE + "/{workspace_name}", 3, this::update).requires(Access.rule("MANAGE in "
                        + "the workspace", AccessPolicy.Rule.before((u, r) -> requireAtLeast(u, name(r),
                        Permission.MANAGE)))),
                new Endpoint("DELETE", BASE + "/{workspace_name}", 3, this::delete).withSuccessStatus(204)
                        .requires(Access.dropsGrants(Access.admin())));
    }

    private boolean mayEnter(User u, String workspace) {
        return auth.map(a -> WorkspaceFilter.mayEnter(a, u, workspace)).orElse(true);
    }

    /** No permission in it: answered as if it did not exist; some but not enough: denied. */
    private void requireAtLeast(User u, String workspace, Permission needed) {
        if (!mayEnter(u, workspace)) {
            throw Workspaces.notFound(workspace);
        }
        if (needed == Permission.MANAGE && auth.map(a -> a.inWorkspace(u, Optional.of(workspace))
                != Permission.MANAGE).orElse(false)) {
            throw AuthService.denied();
        }
    }

    private JsonNode visibleOnly(User u, JsonNode answer) {
        if (!(answer instanceof ObjectNode page)) {
            return answer;
        }
        ArrayNode kept = Json.object().arrayNode();
        answer.path("workspaces").forEach(w -> {
            if (mayEnter(u, w.path("name").asText())) {
                kept.add(w);
            }
        });
        page.set("workspaces", kept);
        return page;
    }

    private static String name(ApiRequest r) {
        return r.pathParam("workspace_name");
    }

    static ObjectNode json(Workspace w) {
        ObjectNode node = Json.object().put("name", w.name());
        if (!w.description().isEmpty()) {
            node.put("description", w.description());
        }
        w.defaultArtifactRoot().ifPresent(root -> node.put("default_artifact_root", root));
        return node;
    }

    private static ObjectNode one(Workspace w) {
        ObjectNode out = Json.object();
        out.set("workspace", json(w));
        return out;
    }

    JsonNode list(ApiRequest r) {
        ObjectNode out = Json.object();
        ArrayNode items = out.putArray("workspaces");
        workspaces.list().forEach(w -> items.add(json(w)));
        return out;
    }

    JsonNode create(ApiRequest r) {
        Message m = r.message();
        String name = m.requiredString("name");
        return one(workspaces.create(name, m.string("description").orElse(""),
                m.string("default_artifact_root").filter(s -> !s.isEmpty())));
    }

    JsonNode get(ApiRequest r) {
        return one(workspaces.get(name(r)));
    }

    JsonNode update(ApiRequest r) {
        Message m = r.message();
        return one(workspaces.update(name(r), m.string("description"), m.string("default_artifact_root")));
    }

    JsonNode delete(ApiRequest r) {
        String mode = r.message().string("mode").filter(s -> !s.isEmpty()).orElse("RESTRICT");
        DeletionMode parsed;
        try {
            parsed = DeletionMode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("Invalid workspace deletion mode '" + mode + "'. Expected one of: "
                    + "RESTRICT, CASCADE, SET_DEFAULT.");
        }
        workspaces.delete(name(r), parsed); // the store refuses the default workspace
        return Json.object();
    }
}
