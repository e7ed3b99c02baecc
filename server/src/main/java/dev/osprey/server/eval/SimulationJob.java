package dev.osprey.server.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.core.Metric;
import dev.osprey.core.OspreyException;
import dev.osprey.core.RunStatus;
import dev.osprey.core.net.UrlGuard;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.ConversationSimulator;
import dev.osprey.eval.ConversationSimulator.Conversation;
import dev.osprey.eval.ConversationSimulator.Exchange;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.JudgeModel;
import dev.osprey.eval.LlmSimulatedUser;
import dev.osprey.eval.OpenAiChatAgent;
import dev.osprey.eval.Scorer;
import dev.osprey.eval.ScorerSpecs;
import dev.osprey.eval.SimulationCase;
import dev.osprey.gateway.Gateway;
import dev.osprey.gateway.config.GatewaySecret;
import dev.osprey.protocol.Json;
import dev.osprey.server.jobs.JobFunction;
import dev.osprey.server.traces.EvaluationTraces;
import dev.osprey.store.MetricBatch;
import dev.osprey.store.RunUpdate;
import dev.osprey.store.StorageComponent;
import dev.osprey.store.WorkspaceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conversation simulation as a server job (MLflow's {@code ConversationSimulator.simulate}, run by the server):
 * simulated users played by a model talk to an agent (behind an OpenAI-compatible URL, or a gateway endpoint), every
 * turn is recorded as a trace of its session as it happens, and each finished conversation is judged by the session
 * judges, its expectations and verdicts on its first trace. The job's MLflow run groups the traces and gets the
 * summary metrics.
 *
 * <p>A restarted server resumes the job without repeating finished conversations: a conversation is finished when
 * its first trace carries the {@link SimulationRecords#DONE} tag, written last; traces of an unfinished one are
 * deleted and the case is run again.
 */
public final class SimulationJob implements JobFunction {
    public static final String NAME = "simulate_conversations";
    static final int MAX_CASES = 10_000;
    static final int MAX_TURNS = 50;
    static final int MAX_CONCURRENCY = 64;
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(120);
    private final StorageComponent storage;
    private final SimulationRecords records;
    private final ScorerSpecs.JudgeModels models;
    private final Gateway gateway;
    private final UrlGuard agentUrls;
    private final Clock clock;

    public SimulationJob(StorageComponent storage, SimulationRecords records, ScorerSpecs.JudgeModels models,
            Gateway gateway, UrlGuard agentUrls, Clock clock) {
        this.storage = storage;
        this.records = records;
        this.models = models;
        this.gateway = gateway;
        this.agentUrls = agentUrls;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String experimentOf(ObjectNode params) {
        String experimentId = existingExperiment(params);
        cases(params);
        String workspace = workspaceOf(experimentId);
        agent(params.path("agent"), workspace);
        userModel(params, workspace);
        judges(params, experimentId);
        bounded(params, "max_turns", 10, MAX_TURNS);
        bounded(params, "concurrency", 10, MAX_CONCURRENCY);
        return experimentId;
    }

    /** The request's {@code experiment_id}: a 400 when missing, a 404 when there is no such experiment. */
    String existingExperiment(JsonNode params) {
        String experimentId = params.path("experiment_id").asText("");
        if (experimentId.isBlank()) {
            throw OspreyException.invalid("Missing required parameter: experiment_id");
        }
        if (storage.tracking().getExperiment(experimentId).isEmpty()) {
            throw OspreyException.notFound("No Experiment with id=" + experimentId + " exists");
        }
        return experimentId;
    }

    private String workspaceOf(String experimentId) {
        return storage.workspaces().workspaceOf(WorkspaceStore.Kind.EXPERIMENT, experimentId);
    }

    static int bounded(JsonNode params, String field, int fallback, int max) {
        JsonNode v = params.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || v.asInt() < 1 || v.asInt() > max) {
            throw OspreyException.invalid("'" + field + "' must be a whole number from 1 to " + max + ".");
        }
        return v.asInt();
    }

    /**
     * The test cases: {@code test_cases} (MLflow's case objects) or the records of {@code dataset_id}, whose
     * {@code inputs} are the cases (as MLflow reads an evaluation dataset of conversational test cases).
     */
    List<SimulationCase> cases(JsonNode params) {
        JsonNode inline = params.path("test_cases");
        String datasetId = params.path("dataset_id").asText("");
        if (inline.isArray() == !datasetId.isEmpty()) {
            throw OspreyException.invalid("Give the test cases as 'test_cases' (a list) or 'dataset_id' (an "
                    + "evaluation dataset whose inputs are test cases), not both.");
        }
        List<JsonNode> raw = new ArrayList<>();
        if (inline.isArray()) {
            inline.forEach(raw::add);
        } else {
            storage.datasets().get(datasetId).orElseThrow(() -> OspreyException.notFound(
                    "Could not find evaluation dataset with ID " + datasetId));
            Optional<String> token = Optional.empty();
            do {
                var page = storage.datasets().records(datasetId, 1000, token);
                page.items().forEach(r -> raw.add(DatasetRecords.parse(r.inputsJson())));
                token = page.nextPageToken();
            } while (token.isPresent() && raw.size() <= MAX_CASES);
        }
        if (raw.isEmpty()) {
            throw OspreyException.invalid("There are no test cases to simulate.");
        }
        if (raw.size() > MAX_CASES) {
            throw OspreyException.invalid("At most " + MAX_CASES + " test cases per simulation; split them.");
        }
        List<SimulationCase> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(SimulationCase.fromJson(raw.get(i)));
            } catch (IllegalArgumentException e) {
                throw OspreyException.invalid("Test case " + i + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * The agent under test: {@code {"type": "chat_completions" | "responses", "url": ..., "model": ...,
     * "secret_id": ..., "stream": false}} (a gateway secret of the workspace holding its {@code api_key}; with
     * {@code stream} the agent is asked for server-sent events) or {@code {"type": "gateway", "endpoint": ...}}.
     */
    ConversationAgent agent(JsonNode spec, String workspace) {
        String type = spec.path("type").asText("");
        switch (type) {
            case "gateway" -> {
                String endpoint = spec.path("endpoint").asText("");
                if (gateway.config().endpoint(workspace, endpoint).isEmpty()) {
                    throw OspreyException.invalid("agent: no gateway endpoint '" + endpoint + "' in this workspace.");
                }
                return new GatewayAgent(gateway, endpoint, workspace);
            }
            case "chat_completions", "responses" -> {
                String url = spec.path("url").asText("");
                try {
                    agentUrls.check(url);
                } catch (IllegalArgumentException e) {
                    throw OspreyException.invalid("agent: " + e.getMessage());
                }
                Optional<String> key = Optional.empty();
                String secretId = spec.path("secret_id").asText("");
                if (!secretId.isEmpty()) {
                    try {
                        GatewaySecret secret = gateway.config().secrets().byId(secretId, workspace);
                        key = Optional.ofNullable(gateway.config().secrets().open(secret).get("api_key"));
                    } catch (IllegalArgumentException | OspreyException e) {
                        throw OspreyException.invalid("agent: gateway secret '" + secretId + "' cannot be used: "
                                + e.getMessage());
                    }
                }
                return new OpenAiChatAgent(url, key, spec.path("model").asText("agent"), AGENT_TIMEOUT,
                        type.equals("responses") ? OpenAiChatAgent.Api.RESPONSES : OpenAiChatAgent.Api.CHAT_COMPLETIONS,
                        spec.path("stream").asBoolean(false));
            }
            default -> throw OspreyException.invalid("'agent' needs a 'type': chat_completions or responses (with "
                    + "'url' and 'model'), or gateway (with 'endpoint').");
        }
    }

    /** The model that plays the users and checks the goals ({@code user_model}; the server's judge model else). */
    JudgeModel userModel(JsonNode params, String workspace) {
        Optional<String> uri = Optional.ofNullable(params.path("user_model").textValue()).filter(s -> !s.isBlank());
        try {
            return models.in(workspace).resolve(uri);
        } catch (IllegalArgumentException e) {
            throw OspreyException.invalid("user_model: " + e.getMessage());
        }
    }

    /** The session judges: registered scorer names or {@code {"name", "serialized_scorer"}}; session-level only. */
    List<Scorer> judges(JsonNode params, String experimentId) {
        List<Scorer> out = new ArrayList<>();
        ScorerSpecs.JudgeModels inWorkspace = models.in(workspaceOf(experimentId));
        for (JsonNode s : params.path("scorers")) {
            String name = s.isTextual() ? s.asText() : s.path("name").asText("");
            String serialized = s.isTextual() || !s.path("serialized_scorer").isTextual()
                    ? storage.scorers().get(experimentId, name, Optional.empty()).orElseThrow(() ->
                            OspreyException.notFound("Scorer with name '" + name + "' not found for experiment "
                                    + experimentId + ".")).serializedScorer()
                    : s.path("serialized_scorer").asText();
            Scorer scorer;
            try {
                scorer = ScorerSpecs.parse(name, serialized, inWorkspace);
            } catch (ScorerSpecs.UnsupportedScorerException e) {
                throw OspreyException.invalid(e.getMessage());
            }
            if (!scorer.sessionLevel()) {
                throw OspreyException.invalid("Scorer '" + name + "' judges single traces; a simulation is judged by "
                        + "session-level scorers ({{ conversation }}).");
            }
            out.add(scorer);
        }
        return out;
    }

    @Override
    public JsonNode run(ObjectNode params, Progress progress) {
        String experimentId = params.path("experiment_id").asText();
        String runId = params.path("run_id").asText("");
        String workspace = workspaceOf(experimentId);
        List<SimulationCase> cases = cases(params);
        ConversationAgent agent = agent(params.path("agent"), workspace);
        JudgeModel model = userModel(params, workspace);
        List<Scorer> judges = judges(params, experimentId);
        ConversationSimulator simulator = new ConversationSimulator(new LlmSimulatedUser(model), model,
                bounded(params, "max_turns", 10, MAX_TURNS), 1);
        String jobId = progress.jobId();

        List<SimulationRecords.Stored> before = records.read(experimentId, jobId);
        java.util.Set<Integer> finished = new java.util.HashSet<>();
        for (SimulationRecords.Stored s : before) {
            if (s.done().isPresent()) {
                finished.add(s.caseIndex());
            } else {
                storage.traces().deleteTraces(experimentId, s.traceIds()); // cut short: run the case again
            }
        }
        AtomicLong done = new AtomicLong(finished.size());
        progress.report(done.get(), cases.size());
        Semaphore slots = new Semaphore(bounded(params, "concurrency", 10, MAX_CONCURRENCY));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < cases.size(); i++) {
                if (finished.contains(i)) {
                    continue;
                }
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (progress.stopped()) {
                    slots.release();
                    break;
                }
                int index = i;
                pool.submit(() -> {
                    try {
                        if (converse(experimentId, runId, jobId, index, cases.get(index), simulator, agent, judges,
                                progress)) {
                            progress.report(done.incrementAndGet(), cases.size());
                        }
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        if (progress.stopped()) {
            return Json.object();
        }
        List<SimulationRecords.Stored> all = records.read(experimentId, jobId);
        ObjectNode result = records.summary(all, judges.stream().map(Scorer::name).toList());
        result.put("run_id", runId);
        finishRun(runId, all, result);
        return result;
    }

    /** One case, logged as it goes; false when the job was stopped before the conversation was marked done. */
    private boolean converse(String experimentId, String runId, String jobId, int index, SimulationCase c,
            ConversationSimulator simulator, ConversationAgent agent, List<Scorer> judges, Progress progress) {
        ConversationAgent stoppable = new ConversationAgent() {
            @Override
            public String respond(List<dev.osprey.eval.EvalItem.Turn> messages, String sessionId,
                    ObjectNode context) {
                return respond(messages, sessionId, context, dev.osprey.eval.TraceContext.random());
            }

            @Override
            public String respond(List<dev.osprey.eval.EvalItem.Turn> messages, String sessionId,
                    ObjectNode context, dev.osprey.eval.TraceContext trace) {
                if (progress.stopped()) {
                    throw new IllegalStateException("The simulation was stopped.");
                }
                return agent.respond(messages, sessionId, context, trace);
            }
        };
        ConversationSimulator.Listener listener = new ConversationSimulator.Listener() {
            @Override
            public void onTurn(SimulationCase sc, String sessionId, Exchange exchange) {
                records.logTurn(experimentId, runId, jobId, index, sc, sessionId, exchange);
            }

            @Override
            public void onDone(Conversation conversation) {}
        };
        Conversation conversation = simulator.converse(c, stoppable, listener, ConversationSimulator.newSessionId());
        if (progress.stopped() || conversation.exchanges().isEmpty()) {
            return false;
        }
        String first = conversation.exchanges().getFirst().trace().mlflowTraceId();
        records.logExpectations(first, conversation);
        List<Feedback> verdicts = new ArrayList<>();
        for (Scorer judge : judges) {
            verdicts.add(judge.safely(conversation.item()));
        }
        if (progress.stopped()) {
            return false;
        }
        records.logVerdicts(first, runId, conversation, verdicts);
        records.markDone(first, conversation);
        return true;
    }

    /** Links the traces to the run, logs the summary metrics and ends the run. */
    private void finishRun(String runId, List<SimulationRecords.Stored> all, ObjectNode summary) {
        if (runId.isEmpty()) {
            return;
        }
        List<String> traceIds = all.stream().flatMap(s -> s.traceIds().stream()).toList();
        for (int i = 0; i < traceIds.size(); i += 100) {
            storage.traces().linkToRun(traceIds.subList(i, Math.min(traceIds.size(), i + 100)), runId);
        }
        long now = clock.millis();
        List<Metric> metrics = new ArrayList<>();
        JsonNode totals = summary.path("summary");
        for (Map.Entry<String, JsonNode> e : totals.properties()) {
            if (e.getValue().isNumber()) {
                metrics.add(metric(runId, "simulation/" + e.getKey(), e.getValue().asDouble(), now));
            }
        }
        summary.path("judges").properties().forEach(e -> {
            if (e.getValue().path("mean").isNumber()) {
                metrics.add(metric(runId, e.getKey() + "/mean", e.getValue().path("mean").asDouble(), now));
            }
        });
        storage.tracking().logBatch(runId, MetricBatch.ofMetrics(metrics));
        storage.tracking().updateRun(runId, new RunUpdate(Optional.of(RunStatus.FINISHED), OptionalLong.of(now),
                Optional.empty()));
    }

    private static Metric metric(String runId, String key, double value, long now) {
        return new Metric(key, value, now, 0, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(runId));
    }

}
