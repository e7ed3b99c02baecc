package dev.osprey.server.auth;

import dev.osprey.server.api.Requirement;
import dev.osprey.server.auth.Permission.Need;
import dev.osprey.store.AuthStore.ResourceType;
import io.helidon.webserver.http.RoutingRequest;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The requirements endpoints declare next to their handlers ({@code post(path, runs::logBatch)
 * .requires(onRun(UPDATE))}). Each is one of {@link AccessPolicy}'s rules, bound to the running policy when the
 * first call arrives; the resource is found from the call's parameters as the rule says.
 */
public final class Access {
    private Access() {}

    /** A requirement decided by one of the policy's rules. */
    record Declared(String description, Function<AccessPolicy, AccessPolicy.Rule> rule) implements Requirement {}

    /** No login at all: probes and the login pages. */
    record Open(String description) implements Requirement {}

    /** A raw route: a login, and what the request touches, found from its path, query or headers. */
    record Touching(String description, Function<RoutingRequest, Optional<RouteResources.Touch>> touch)
            implements Requirement {}

    /** Served without a login. */
    public static Requirement open(String description) {
        return new Open(description);
    }

    /** A raw route that needs a login and touches no particular resource (pages; the handler checks the rest). */
    public static Requirement login(String description) {
        return new Touching(description, r -> Optional.empty());
    }

    private static String on(Need need, String what) {
        return need.name() + " on " + what;
    }

    /** Any authenticated caller. */
    public static Requirement authenticated() {
        return new Declared("authenticated", p -> AccessPolicy.Rule.authenticated());
    }

    /** Admins only. */
    public static Requirement admin() {
        return new Declared("admin", p -> AccessPolicy.admin());
    }

    /** Admins only, and only in the default workspace (resources without grants of their own). */
    public static Requirement adminInDefaultWorkspace() {
        return new Declared("admin, default workspace", AccessPolicy::adminInDefaultWorkspace);
    }

    /** A rule the endpoint's own package wrote (the auth and workspace routes check inside). */
    public static Requirement rule(String description, AccessPolicy.Rule rule) {
        return new Declared(description, p -> rule);
    }

    /** On the experiment in {@code experiment_id} (the default experiment when absent). */
    public static Requirement onExperiment(Need need) {
        return onExperiment(need, "experiment_id");
    }

    /** On the experiment named by a field or path parameter. */
    public static Requirement onExperiment(Need need, String field) {
        return new Declared(on(need, "the experiment in " + field), p -> p.experiment(need, field));
    }

    /** GetExperimentByName: READ on the experiment the answer names. */
    public static Requirement experimentByName() {
        return new Declared("READ on the experiment named", AccessPolicy::experimentByName);
    }

    /** Authenticated; the creator manages the experiment created. */
    public static Requirement createsExperiment() {
        return new Declared("may create; creator manages", p -> p.creates(ResourceType.EXPERIMENT,
                a -> a.path("experiment_id").asText()));
    }

    /** Authenticated; the creator manages the registered model created. */
    public static Requirement createsModel() {
        return new Declared("may create; creator manages", p -> p.creates(ResourceType.REGISTERED_MODEL,
                a -> a.path("registered_model").path("name").asText()));
    }

    /** A search naming experiments in {@code experiment_ids}: narrowed to the readable ones. */
    public static Requirement inReadableExperiments() {
        return new Declared("narrowed to readable experiments", AccessPolicy::inReadableExperiments);
    }

    /** A search whose answer lists resources: the unreadable ones are dropped and the page filled again. */
    public static Requirement listsReadable(ResourceType type, String listField, String idField) {
        return new Declared("lists readable " + type.name().toLowerCase(Locale.ROOT), p -> p.filtered(type,
                listField, item -> item.path(idField).asText()));
    }

    /**
     * A plain-JSON answer listing resources of experiments (by {@code experiment_id} in each item): the unreadable
     * ones are dropped, the list stays even when empty.
     */
    public static Requirement listsInReadableExperiments(String listField) {
        return new Declared("lists items of readable experiments", p -> p.filtered(ResourceType.EXPERIMENT,
                listField, item -> item.path("experiment_id").asText(), true));
    }

    /** On the experiment of the run in {@code run_id} (or {@code run_uuid}). */
    public static Requirement onRun(Need need) {
        return new Declared(on(need, "the run"), p -> p.run(need));
    }

    /** On the experiments of every run listed in a field. */
    public static Requirement onRuns(Need need, String field) {
        return new Declared(on(need, "the runs in " + field), p -> p.runs(need, field));
    }

    /** On the experiment of the logged model in the {@code model_id} path parameter. */
    public static Requirement onLoggedModel(Need need) {
        return new Declared(on(need, "the logged model"), p -> p.loggedModel(need));
    }

    /** On the registered model in {@code name}. */
    public static Requirement onModel(Need need) {
        return new Declared(on(need, "the registered model"), p -> p.model(need));
    }

    /** UPDATE on the registered model, READ on where the version's files come from. */
    public static Requirement modelVersionCreate() {
        return new Declared("UPDATE on the model, READ on the source", AccessPolicy::modelVersionCreate);
    }

    /** On the experiment of the trace in a field or path parameter. */
    public static Requirement onTrace(Need need, String field) {
        return new Declared(on(need, "the trace in " + field), p -> p.trace(need, field));
    }

    /** On the experiments of every trace listed in a field. */
    public static Requirement onTraces(Need need, String field) {
        return new Declared(on(need, "the traces in " + field), p -> p.traces(need, field));
    }

    /** StartTrace: UPDATE on the experiment the trace goes to. */
    public static Requirement traceStart() {
        return new Declared("UPDATE on the trace's experiment", AccessPolicy::traceStart);
    }

    /** SearchTraces: narrowed to the readable experiments it names. */
    public static Requirement traceSearch() {
        return new Declared("narrowed to readable experiments", AccessPolicy::traceSearch);
    }

    /** On the experiment of the evaluation job in the {@code job_id} path parameter. */
    public static Requirement onJob(Need need) {
        return new Declared(on(need, "the evaluation job"), p -> p.job(need));
    }

    /** On the experiment of the issue in the {@code issue_id} path parameter. */
    public static Requirement onIssue(Need need) {
        return new Declared(on(need, "the issue's experiment"), p -> p.issue(need));
    }

    /** Guardrails: {@code need} in the call's workspace (MANAGE to change them). */
    public static Requirement guardrails(Need need) {
        return new Declared(need + " in the workspace", p -> p.guardrails(need));
    }

    /** Attaching, reordering or detaching a guardrail: MANAGE in the workspace and UPDATE on the endpoint. */
    public static Requirement guardrailsOfEndpoint() {
        return new Declared("MANAGE in the workspace, UPDATE on the endpoint in endpoint_id", p -> AccessPolicy.Rule
                .both(p.guardrails(Need.MANAGE), p.onGateway(ResourceType.GATEWAY_ENDPOINT, "endpoint_id",
                        Need.UPDATE)));
    }

    /** Submitting an MLflow job: on the experiment its function's params name ({@code params.experiment_id}). */
    public static Requirement onJobExperiment(Need need) {
        return new Declared(on(need, "the experiment in params.experiment_id"), p -> p.jobExperiment(need));
    }

    /** MLflow's job search: jobs of unreadable experiments are dropped. */
    public static Requirement listsJobsOfReadableExperiments() {
        return new Declared("lists jobs of readable experiments", p -> p.filtered(ResourceType.EXPERIMENT, "jobs",
                item -> item.path("params").path("experiment_id").asText(), true));
    }

    /** On the scorer (its own grant, else its experiment's). */
    public static Requirement onScorer(Need need) {
        return new Declared(on(need, "the scorer"), p -> p.scorer(need));
    }

    /** Register a scorer version: UPDATE on experiment and scorer; version 1's creator manages it. */
    public static Requirement scorerRegister() {
        return new Declared("UPDATE on the experiment and scorer", AccessPolicy::scorerRegister);
    }

    /** On a gateway resource by its id field (endpoints also by name). */
    public static Requirement onGateway(ResourceType type, String idField, Need need) {
        return new Declared(on(need, "the " + type.name().toLowerCase(Locale.ROOT)), p -> p.onGateway(type, idField,
                need));
    }

    /** Create a gateway resource: may create in the workspace, USE on what it is built on; creator manages. */
    public static Requirement createsGateway(ResourceType type, String idField, String createdField) {
        return new Declared("may create, USE on its parts; creator manages", p -> p.creates(type, idField,
                createdField));
    }

    /** Creating an evaluation dataset: may create in the workspace; the dataset joins it, its creator manages it. */
    public static Requirement createsDataset() {
        return new Declared("may create, READ on its experiments; creator manages", p -> p.creates(
                ResourceType.DATASET, "dataset_id", "dataset"));
    }

    /** Submitting an evaluation job: UPDATE on its experiment, and READ on the dataset it evaluates, if any. */
    public static Requirement evaluationSubmit() {
        return new Declared("UPDATE on the experiment in experiment_id, READ on the dataset in dataset_id",
                p -> AccessPolicy.Rule.both(p.experiment(Need.UPDATE, "experiment_id"), p.onDataset(Need.READ)));
    }

    /** Linking an evaluation dataset to experiments: UPDATE on the dataset, READ on each experiment. */
    public static Requirement datasetLinks() {
        return new Declared("UPDATE on the dataset, READ on each experiment in experiment_ids",
                AccessPolicy::datasetLinks);
    }

    /** On the evaluation dataset in {@code dataset_id}. */
    public static Requirement onDataset(Need need) {
        return new Declared(on(need, "the dataset"), p -> p.onDataset(need));
    }

    /**
     * Gateway budgets and usage of the call's workspace: MANAGE there (they concern everyone's calls), the budget
     * named must be the workspace's, and only an admin in the default workspace makes a server-wide one.
     */
    public static Requirement budgetsOfTheWorkspace() {
        return new Declared("MANAGE in the workspace; server-wide budgets: admin", AccessPolicy::budgetsOfTheWorkspace);
    }

    /** On the webhook in the {@code webhook_id} path parameter, which must be in the call's workspace. */
    public static Requirement onWebhook(Need need) {
        return new Declared(on(need, "the webhook"), p -> p.onWebhook(need));
    }

    /**
     * Creating a webhook: MANAGE in the workspace (a webhook hears every registry event of its workspace); the
     * creator manages the webhook.
     */
    public static Requirement createsWebhook() {
        return new Declared("MANAGE in the workspace; creator manages", AccessPolicy::createsWebhook);
    }

    /** Update a model definition: UPDATE on it, USE on its new secret. */
    public static Requirement modelDefinitionUpdate() {
        return new Declared("UPDATE on the model definition, USE on the secret", AccessPolicy::modelDefinitionUpdate);
    }

    /** Update an endpoint with model definitions: UPDATE on it, USE on each definition. */
    public static Requirement endpointUpdateUsingModels() {
        return new Declared("UPDATE on the endpoint, USE on its models", AccessPolicy::endpointUpdateUsingModels);
    }

    /** The same requirement, and the resource's cached grants are dropped after the call (delete, rename). */
    public static Requirement dropsGrants(Requirement requirement) {
        Declared declared = (Declared) requirement;
        return new Declared(declared.description() + "; drops its grants",
                p -> p.dropsGrants(declared.rule().apply(p)));
    }
}
