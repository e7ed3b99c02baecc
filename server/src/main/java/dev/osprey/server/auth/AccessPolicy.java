package dev.osprey.server.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.OspreyException;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import dev.osprey.server.api.ApiRequest;
import dev.osprey.server.api.Endpoint;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import dev.osprey.server.workspaces.ProxiedPaths;
import dev.osprey.server.workspaces.WorkspaceScope;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The authorization decision of every API endpoint, written out one by one (spec/genai.md §7): which resource a call
 * touches, found from its parameters (experiment, run, trace, registered model, logged model, job), and what it needs
 * there. An endpoint missing from this table is refused to everyone but admins, and a test fails on it.
 */
public final class AccessPolicy {
    /**
     * The decision of one endpoint: refuse (throw), run the call (perhaps with a narrowed request, perhaps more than
     * once to fill a filtered page) and return its answer, perhaps filtered.
     */
    @FunctionalInterface
    public interface Rule {
        JsonNode decide(User user, ApiRequest request, Function<ApiRequest, JsonNode> call);

        /** Any authenticated user; the call runs unchanged. */
        static Rule authenticated() {
            return (u, r, call) -> call.apply(r);
        }

        /** A check made before the call, which then runs unchanged. */
        static Rule before(BiConsumer<User, ApiRequest> check) {
            return (u, r, call) -> {
                check.accept(u, r);
                return call.apply(r);
            };
        }
    }

    private final Grants auth;
    private final WorkspaceScope scope;
    private final TrackingStore store;
    private final Function<String, Optional<String>> endpointIdByName;
    private final Map<String, Rule> rules = new HashMap<>();

    /** @param endpointIdByName the id of a gateway endpoint from its name (routes may name either) */
    public AccessPolicy(AuthService auth, TrackingStore store, Function<String, Optional<String>> endpointIdByName) {
        this(auth, WorkspaceScope.NONE, store, endpointIdByName);
    }

    /**
     * @param auth who may do what ({@link Grants#OPEN} when auth is off)
     * @param scope the workspace every call is kept in ({@link WorkspaceScope#NONE} when workspaces are off)
     */
    public AccessPolicy(Grants auth, WorkspaceScope scope, TrackingStore store,
            Function<String, Optional<String>> endpointIdByName) {
        this.auth = auth;
        this.scope = scope;
        this.store = store;
        this.endpointIdByName = endpointIdByName;
        tracking();
        registry();
        traces();
        genai();
        gateway();
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

    /** Runs the endpoint's rule around the call. */
    public JsonNode invoke(Endpoint e, ApiRequest request, User user) {
        Rule rule = rule(e).orElse(admin()); // no decision written down: closed to all but admins
        CALLER.set(user);
        try {
            return rule.decide(user, request, e.handler()::handle);
        } finally {
            CALLER.remove();
        }
    }

    // --- building blocks

    private static Rule admin() {
        return Rule.before((u, r) -> AuthService.requireAdmin(u));
    }

    private static Optional<String> param(ApiRequest r, String name) {
        if (r.pathParams().containsKey(name)) {
            return Optional.of(r.pathParams().get(name));
        }
        return r.message().string(name).filter(s -> !s.isEmpty());
    }

    /**
     * On an experiment: it must be in the call's workspace (else {@code notFound}, the handler's answer for what the
     * call named), then the user needs the permission.
     */
    private void requireExperiment(User u, ApiRequest r, String experimentId, Need need,
            Supplier<OspreyException> notFound) {
        scope.require(r.workspaceName(), Kind.EXPERIMENT, experimentId, notFound);
        auth.require(u, ResourceType.EXPERIMENT, experimentId, need, r.workspaceName());
    }

    /** MLflow's answer for an experiment that does not exist (also for one in another workspace). */
    public static Supplier<OspreyException> noExperiment(String id) {
        return () -> OspreyException.notFound("No Experiment with id=" + id + " exists");
    }

    /** MLflow's answer for a registered model that does not exist (also for one in another workspace). */
    public static Supplier<OspreyException> noModel(String name) {
        return () -> OspreyException.notFound("Registered Model with name=" + name + " not found");
    }

    /** On the experiment named by a field (or path parameter); the default experiment when absent. */
    private Rule experiment(Need need, String field) {
        return Rule.before((u, r) -> {
            String id = param(r, field).orElse("0");
            requireExperiment(u, r, id, need, noExperiment(id));
        });
    }

    /** The ids among these the user may read in the call's workspace. */
    private List<String> readableIds(User u, ApiRequest r, ResourceType type, List<String> ids) {
        List<String> inScope = kindOf(type).map(k -> scope.keep(r.workspaceName(), k, ids)).orElse(ids);
        if (u.admin() || inScope.isEmpty()) {
            return inScope;
        }
        Map<String, Permission> allowed = auth.effective(u, type, inScope, r.workspaceName());
        return inScope.stream().filter(id -> allowed.get(id).allows(Need.READ)).toList();
    }

    /**
     * For the permission routes: the resource a grant names must be in the call's workspace (a scorer's is its
     * experiment's), else the caller is denied — as a non-admin is on a resource that does not exist, since
     * nothing was granted there.
     */
    void requireInWorkspace(ApiRequest r, ResourceType type, String id) {
        String resource = type == ResourceType.SCORER ? id.split("/", 2)[0] : id;
        Kind kind = type == ResourceType.SCORER ? Kind.EXPERIMENT : kindOf(type).orElseThrow();
        scope.require(r.workspaceName(), kind, resource, AuthService::denied);
    }

    /** The workspace kind of a resource type (scorers are kept with their experiment). */
    private static Optional<Kind> kindOf(ResourceType type) {
        return switch (type) {
            case EXPERIMENT -> Optional.of(Kind.EXPERIMENT);
            case REGISTERED_MODEL -> Optional.of(Kind.REGISTERED_MODEL);
            case GATEWAY_ENDPOINT -> Optional.of(Kind.GATEWAY_ENDPOINT);
            case GATEWAY_SECRET -> Optional.of(Kind.GATEWAY_SECRET);
            case GATEWAY_MODEL_DEFINITION -> Optional.of(Kind.GATEWAY_MODEL_DEFINITION);
            default -> Optional.empty();
        };
    }

    /**
     * A search over several experiments: narrowed to the readable ones (a user never learns whether the others
     * exist); when none is left the answer is an empty page.
     */
    private Rule readableExperiments(Function<ApiRequest, List<String>> ids,
            BiFunction<ApiRequest, List<String>, ApiRequest> narrow) {
        return (u, r, call) -> {
            List<String> asked = ids.apply(r);
            if (asked.isEmpty()) {
                return call.apply(r);
            }
            List<String> readable = readableIds(u, r, ResourceType.EXPERIMENT, asked);
            if (readable.isEmpty()) {
                return Json.object();
            }
            return call.apply(readable.size() == asked.size() ? r : narrow.apply(r, readable));
        };
    }

    /** Run id -> experiment id. A run never moves to another experiment, so this never goes stale. */
    private final Map<String, String> runExperiments = new java.util.concurrent.ConcurrentHashMap<>();

    private Optional<String> runExperiment(String runId) {
        String known = runExperiments.get(runId);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> found = store.getRun(runId).map(run -> run.info().experimentId());
        found.ifPresent(exp -> {
            if (runExperiments.size() > 100_000) {
                runExperiments.clear();
            }
            runExperiments.put(runId, exp);
        });
        return found;
    }

    private static Supplier<OspreyException> noRun(String id) {
        return () -> OspreyException.notFound("Run with id=" + id + " not found");
    }

    /** On the experiment of the run in run_id (or run_uuid); an unknown run is left to the handler's 404. */
    private Rule run(Need need) {
        return Rule.before((u, r) -> param(r, "run_id").or(() -> param(r, "run_uuid")).ifPresent(id ->
                runExperiment(id).ifPresent(exp -> requireExperiment(u, r, exp, need, noRun(id)))));
    }

    private Rule runs(Need need, String field) {
        return Rule.before((u, r) -> {
            for (String runId : r.message().strings(field)) {
                runExperiment(runId).ifPresent(exp -> requireExperiment(u, r, exp, need, noRun(runId)));
            }
        });
    }

    private Optional<String> traceExperiment(String traceId) {
        return store.traces().getTraceInfo(traceId).map(t -> t.experimentId());
    }

    private static Supplier<OspreyException> noTrace(String id) {
        return () -> OspreyException.notFound("Trace with ID '" + id + "' not found.");
    }

    private Rule trace(Need need, String field) {
        return Rule.before((u, r) -> param(r, field).ifPresent(id -> traceExperiment(id)
                .ifPresent(exp -> requireExperiment(u, r, exp, need, noTrace(id)))));
    }

    private Rule traces(Need need, String field) {
        return Rule.before((u, r) -> {
            for (var t : store.traces().getTraceInfos(r.message().strings(field))) {
                requireExperiment(u, r, t.experimentId(), need, noTrace(t.traceId()));
            }
        });
    }

    private void requireModel(User u, ApiRequest r, String name, Need need) {
        scope.require(r.workspaceName(), Kind.REGISTERED_MODEL, name, noModel(name));
        auth.require(u, ResourceType.REGISTERED_MODEL, name, need, r.workspaceName());
    }

    private Rule model(Need need) {
        return Rule.before((u, r) -> requireModel(u, r, param(r, "name").orElseThrow(() -> Message.missing("name")),
                need));
    }

    /**
     * A model version serves its source's files to whoever may read the model, so registering one needs READ on
     * where the files come from (its run, logged model, registered model or experiment folder), in the call's
     * workspace. A source that names none of those (an object store or local path outside the run's folder) is
     * the admin's, except the placeholder names prompt versions carry.
     */
    private void requireSourceReadable(User u, ApiRequest r) {
        Optional<String> runId = param(r, "run_id");
        Optional<String> runFolder = runId.flatMap(id -> store.getRun(id).map(run -> {
            requireExperiment(u, r, run.info().experimentId(), Need.READ, noRun(id));
            return run.info().artifactUri();
        }));
        param(r, "model_id").ifPresent(id -> requireLoggedModel(u, r, id, Need.READ));
        String source = param(r, "source").orElse("");
        String lower = source.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("runs:/")) {
            String id = source.substring("runs:/".length()).replaceFirst("^/+", "").split("/", 2)[0];
            runExperiment(id).ifPresent(exp -> requireExperiment(u, r, exp, Need.READ, noRun(id)));
        } else if (lower.startsWith("models:/")) {
            String ref = source.substring("models:/".length()).replaceFirst("^/+", "").split("/", 2)[0];
            if (ref.startsWith("m-")) {
                requireLoggedModel(u, r, ref, Need.READ);
            } else {
                requireModel(u, r, ref.split("@", 2)[0], Need.READ);
            }
        } else if (lower.startsWith("mlflow-artifacts:")) {
            Optional<String> exp = ProxiedPaths.experimentOf(source.substring("mlflow-artifacts:".length())
                    .replaceFirst("^//[^/]*", "").replaceFirst("^/+", ""));
            if (exp.isPresent()) {
                requireExperiment(u, r, exp.get(), Need.READ, noExperiment(exp.get()));
            } else {
                AuthService.requireAdmin(u);
            }
        } else if (runFolder.filter(folder -> !folder.isEmpty() && inside(source, folder)).isEmpty()) {
            boolean promptPlaceholder = r.message().messages("tags").stream().anyMatch(t -> t.string("key")
                    .filter(dev.osprey.core.RegisteredModel.PROMPT_TAG::equals).isPresent())
                    && !source.contains(":") && !source.startsWith("/") && !source.startsWith("\\");
            if (!promptPlaceholder) {
                AuthService.requireAdmin(u);
            }
        }
    }

    /** Whether a source lies in a folder, {@code file:} spellings aside (traversal is refused by the handler). */
    private static boolean inside(String source, String folder) {
        String s = source.replaceFirst("^file:(//)?", "");
        String f = folder.replaceFirst("^file:(//)?", "").replaceFirst("/+$", "");
        return s.equals(f) || s.startsWith(f + "/");
    }

    private void requireLoggedModel(User u, ApiRequest r, String id, Need need) {
        store.loggedModels().get(id, true).ifPresent(m -> requireExperiment(u, r, m.experimentId(), need,
                () -> OspreyException.notFound("Logged model with ID '" + id + "' not found.")));
    }

    private Rule loggedModel(Need need) {
        return Rule.before((u, r) -> requireLoggedModel(u, r, r.pathParam("model_id"), need));
    }

    private Rule job(Need need) {
        return Rule.before((u, r) -> {
            String id = r.pathParam("job_id");
            store.jobs().get(id).ifPresent(j -> requireExperiment(u, r, j.experimentId(), need,
                    () -> OspreyException.notFound("Evaluation job '" + id + "' not found.")));
        });
    }

    /**
     * A search whose answer lists resources: items the user may not read are dropped, and the page is filled up
     * again from the following pages, each asked for exactly the number still missing, so the last page token
     * resumes right after the last item looked at. The page size is what the first call returned (the handler's
     * own default when the client gave none).
     */
    private Rule filtered(ResourceType type, String listField, Function<JsonNode, String> id) {
        return (u, r, call) -> {
            JsonNode answer = call.apply(r);
            if (!(answer instanceof ObjectNode page)) {
                return answer;
            }
            int pageSize = answer.path(listField).size();
            List<JsonNode> kept = readable(u, r, type, answer.path(listField), id);
            String token = answer.path("next_page_token").asText("");
            while (kept.size() < pageSize && !token.isEmpty()) {
                JsonNode next = call.apply(r.withMessage(r.message().with("page_token", token)
                        .with("max_results", Integer.toString(pageSize - kept.size()))));
                kept.addAll(readable(u, r, type, next.path(listField), id));
                token = next.path("next_page_token").asText("");
            }
            ArrayNode items = page.putArray(listField);
            kept.forEach(items::add);
            if (kept.isEmpty()) {
                page.remove(listField);
            }
            if (token.isEmpty()) {
                page.remove("next_page_token");
            } else {
                page.put("next_page_token", token);
            }
            return page;
        };
    }

    private List<JsonNode> readable(User u, ApiRequest r, ResourceType type, JsonNode items,
            Function<JsonNode, String> id) {
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(id.apply(item)));
        java.util.Set<String> allowed = new java.util.HashSet<>(readableIds(u, r, type, ids));
        List<JsonNode> kept = new ArrayList<>();
        items.forEach(item -> {
            if (allowed.contains(id.apply(item))) {
                kept.add(item);
            }
        });
        return kept;
    }

    /**
     * Creating in a workspace other than the default one needs EDIT there (in the default workspace any
     * authenticated user creates, as in MLflow).
     */
    private void requireMayCreate(User u, ApiRequest r) {
        if (r.workspaceName().filter(w -> !w.equals(dev.osprey.store.WorkspaceStore.DEFAULT)).isPresent()
                && !auth.inWorkspace(u, r.workspaceName()).allows(Need.UPDATE)) {
            throw AuthService.denied();
        }
    }

    /**
     * A route that deletes or renames a resource with grants: the store dropped or moved its grants, so the cached
     * ones are dropped too — else a name taken again within the cache's lifetime would still carry them.
     */
    public Rule dropsGrants(Rule rule) {
        return (u, r, call) -> {
            JsonNode answer = rule.decide(u, r, call);
            auth.grantsChanged();
            return answer;
        };
    }

    /** Authenticated; the creator then manages what it created (the id read from the answer). */
    private Rule creates(ResourceType type, Function<JsonNode, String> id) {
        return (u, r, call) -> {
            requireMayCreate(u, r);
            JsonNode answer = call.apply(r);
            String created = id.apply(answer);
            if (!created.isEmpty()) {
                auth.grantCreator(u, type, created);
            }
            return answer;
        };
    }

    private static List<String> searchTraceExperiments(ApiRequest r) {
        Message m = r.message();
        List<String> ids = new ArrayList<>(m.strings("experiment_ids"));
        for (Message location : m.messages("locations")) {
            location.message("mlflow_experiment").flatMap(e -> e.string("experiment_id")).ifPresent(ids::add);
        }
        return ids;
    }

    /** SearchTraces names experiments in experiment_ids (v2) or locations (v3): narrowed to the readable ones. */
    private static ApiRequest narrowTraceSearch(ApiRequest r, List<String> readable) {
        ObjectNode body = r.message().json();
        body.remove(List.of("experiment_ids", "experimentIds", "locations"));
        ArrayNode locations = body.putArray("locations");
        for (String id : readable) {
            locations.addObject().put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                    .put("experiment_id", id);
        }
        return r.withMessage(Message.ofJson(body));
    }

    // --- the table

    private void tracking() {
        String e = "/mlflow/experiments/";
        on("POST", e + "create", creates(ResourceType.EXPERIMENT, a -> a.path("experiment_id").asText()));
        on("GET", e + "get", experiment(Need.READ, "experiment_id"));
        on("GET", e + "get-by-name", (u, r, call) -> {
            JsonNode answer = call.apply(r);
            requireExperiment(u, r, answer.path("experiment").path("experiment_id").asText(), Need.READ,
                    () -> OspreyException.notFound("Could not find experiment with name '"
                            + param(r, "experiment_name").orElse("") + "'"));
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
        on("POST", run + "search", readableExperiments(r -> r.message().strings("experiment_ids"),
                (r, readable) -> r.withMessage(r.message().withStrings("experiment_ids", readable))));
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
        on("POST", lm + "/search", readableExperiments(r -> r.message().strings("experiment_ids"),
                (r, readable) -> r.withMessage(r.message().withStrings("experiment_ids", readable))));
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
        on("POST", rm + "rename", dropsGrants(model(Need.UPDATE)));
        on("POST", rm + "set-tag", model(Need.UPDATE));
        on("DELETE", rm + "delete-tag", model(Need.UPDATE));
        on("POST", rm + "alias", model(Need.UPDATE));
        on("DELETE", rm + "alias", model(Need.UPDATE));
        on("DELETE", rm + "delete", dropsGrants(model(Need.DELETE)));
        String mv = "/mlflow/model-versions/";
        on("POST", mv + "create", Rule.before((u, r) -> {
            requireModel(u, r, param(r, "name").orElseThrow(() -> Message.missing("name")), Need.UPDATE);
            requireSourceReadable(u, r);
        }));
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
        on("POST", t, Rule.before((u, r) -> {
            // v3 StartTrace names the experiment in trace.trace_info.trace_location; v2 in experiment_id.
            String exp = r.message().message("trace").flatMap(x -> x.message("trace_info"))
                    .flatMap(i -> i.message("trace_location")).flatMap(l -> l.message("mlflow_experiment"))
                    .flatMap(x -> x.string("experiment_id")).or(() -> param(r, "experiment_id")).orElse("0");
            requireExperiment(u, r, exp, Need.UPDATE, noExperiment(exp));
        }));
        on("GET", t, readableExperiments(r -> r.message().strings("experiment_ids"),
                (r, readable) -> r.withMessage(r.message().withStrings("experiment_ids", readable))));
        on("POST", t + "/search", readableExperiments(AccessPolicy::searchTraceExperiments,
                AccessPolicy::narrowTraceSearch));
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
        on("GET", s + "get", scorer(Need.READ));
        on("GET", s + "versions", scorer(Need.READ));
        on("POST", s + "register", (u, r, call) -> {
            // Register is create-or-update: a new version of an existing scorer is an update of that scorer (its own
            // grant decides, else the experiment's), and only the creator of version 1 manages it. Granting MANAGE to
            // whoever registered any version let EDIT on the experiment become MANAGE on another's scorer.
            String exp = param(r, "experiment_id").orElse("0");
            requireExperiment(u, r, exp, Need.UPDATE, noExperiment(exp));
            requireScorer(u, r, Need.UPDATE);
            JsonNode answer = call.apply(r);
            if (answer.path("version").asLong() == 1) {
                auth.grantCreator(u, ResourceType.SCORER, scorerId(r));
            }
            return answer;
        });
        on("DELETE", s + "delete", dropsGrants(scorer(Need.DELETE)));
        on("PUT", s + "online-config", scorer(Need.UPDATE));
        on("GET", s + "online-configs", experiment(Need.READ, "experiment_id"));
        String ev = "/osprey/evaluations";
        on("POST", ev, experiment(Need.UPDATE, "experiment_id"));
        on("GET", ev, experiment(Need.READ, "experiment_id"));
        on("GET", ev + "/{job_id}", job(Need.READ));
        on("GET", ev + "/{job_id}/results", job(Need.READ));
        on("POST", ev + "/{job_id}/cancel", job(Need.UPDATE));
        on("GET", "/mlflow/gateway/supported-providers", Rule.authenticated());
    }

    private static String scorerId(ApiRequest r) {
        return param(r, "experiment_id").orElse("0") + "/" + param(r, "name").orElseThrow(() -> Message.missing("name"));
    }

    /**
     * On a scorer: its own grant when it has one, else what the user may do on the scorer's experiment (scorers
     * belong to experiments; MLflow grants on both).
     */
    private Rule scorer(Need need) {
        return Rule.before((u, r) -> requireScorer(u, r, need));
    }

    private void requireScorer(User u, ApiRequest r, Need need) {
        String id = scorerId(r);
        String exp = param(r, "experiment_id").orElse("0");
        scope.require(r.workspaceName(), Kind.EXPERIMENT, exp, noExperiment(exp));
        Optional<String> grant = u.admin() ? Optional.empty()
                : Optional.ofNullable(auth.explicitGrants(u, ResourceType.SCORER, List.of(id)).get(id));
        if (grant.isPresent()) {
            if (!Permission.parse(grant.get()).allows(need)) {
                throw AuthService.denied();
            }
        } else {
            auth.require(u, ResourceType.EXPERIMENT, exp, need, r.workspaceName());
        }
    }

    // --- gateway: endpoints are USEd (invoked), secrets and model definitions are USEd by what is built on them

    private Rule onGateway(ResourceType type, String idField, Need need) {
        return Rule.before((u, r) -> {
            Optional<String> id = param(r, idField);
            if (id.isEmpty() && type == ResourceType.GATEWAY_ENDPOINT) {
                id = param(r, "name").flatMap(endpointIdByName);
            }
            // No id: the handler answers the missing parameter (or not found) the same for everyone.
            id.ifPresent(x -> requireGateway(u, r, type, x, need));
        });
    }

    private void requireGateway(User u, ApiRequest r, ResourceType type, String id, Need need) {
        scope.require(r.workspaceName(), kindOf(type).orElseThrow(), id, () -> OspreyException.notFound("No "
                + type.name().substring("GATEWAY_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + " with id " + id + "."));
        auth.require(u, type, id, need, r.workspaceName());
    }

    private void gatewayResource(String base, ResourceType type, String idField, String listField,
            String createdField, BiConsumer<User, ApiRequest> createNeeds) {
        on("POST", base + "create", (u, r, call) -> {
            requireMayCreate(u, r);
            createNeeds.accept(u, r);
            JsonNode answer = call.apply(r);
            String created = answer.path(createdField).path(idField).asText("");
            if (!created.isEmpty()) {
                scope.assign(r.workspaceName(), kindOf(type).orElseThrow(), created);
                auth.grantCreator(u, type, created);
            }
            return answer;
        });
        on("GET", base + "get", onGateway(type, idField, Need.READ));
        on("DELETE", base + "delete", dropsGrants(onGateway(type, idField, Need.DELETE)));
        on("GET", base + "list", filtered(type, listField, x -> x.path(idField).asText()));
    }

    private void useModelDefinitions(User u, ApiRequest r) {
        for (Message config : r.message().messages("model_configs")) {
            config.string("model_definition_id").ifPresent(id -> requireGateway(u, r,
                    ResourceType.GATEWAY_MODEL_DEFINITION, id, Need.USE));
        }
        param(r, "model_definition_id").ifPresent(id -> requireGateway(u, r, ResourceType.GATEWAY_MODEL_DEFINITION,
                id, Need.USE));
    }

    private void gateway() {
        String g = "/mlflow/gateway/";
        gatewayResource(g + "secrets/", ResourceType.GATEWAY_SECRET, "secret_id", "secrets", "secret",
                (u, r) -> { });
        on("POST", g + "secrets/update", onGateway(ResourceType.GATEWAY_SECRET, "secret_id", Need.UPDATE));
        gatewayResource(g + "model-definitions/", ResourceType.GATEWAY_MODEL_DEFINITION, "model_definition_id",
                "model_definitions", "model_definition", (u, r) -> param(r, "secret_id").ifPresent(id ->
                        requireGateway(u, r, ResourceType.GATEWAY_SECRET, id, Need.USE)));
        on("POST", g + "model-definitions/update", (u, r, call) -> {
            requireGateway(u, r, ResourceType.GATEWAY_MODEL_DEFINITION, param(r, "model_definition_id").orElseThrow(
                    () -> Message.missing("model_definition_id")), Need.UPDATE);
            param(r, "secret_id").ifPresent(id -> requireGateway(u, r, ResourceType.GATEWAY_SECRET, id, Need.USE));
            return call.apply(r);
        });
        gatewayResource(g + "endpoints/", ResourceType.GATEWAY_ENDPOINT, "endpoint_id", "endpoints", "endpoint",
                this::useModelDefinitions);
        Rule updateEndpoint = onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", Need.UPDATE);
        on("POST", g + "endpoints/update", (u, r, call) -> {
            useModelDefinitions(u, r);
            return updateEndpoint.decide(u, r, call);
        });
        on("POST", g + "endpoints/models/attach", (u, r, call) -> {
            useModelDefinitions(u, r);
            return updateEndpoint.decide(u, r, call);
        });
        for (String route : List.of("POST endpoints/models/detach", "POST endpoints/bindings/create",
                "DELETE endpoints/bindings/delete", "POST endpoints/set-tag", "DELETE endpoints/delete-tag")) {
            on(route.substring(0, route.indexOf(' ')), g + route.substring(route.indexOf(' ') + 1), updateEndpoint);
        }
        on("GET", g + "endpoints/bindings/list", onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", Need.READ));
    }

    /** Whether the endpoint is in the workspace (an unknown name is left to the gateway's 404). */
    public boolean inWorkspace(Optional<String> workspace, String endpointName) {
        return endpointIdByName.apply(endpointName).map(id -> !scope.keep(workspace, Kind.GATEWAY_ENDPOINT,
                List.of(id)).isEmpty()).orElse(true);
    }

    /** Whether the user may invoke the gateway endpoint (USE); an unknown name is left to the gateway's 404. */
    public boolean mayInvoke(User u, Optional<String> workspace, String endpointName) {
        return endpointIdByName.apply(endpointName).map(id -> auth.effective(u, ResourceType.GATEWAY_ENDPOINT,
                List.of(id), workspace).get(id).allows(Need.USE)).orElse(true);
    }

    /**
     * Resources without per-resource grants (datasets, webhooks, gateway budgets and usage, which span users):
     * admins only, written out so the decision is explicit.
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
                "GET " + w, "POST " + w, "GET " + w + "/{webhook_id}", "PATCH " + w + "/{webhook_id}",
                "DELETE " + w + "/{webhook_id}", "POST " + w + "/{webhook_id}/test"));
        routes.addAll(List.of("POST " + g + "budgets/create", "POST " + g + "budgets/update",
                "DELETE " + g + "budgets/delete", "GET " + g + "budgets/get", "GET " + g + "budgets/list"));
        Rule adminInDefault = Rule.before((u, r) -> {
            scope.requireDefault(r.workspaceName(), () -> OspreyException.notFound("Not available in workspace '"
                    + r.workspaceName().orElse("") + "': datasets, webhooks and gateway budgets and usage are kept "
                    + "in the '" + dev.osprey.store.WorkspaceStore.DEFAULT + "' workspace."));
            AuthService.requireAdmin(u);
        });
        for (String route : routes) {
            int space = route.indexOf(' ');
            on(route.substring(0, space), route.substring(space + 1), adminInDefault);
        }
    }

    /** For AuthRoutes: its own endpoints carry their checks inside. */
    public void add(Endpoint e, Rule rule) {
        on(e.method(), e.path(), rule);
    }
}
