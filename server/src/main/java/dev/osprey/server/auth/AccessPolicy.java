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
import dev.osprey.store.ModelGrantId;
import dev.osprey.store.AuthStore.ResourceType;
import dev.osprey.store.AuthStore.User;
import dev.osprey.server.workspaces.ProxiedPaths;
import dev.osprey.server.workspaces.WorkspaceScope;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.TrackingStore;
import dev.osprey.store.WorkspaceStore.Kind;
import java.util.ArrayList;
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

        /** Both rules: {@code first}, then {@code second} around the call. */
        static Rule both(Rule first, Rule second) {
            return (u, r, call) -> first.decide(u, r, req -> second.decide(u, req, call));
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
    private final StorageComponent storage;
    private final TrackingStore store;
    private final BiFunction<String, String, Optional<String>> endpointIdByName;
    /** Each endpoint's requirement bound to this policy once (rules hold caches, such as run -> experiment). */
    private final Map<Endpoint, Rule> bound = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param endpointIdByName the id of a gateway endpoint from its workspace and name (routes may name either;
     *     names are unique per workspace)
     */
    public AccessPolicy(AuthService auth, StorageComponent storage,
            BiFunction<String, String, Optional<String>> endpointIdByName) {
        this(auth, WorkspaceScope.NONE, storage, endpointIdByName);
    }

    /**
     * @param auth who may do what ({@link Grants#OPEN} when auth is off)
     * @param scope the workspace every call is kept in ({@link WorkspaceScope#NONE} when workspaces are off)
     */
    public AccessPolicy(Grants auth, WorkspaceScope scope, StorageComponent storage,
            BiFunction<String, String, Optional<String>> endpointIdByName) {
        this.auth = auth;
        this.scope = scope;
        this.storage = storage;
        this.store = storage.tracking();
        this.endpointIdByName = endpointIdByName;
    }

    /** The rule of an endpoint's declared requirement; empty when it declares none. */
    public Optional<Rule> rule(Endpoint e) {
        if (!(e.requirement() instanceof Access.Declared declared)) {
            return Optional.empty();
        }
        return Optional.of(bound.computeIfAbsent(e, x -> declared.rule().apply(this)));
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

    /** The name of the user whose call is handled on this thread; empty when auth is off. */
    public static Optional<String> callerName() {
        return Optional.ofNullable(CALLER.get()).map(User::username);
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

    static Rule admin() {
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

    /** On the experiment named by a field (or path parameter); the default experiment when absent. */
    Rule experiment(Need need, String field) {
        return Rule.before((u, r) -> {
            String id = param(r, field).orElse("0");
            requireExperiment(u, r, id, need, noExperiment(id));
        });
    }

    /**
     * The id grants on a resource are stored under: a registered model's names its workspace too
     * ({@link ModelGrantId}), since names are unique only per workspace; other resources' ids are the server's.
     */
    public static String grantId(ResourceType type, String id, Optional<String> workspace) {
        return type == ResourceType.REGISTERED_MODEL
                ? ModelGrantId.of(workspace.orElse(dev.osprey.store.WorkspaceStore.DEFAULT), id) : id;
    }

    /** The ids among these the user may read in the call's workspace. */
    private List<String> readableIds(User u, ApiRequest r, ResourceType type, List<String> ids) {
        List<String> inScope = kindOf(type).map(k -> scope.keep(r.workspaceName(), k, ids)).orElse(ids);
        if (u.admin() || inScope.isEmpty()) {
            return inScope;
        }
        Map<String, Permission> allowed = auth.effective(u, type, inScope.stream()
                .map(id -> grantId(type, id, r.workspaceName())).toList(), r.workspaceName());
        return inScope.stream().filter(id -> allowed.get(grantId(type, id, r.workspaceName())).allows(Need.READ))
                .toList();
    }

    /**
     * For the permission routes: the resource a grant names must be in the call's workspace (a scorer's is its
     * experiment's), else the caller is denied — as a non-admin is on a resource that does not exist, since
     * nothing was granted there.
     */
    void requireInWorkspace(ApiRequest r, ResourceType type, String id) {
        if (type == ResourceType.REGISTERED_MODEL) {
            return; // its grant id names the call's workspace
        }
        String resource = type == ResourceType.SCORER ? id.split("/", 2)[0] : id;
        Kind kind = type == ResourceType.SCORER ? Kind.EXPERIMENT : kindOf(type).orElseThrow();
        scope.require(r.workspaceName(), kind, resource, AuthService::denied);
    }

    /** The workspace kind of a resource type (scorers are kept with their experiment). */
    private static Optional<Kind> kindOf(ResourceType type) {
        return switch (type) {
            case EXPERIMENT -> Optional.of(Kind.EXPERIMENT);
            case GATEWAY_ENDPOINT -> Optional.of(Kind.GATEWAY_ENDPOINT);
            case GATEWAY_SECRET -> Optional.of(Kind.GATEWAY_SECRET);
            case GATEWAY_MODEL_DEFINITION -> Optional.of(Kind.GATEWAY_MODEL_DEFINITION);
            case DATASET -> Optional.of(Kind.DATASET);
            case WEBHOOK -> Optional.of(Kind.WEBHOOK);
            default -> Optional.empty();
        };
    }

    /**
     * A search over several experiments: narrowed to the readable ones (a user never learns whether the others
     * exist); when none is left the answer is an empty page.
     */
    Rule readableExperiments(Function<ApiRequest, List<String>> ids,
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
    Rule run(Need need) {
        return Rule.before((u, r) -> param(r, "run_id").or(() -> param(r, "run_uuid")).ifPresent(id ->
                runExperiment(id).ifPresent(exp -> requireExperiment(u, r, exp, need, noRun(id)))));
    }

    Rule runs(Need need, String field) {
        return Rule.before((u, r) -> {
            for (String runId : r.message().strings(field)) {
                runExperiment(runId).ifPresent(exp -> requireExperiment(u, r, exp, need, noRun(runId)));
            }
        });
    }

    private Optional<String> traceExperiment(String traceId) {
        return storage.traces().getTraceInfo(traceId).map(t -> t.experimentId());
    }

    private static Supplier<OspreyException> noTrace(String id) {
        return () -> OspreyException.notFound("Trace with ID '" + id + "' not found.");
    }

    Rule trace(Need need, String field) {
        return Rule.before((u, r) -> param(r, field).ifPresent(id -> traceExperiment(id)
                .ifPresent(exp -> requireExperiment(u, r, exp, need, noTrace(id)))));
    }

    Rule traces(Need need, String field) {
        return Rule.before((u, r) -> {
            for (var t : storage.traces().getTraceInfos(r.message().strings(field))) {
                requireExperiment(u, r, t.experimentId(), need, noTrace(t.traceId()));
            }
        });
    }

    /** The name resolves in the call's workspace (the registry does the same), so no other workspace's is seen. */
    private void requireModel(User u, ApiRequest r, String name, Need need) {
        auth.require(u, ResourceType.REGISTERED_MODEL, grantId(ResourceType.REGISTERED_MODEL, name,
                r.workspaceName()), need, r.workspaceName());
    }

    Rule model(Need need) {
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
            Optional<String> exp = scope.proxiedPaths().experimentOf(source.substring("mlflow-artifacts:".length())
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
        storage.loggedModels().get(id, true).ifPresent(m -> requireExperiment(u, r, m.experimentId(), need,
                () -> OspreyException.notFound("Logged model with ID '" + id + "' not found.")));
    }

    Rule loggedModel(Need need) {
        return Rule.before((u, r) -> requireLoggedModel(u, r, r.pathParam("model_id"), need));
    }

    Rule job(Need need) {
        return Rule.before((u, r) -> {
            String id = r.pathParam("job_id");
            storage.jobs().get(id).ifPresent(j -> requireExperiment(u, r, j.experimentId(), need,
                    () -> OspreyException.notFound("Evaluation job '" + id + "' not found.")));
        });
    }

    /** On the experiment of the issue in the {@code issue_id} path parameter. */
    Rule issue(Need need) {
        return Rule.before((u, r) -> {
            String id = r.pathParam("issue_id");
            storage.issues().get(id).ifPresent(i -> requireExperiment(u, r, i.experimentId(), need,
                    () -> OspreyException.notFound("Issue with ID '" + id + "' not found")));
        });
    }

    /** Guardrails of the call's workspace: {@code need} there (MANAGE to change them, READ to see them). */
    Rule guardrails(Need need) {
        return Rule.before((u, r) -> {
            if (!auth.inWorkspace(u, r.workspaceName()).allows(need)) {
                throw AuthService.denied();
            }
        });
    }

    /** A job to be: on the experiment in its params (a job without one is refused by its function). */
    Rule jobExperiment(Need need) {
        return Rule.before((u, r) -> r.message().message("params").flatMap(p -> p.string("experiment_id"))
                .filter(id -> !id.isEmpty()).ifPresent(id -> requireExperiment(u, r, id, need, noExperiment(id))));
    }

    /**
     * A search whose answer lists resources: items the user may not read are dropped, and the page is filled up
     * again from the following pages, each asked for exactly the number still missing, so the last page token
     * resumes right after the last item looked at. The page size is what the first call returned (the handler's
     * own default when the client gave none).
     */
    Rule filtered(ResourceType type, String listField, Function<JsonNode, String> id) {
        return filtered(type, listField, id, false);
    }

    /**
     * @param keepEmptyList answer an empty list rather than none: MLflow's plain-JSON routes always carry the field
     *     and its clients read it unconditionally (protobuf-shaped answers omit empty lists)
     */
    Rule filtered(ResourceType type, String listField, Function<JsonNode, String> id, boolean keepEmptyList) {
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
            if (kept.isEmpty() && !keepEmptyList) {
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
    Rule dropsGrants(Rule rule) {
        return (u, r, call) -> {
            JsonNode answer = rule.decide(u, r, call);
            auth.grantsChanged();
            return answer;
        };
    }

    /** Authenticated; the creator then manages what it created (the id read from the answer). */
    Rule creates(ResourceType type, Function<JsonNode, String> id) {
        return (u, r, call) -> {
            requireMayCreate(u, r);
            JsonNode answer = call.apply(r);
            String created = id.apply(answer);
            if (!created.isEmpty()) {
                auth.grantCreator(u, type, grantId(type, created, r.workspaceName()));
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

    // --- rules that are not one building block (the endpoints name them through Access)

    /** GetExperimentByName: the answer names the experiment; reading it needs READ there. */
    Rule experimentByName() {
        return (u, r, call) -> {
            JsonNode answer = call.apply(r);
            requireExperiment(u, r, answer.path("experiment").path("experiment_id").asText(), Need.READ,
                    () -> OspreyException.notFound("Could not find experiment with name '"
                            + param(r, "experiment_name").orElse("") + "'"));
            return answer;
        };
    }

    /** A search naming experiments in {@code experiment_ids}: narrowed to the readable ones. */
    Rule inReadableExperiments() {
        return readableExperiments(r -> r.message().strings("experiment_ids"),
                (r, readable) -> r.withMessage(r.message().withStrings("experiment_ids", readable)));
    }

    /** SearchTraces (v3 locations or v2 experiment_ids): narrowed to the readable experiments. */
    Rule traceSearch() {
        return readableExperiments(AccessPolicy::searchTraceExperiments, AccessPolicy::narrowTraceSearch);
    }

    /** A new model version: UPDATE on the model, and READ on where its files come from. */
    Rule modelVersionCreate() {
        return Rule.before((u, r) -> {
            requireModel(u, r, param(r, "name").orElseThrow(() -> Message.missing("name")), Need.UPDATE);
            requireSourceReadable(u, r);
        });
    }

    /** StartTrace: UPDATE on the experiment the trace is logged to. */
    Rule traceStart() {
        return Rule.before((u, r) -> {
            // v3 StartTrace names the experiment in trace.trace_info.trace_location; v2 in experiment_id.
            String exp = r.message().message("trace").flatMap(x -> x.message("trace_info"))
                    .flatMap(i -> i.message("trace_location")).flatMap(l -> l.message("mlflow_experiment"))
                    .flatMap(x -> x.string("experiment_id")).or(() -> param(r, "experiment_id")).orElse("0");
            requireExperiment(u, r, exp, Need.UPDATE, noExperiment(exp));
        });
    }

    /**
     * Register is create-or-update: a new version of an existing scorer is an update of that scorer (its own grant
     * decides, else the experiment's), and only the creator of version 1 manages it. Granting MANAGE to whoever
     * registered any version let EDIT on the experiment become MANAGE on another's scorer.
     */
    Rule scorerRegister() {
        return (u, r, call) -> {
            String exp = param(r, "experiment_id").orElse("0");
            requireExperiment(u, r, exp, Need.UPDATE, noExperiment(exp));
            requireScorer(u, r, Need.UPDATE);
            JsonNode answer = call.apply(r);
            if (answer.path("version").asLong() == 1) {
                auth.grantCreator(u, ResourceType.SCORER, scorerId(r));
            }
            return answer;
        };
    }

    private static String scorerId(ApiRequest r) {
        return param(r, "experiment_id").orElse("0") + "/" + param(r, "name").orElseThrow(() -> Message.missing("name"));
    }

    /**
     * On a scorer: its own grant when it has one, else what the user may do on the scorer's experiment (scorers
     * belong to experiments; MLflow grants on both).
     */
    Rule scorer(Need need) {
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

    Rule onGateway(ResourceType type, String idField, Need need) {
        return Rule.before((u, r) -> {
            Optional<String> id = param(r, idField);
            String ws = r.workspaceName().orElse(dev.osprey.store.WorkspaceStore.DEFAULT);
            if (id.isEmpty() && type == ResourceType.GATEWAY_ENDPOINT) {
                id = param(r, "name").flatMap(name -> endpointIdByName.apply(ws, name));
            }
            if (id.isEmpty() && type == ResourceType.GATEWAY_SECRET) {
                // Read by name: the same grants as by id (they were skipped before, for any secret of the server).
                id = param(r, "secret_name").flatMap(name -> storage.gateway().byName("secret", ws, name))
                        .map(dev.osprey.store.GatewayStore.GatewayDocument::id);
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

    /**
     * On an evaluation dataset (by {@code dataset_id}): it must be in the call's workspace, then its own grant or
     * the default permission decides.
     */
    Rule onDataset(Need need) {
        return Rule.before((u, r) -> param(r, "dataset_id").ifPresent(id -> {
            scope.require(r.workspaceName(), Kind.DATASET, id, () -> OspreyException.notFound(
                    "Could not find evaluation dataset with ID " + id));
            auth.require(u, ResourceType.DATASET, id, need, r.workspaceName());
        }));
    }

    /**
     * Budgets and usage: MANAGE in the call's workspace, and a budget named by id must be the workspace's. In the
     * default workspace the budgets may count every workspace's calls (MLflow's GLOBAL), so changing them stays the
     * admins', as before workspaces.
     */
    Rule budgetsOfTheWorkspace() {
        return Rule.before((u, r) -> {
            boolean inDefault = r.workspaceName().orElse(dev.osprey.store.WorkspaceStore.DEFAULT)
                    .equals(dev.osprey.store.WorkspaceStore.DEFAULT);
            boolean writes = !r.method().equals("GET");
            if (inDefault && writes ? !u.admin() : !auth.inWorkspace(u, r.workspaceName()).allows(Need.MANAGE)) {
                throw AuthService.denied();
            }
            param(r, "budget_policy_id").ifPresent(id -> scope.require(r.workspaceName(), Kind.GATEWAY_BUDGET, id,
                    () -> OspreyException.notFound("GatewayBudgetPolicy with budget_policy_id='" + id
                            + "' not found")));
        });
    }

    /** On a webhook (by the {@code webhook_id} path parameter): in the call's workspace, then its grant decides. */
    Rule onWebhook(Need need) {
        return Rule.before((u, r) -> param(r, "webhook_id").ifPresent(id -> {
            scope.require(r.workspaceName(), Kind.WEBHOOK, id, () -> dev.osprey.store.StoreErrors.webhookNotFound(
                    id));
            auth.require(u, ResourceType.WEBHOOK, id, need, r.workspaceName());
        }));
    }

    /**
     * A webhook receives every registry event of its workspace, including those of models the creator could not
     * read: creating one needs MANAGE in the workspace (admins always have it). The creator manages the webhook.
     */
    Rule createsWebhook() {
        return (u, r, call) -> {
            if (!auth.inWorkspace(u, r.workspaceName()).allows(Need.MANAGE)) {
                throw AuthService.denied();
            }
            JsonNode answer = call.apply(r);
            String created = answer.path("webhook").path("webhook_id").asText("");
            if (!created.isEmpty()) {
                auth.grantCreator(u, ResourceType.WEBHOOK, created);
            }
            return answer;
        };
    }

    /**
     * Creating a root resource (a gateway resource, a dataset): allowed to create in the workspace, and USE on what
     * it is built on; the new resource joins the call's workspace and its creator manages it.
     */
    Rule creates(ResourceType type, String idField, String createdField) {
        BiConsumer<User, ApiRequest> builtOn = switch (type) {
            case GATEWAY_MODEL_DEFINITION -> (u, r) -> param(r, "secret_id").ifPresent(id ->
                    requireGateway(u, r, ResourceType.GATEWAY_SECRET, id, Need.USE));
            case GATEWAY_ENDPOINT -> this::useModelDefinitions;
            case DATASET -> this::readLinkedExperiments;
            default -> (u, r) -> { };
        };
        return (u, r, call) -> {
            requireMayCreate(u, r);
            builtOn.accept(u, r);
            JsonNode answer = call.apply(r);
            String created = answer.path(createdField).path(idField).asText("");
            if (!created.isEmpty()) {
                scope.assign(r.workspaceName(), kindOf(type).orElseThrow(), created);
                auth.grantCreator(u, type, created);
            }
            return answer;
        };
    }

    /** The experiments a dataset is linked to ({@code experiment_ids}) must be readable in the call's workspace. */
    private void readLinkedExperiments(User u, ApiRequest r) {
        for (String id : r.message().ids("experiment_ids")) {
            requireExperiment(u, r, id, Need.READ, noExperiment(id));
        }
    }

    /** Linking a dataset to more experiments: UPDATE on the dataset, READ on each experiment. */
    Rule datasetLinks() {
        return Rule.both(onDataset(Need.UPDATE), Rule.before(this::readLinkedExperiments));
    }

    /**
     * What an endpoint is built on: USE on its model definitions, and UPDATE on the experiment its usage traces are
     * to be written to (which must be in the call's workspace) when one is named.
     */
    private void useModelDefinitions(User u, ApiRequest r) {
        param(r, "experiment_id").filter(id -> !id.isEmpty()).ifPresent(id -> requireExperiment(u, r, id,
                Need.UPDATE, noExperiment(id)));
        for (Message config : r.message().messages("model_configs")) {
            config.string("model_definition_id").ifPresent(id -> requireGateway(u, r,
                    ResourceType.GATEWAY_MODEL_DEFINITION, id, Need.USE));
        }
        param(r, "model_definition_id").ifPresent(id -> requireGateway(u, r, ResourceType.GATEWAY_MODEL_DEFINITION,
                id, Need.USE));
    }

    /** Updating a model definition: UPDATE on it, USE on a secret it switches to. */
    Rule modelDefinitionUpdate() {
        return (u, r, call) -> {
            requireGateway(u, r, ResourceType.GATEWAY_MODEL_DEFINITION, param(r, "model_definition_id").orElseThrow(
                    () -> Message.missing("model_definition_id")), Need.UPDATE);
            param(r, "secret_id").ifPresent(id -> requireGateway(u, r, ResourceType.GATEWAY_SECRET, id, Need.USE));
            return call.apply(r);
        };
    }

    /** Updating an endpoint with model definitions (update, attach): UPDATE on it, USE on each definition. */
    Rule endpointUpdateUsingModels() {
        Rule updateEndpoint = onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id", Need.UPDATE);
        return (u, r, call) -> {
            useModelDefinitions(u, r);
            return updateEndpoint.decide(u, r, call);
        };
    }

    /**
     * Whether the user may invoke the workspace's gateway endpoint of that name (USE); an unknown name is left to
     * the gateway's 404.
     */
    public boolean mayInvoke(User u, Optional<String> workspace, String endpointName) {
        return endpointIdByName.apply(workspace.orElse(dev.osprey.store.WorkspaceStore.DEFAULT), endpointName)
                .map(id -> auth.effective(u, ResourceType.GATEWAY_ENDPOINT, List.of(id), workspace).get(id)
                        .allows(Need.USE)).orElse(true);
    }

    /**
     * Resources without per-resource grants (webhooks, gateway budgets and usage, which span users):
     * admins only, in the default workspace.
     */
    Rule adminInDefaultWorkspace() {
        return Rule.before((u, r) -> {
            scope.requireDefault(r.workspaceName(), () -> OspreyException.notFound("Not available in workspace '"
                    + r.workspaceName().orElse("") + "': webhooks and gateway budgets and usage are kept in the '"
                    + dev.osprey.store.WorkspaceStore.DEFAULT + "' workspace."));
            AuthService.requireAdmin(u);
        });
    }
}
