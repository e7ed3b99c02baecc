package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import dev.osprey.store.TrackingStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The authorization decision of every API endpoint, written out one by one (spec/genai.md §7): which resource a call
 * touches, found from its parameters (experiment, run, trace, registered model, logged model, job), and what it needs
 * there. An endpoint missing from this table is refused to everyone but admins, and a test fails on it.
 */
public final class AccessPolicy {
    /** Checks a call before it runs; what it returns is applied to the answer (filters, creator grants). */
    @FunctionalInterface
    public interface Rule {
        UnaryOperator<JsonNode> check(User user, ApiRequest request);
    }

    private static final UnaryOperator<JsonNode> SAME = a -> a;

    private final AuthService auth;
    private final TrackingStore store;
    private final Map<String, Rule> rules = new HashMap<>();

    public AccessPolicy(AuthService auth, TrackingStore store) {
        this.auth = auth;
        this.store = store;
        tracking();
        registry();
        traces();
        genai();
        adminOnly();
    }

    private static String key(String method, String path) {
        return method + " " + path;
    }

    private void on(String method, String path, Rule rule) {
        if (rules.put(key(method, path), rule) != null) {
            throw new IllegalStateException("Two rules for " + method + " " + path);
        }
    }

    /** The rule for an endpoint, if it has one. */
    public Optional<Rule> rule(Endpoint e) {
        return Optional.ofNullable(rules.get(key(e.method(), e.path())));
    }

    private static final ThreadLocal<User> CALLER = new ThreadLocal<>();

    /** The user of the call being handled on this thread (for audit records in handlers). */
    static User caller() {
        User u = CALLER.get();
        if (u == null) {
            throw new IllegalStateException("no authenticated call on this thread");
        }
        return u;
    }

    /** Runs the endpoint's rule, then the call, then what the rule asked to apply to the answer. */
    public JsonNode invoke(Endpoint e, ApiRequest request, User user) {
        Rule rule = rule(e).orElse((u, r) -> {
            AuthService.requireAdmin(u); // no decision written down: closed to all but admins
            return SAME;
        });
        UnaryOperator<JsonNode> after = rule.check(user, request);
        CALLER.set(user);
        try {
            return after.apply(e.handler().handle(request));
        } finally {
            CALLER.remove();
        }
    }

    // --- building blocks

    private static Rule authenticated() {
        return (u, r) -> SAME;
    }

    private static Rule admin() {
        return (u, r) -> {
            AuthService.requireAdmin(u);
            return SAME;
        };
    }

    private static Optional<String> param(ApiRequest r, String name) {
        if (r.pathParams().containsKey(name)) {
            return Optional.of(r.pathParams().get(name));
        }
        return r.message().string(name).filter(s -> !s.isEmpty());
    }

    private void requireExperiment(User u, String experimentId, Need need) {
        auth.require(u, ResourceType.EXPERIMENT, experimentId, need);
    }

    /** On the experiment named by a field (or path parameter); the default experiment when absent. */
    private Rule experiment(Need need, String field) {
        return (u, r) -> {
            requireExperiment(u, param(r, field).orElse("0"), need);
            return SAME;
        };
    }

    /** On every experiment a list field names (none named: nothing to check, the handler refuses). */
    private Rule experiments(Need need, Function<Message, List<String>> ids) {
        return (u, r) -> {
            for (String id : ids.apply(r.message())) {
                requireExperiment(u, id, need);
            }
            return SAME;
        };
    }

    private Optional<String> runExperiment(String runId) {
        return store.getRun(runId).map(run -> run.info().experimentId());
    }

    /** On the experiment of the run in run_id (or run_uuid); an unknown run is left to the handler's 404. */
    private Rule run(Need need) {
        return (u, r) -> {
            param(r, "run_id").or(() -> param(r, "run_uuid")).flatMap(this::runExperiment)
                    .ifPresent(exp -> requireExperiment(u, exp, need));
            return SAME;
        };
    }

    private Rule runs(Need need, String field) {
        return (u, r) -> {
            for (String runId : r.message().strings(field)) {
                runExperiment(runId).ifPresent(exp -> requireExperiment(u, exp, need));
            }
            return SAME;
        };
    }

    private Optional<String> traceExperiment(String traceId) {
        return store.traces().getTraceInfo(traceId).map(t -> t.experimentId());
    }

    private Rule trace(Need need, String field) {
        return (u, r) -> {
            param(r, field).flatMap(this::traceExperiment).ifPresent(exp -> requireExperiment(u, exp, need));
            return SAME;
        };
    }

    private Rule traces(Need need, String field) {
        return (u, r) -> {
            for (var t : store.traces().getTraceInfos(r.message().strings(field))) {
                requireExperiment(u, t.experimentId(), need);
            }
            return SAME;
        };
    }

    private Rule model(Need need) {
        return (u, r) -> {
            auth.require(u, ResourceType.REGISTERED_MODEL, param(r, "name").orElseThrow(() ->
                    Message.missing("name")), need);
            return SAME;
        };
    }

    private Rule loggedModel(Need need) {
        return (u, r) -> {
            store.loggedModels().get(r.pathParam("model_id"), true)
                    .ifPresent(m -> requireExperiment(u, m.experimentId(), need));
            return SAME;
        };
    }

    private Rule job(Need need) {
        return (u, r) -> {
            store.jobs().get(r.pathParam("job_id")).ifPresent(j -> requireExperiment(u, j.experimentId(), need));
            return SAME;
        };
    }

    /** Keeps the answer's list items the user may read; {@code id} names each item's resource. */
    private Rule filtered(ResourceType type, String listField, Function<JsonNode, String> id) {
        return (u, r) -> answer -> {
            if (u.admin() || !(answer.get(listField) instanceof ArrayNode items)) {
                return answer;
            }
            List<String> ids = new ArrayList<>();
            items.forEach(item -> ids.add(id.apply(item)));
            Map<String, Permission> allowed = auth.effective(u, type, ids);
            ArrayNode kept = items.arrayNode();
            items.forEach(item -> {
                if (allowed.get(id.apply(item)).allows(Need.READ)) {
                    kept.add(item);
                }
            });
            ((ObjectNode) answer).set(listField, kept);
            return answer;
        };
    }

    /** Authenticated; the creator then manages what it created (the id read from the answer). */
    private Rule creates(ResourceType type, Function<JsonNode, String> id) {
        return (u, r) -> answer -> {
            String created = id.apply(answer);
            if (!created.isEmpty()) {
                auth.grantCreator(u, type, created);
            }
            return answer;
        };
    }

    private static List<String> searchTraceExperiments(Message m) {
        List<String> ids = new ArrayList<>(m.strings("experiment_ids"));
        for (Message location : m.messages("locations")) {
            location.message("mlflow_experiment").flatMap(e -> e.string("experiment_id")).ifPresent(ids::add);
        }
        return ids;
    }

    // --- the table

    private void tracking() {
        String e = "/mlflow/experiments/";
        on("POST", e + "create", creates(ResourceType.EXPERIMENT, a -> a.path("experiment_id").asText()));
        on("GET", e + "get", experiment(Need.READ, "experiment_id"));
        on("GET", e + "get-by-name", (u, r) -> answer -> {
            requireExperiment(u, answer.path("experiment").path("experiment_id").asText(), Need.READ);
            return answer;
        });
        on("GET", e + "search", filtered(ResourceType.EXPERIMENT, "experiments", x -> x.path("experiment_id")
                .asText()));
        on("POST", e + "search", filtered(ResourceType.EXPERIMENT, "experiments", x -> x.path("experiment_id")
                .asText()));
        on("POST", e + "update", experiment(Need.UPDATE, "experiment_id"));
        on("POST", e + "set-experiment-tag", experiment(Need.UPDATE, "experiment_id"));
        on("POST", e + "delete-experiment-tag", experiment(Need.UPDATE, "experiment_id"));
        on("POST", e + "delete", experiment(Need.DELETE, "experiment_id"));
        on("POST", e + "restore", experiment(Need.DELETE, "experiment_id"));
        String run = "/mlflow/runs/";
        on("POST", run + "create", experiment(Need.UPDATE, "experiment_id"));
        on("GET", run + "get", run(Need.READ));
        on("POST", run + "search", experiments(Need.READ, m -> m.strings("experiment_ids")));
        for (String write : List.of("update", "log-batch", "log-inputs", "log-metric", "log-model", "log-parameter",
                "outputs", "set-tag", "delete-tag")) {
            on("POST", run + write, run(Need.UPDATE));
        }
        on("POST", run + "delete", run(Need.DELETE));
        on("POST", run + "restore", run(Need.DELETE));
        on("GET", "/mlflow/metrics/get-history", run(Need.READ));
        on("GET", "/mlflow/metrics/get-history-bulk", runs(Need.READ, "run_id"));
        on("GET", "/mlflow/metrics/get-history-bulk-interval", runs(Need.READ, "run_ids"));
        on("GET", "/mlflow/artifacts/list", run(Need.READ));
        String lm = "/mlflow/logged-models";
        on("POST", lm, experiment(Need.UPDATE, "experiment_id"));
        on("POST", lm + "/search", experiments(Need.READ, m -> m.strings("experiment_ids")));
        on("GET", lm + "/{model_id}", loggedModel(Need.READ));
        on("GET", lm + "/{model_id}/artifacts/directories", loggedModel(Need.READ));
        on("PATCH", lm + "/{model_id}", loggedModel(Need.UPDATE));
        on("POST", lm + "/{model_id}/params", loggedModel(Need.UPDATE));
        on("PATCH", lm + "/{model_id}/tags", loggedModel(Need.UPDATE));
        on("DELETE", lm + "/{model_id}/tags/{tag_key}", loggedModel(Need.UPDATE));
        on("DELETE", lm + "/{model_id}", loggedModel(Need.DELETE));
    }

    private void registry() {
        String rm = "/mlflow/registered-models/";
        on("POST", rm + "create", creates(ResourceType.REGISTERED_MODEL, a -> a.path("registered_model")
                .path("name").asText()));
        on("GET", rm + "get", model(Need.READ));
        on("GET", rm + "get-latest-versions", model(Need.READ));
        on("POST", rm + "get-latest-versions", model(Need.READ));
        on("GET", rm + "alias", model(Need.READ));
        on("GET", rm + "search", filtered(ResourceType.REGISTERED_MODEL, "registered_models",
                x -> x.path("name").asText()));
        on("PATCH", rm + "update", model(Need.UPDATE));
        on("POST", rm + "rename", model(Need.UPDATE));
        on("POST", rm + "set-tag", model(Need.UPDATE));
        on("DELETE", rm + "delete-tag", model(Need.UPDATE));
        on("POST", rm + "alias", model(Need.UPDATE));
        on("DELETE", rm + "alias", model(Need.UPDATE));
        on("DELETE", rm + "delete", model(Need.DELETE));
        String mv = "/mlflow/model-versions/";
        on("POST", mv + "create", model(Need.UPDATE));
        on("GET", mv + "get", model(Need.READ));
        on("GET", mv + "get-download-uri", model(Need.READ));
        on("GET", mv + "search", filtered(ResourceType.REGISTERED_MODEL, "model_versions",
                x -> x.path("name").asText()));
        on("PATCH", mv + "update", model(Need.UPDATE));
        on("POST", mv + "set-tag", model(Need.UPDATE));
        on("DELETE", mv + "delete-tag", model(Need.UPDATE));
        on("POST", mv + "transition-stage", model(Need.UPDATE));
        on("DELETE", mv + "delete", model(Need.DELETE));
    }

    private void traces() {
        String t = "/mlflow/traces";
        on("POST", t, (u, r) -> {
            // v3 StartTrace names the experiment in trace.trace_info.trace_location; v2 in experiment_id.
            String exp = r.message().message("trace").flatMap(x -> x.message("trace_info"))
                    .flatMap(i -> i.message("trace_location")).flatMap(l -> l.message("mlflow_experiment"))
                    .flatMap(x -> x.string("experiment_id")).or(() -> param(r, "experiment_id")).orElse("0");
            requireExperiment(u, exp, Need.UPDATE);
            return SAME;
        });
        on("GET", t, experiments(Need.READ, m -> m.strings("experiment_ids")));
        on("POST", t + "/search", experiments(Need.READ, AccessPolicy::searchTraceExperiments));
        on("GET", t + "/sessions", experiment(Need.READ, "experiment_id"));
        on("GET", t + "/batchGet", traces(Need.READ, "trace_ids"));
        on("POST", t + "/batchGetInfos", traces(Need.READ, "trace_ids"));
        on("POST", t + "/delete-traces", experiment(Need.DELETE, "experiment_id"));
        on("POST", t + "/link-to-run", run(Need.UPDATE));
        on("POST", t + "/link-prompts", trace(Need.UPDATE, "trace_id"));
        on("GET", t + "/{trace_id}", trace(Need.READ, "trace_id"));
        on("GET", t + "/{request_id}/info", trace(Need.READ, "request_id"));
        on("PATCH", t + "/{request_id}", trace(Need.UPDATE, "request_id"));
        on("PATCH", t + "/{trace_id}/tags", trace(Need.UPDATE, "trace_id"));
        on("DELETE", t + "/{trace_id}/tags", trace(Need.UPDATE, "trace_id"));
        on("POST", t + "/{trace_id}/assessments", trace(Need.UPDATE, "trace_id"));
        on("GET", t + "/{trace_id}/assessments/{assessment_id}", trace(Need.READ, "trace_id"));
        on("PATCH", t + "/{trace_id}/assessments/{assessment_id}", trace(Need.UPDATE, "trace_id"));
        on("DELETE", t + "/{trace_id}/assessments/{assessment_id}", trace(Need.UPDATE, "trace_id"));
        on("GET", "/osprey/ui/traces/{trace_id}/spans", trace(Need.READ, "trace_id"));
        on("GET", "/osprey/ui/experiments/{experiment_id}/overview", experiment(Need.READ, "experiment_id"));
    }

    private void genai() {
        String s = "/mlflow/scorers/";
        on("GET", s + "list", experiment(Need.READ, "experiment_id"));
        on("GET", s + "get", experiment(Need.READ, "experiment_id"));
        on("GET", s + "versions", experiment(Need.READ, "experiment_id"));
        on("POST", s + "register", experiment(Need.UPDATE, "experiment_id"));
        on("DELETE", s + "delete", experiment(Need.UPDATE, "experiment_id"));
        on("PUT", s + "online-config", experiment(Need.UPDATE, "experiment_id"));
        on("GET", s + "online-configs", experiment(Need.READ, "experiment_id"));
        String ev = "/osprey/evaluations";
        on("POST", ev, experiment(Need.UPDATE, "experiment_id"));
        on("GET", ev, experiment(Need.READ, "experiment_id"));
        on("GET", ev + "/{job_id}", job(Need.READ));
        on("GET", ev + "/{job_id}/results", job(Need.READ));
        on("POST", ev + "/{job_id}/cancel", job(Need.UPDATE));
        on("GET", "/mlflow/gateway/supported-providers", authenticated());
    }

    /**
     * Resources without per-resource grants yet (datasets, gateway configuration, webhooks): admins only, written
     * out so the decision is explicit. Per-resource permissions for them are on the roadmap.
     */
    private void adminOnly() {
        String d = "/mlflow/datasets";
        String one = d + "/{dataset_id}";
        String g = "/mlflow/gateway/";
        String w = "/mlflow/webhooks";
        List<String> routes = new ArrayList<>(List.of("POST " + d + "/create", "GET " + d + "/search",
                "POST " + d + "/search", "GET " + one, "DELETE " + one, "PATCH " + one + "/tags",
                "DELETE " + one + "/tags/{key}", "POST " + one + "/records", "GET " + one + "/records",
                "DELETE " + one + "/records", "GET " + one + "/experiment-ids", "POST " + one + "/add-experiments",
                "POST " + one + "/remove-experiments",
                "GET " + g + "secrets/config", "GET " + g + "budgets/windows", "GET " + g + "usage",
                "POST " + g + "endpoints/bindings/create", "DELETE " + g + "endpoints/bindings/delete",
                "GET " + g + "endpoints/bindings/list", "POST " + g + "endpoints/models/attach",
                "POST " + g + "endpoints/models/detach", "POST " + g + "endpoints/set-tag",
                "DELETE " + g + "endpoints/delete-tag",
                "GET " + w, "POST " + w, "GET " + w + "/{webhook_id}", "PATCH " + w + "/{webhook_id}",
                "DELETE " + w + "/{webhook_id}", "POST " + w + "/{webhook_id}/test"));
        for (String kind : List.of("secrets", "model-definitions", "endpoints", "budgets")) {
            routes.addAll(List.of("POST " + g + kind + "/create", "POST " + g + kind + "/update",
                    "DELETE " + g + kind + "/delete", "GET " + g + kind + "/get", "GET " + g + kind + "/list"));
        }
        for (String route : routes) {
            int space = route.indexOf(' ');
            on(route.substring(0, space), route.substring(space + 1), admin());
        }
    }

    /** For AuthRoutes: its own endpoints carry their checks inside. */
    void add(Endpoint e, Rule rule) {
        on(e.method(), e.path(), rule);
    }
}
