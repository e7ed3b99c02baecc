package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.ConversationSimulator;
import dev.osprey.eval.ConversationSimulator.Conversation;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import dev.osprey.protocol.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Conversation simulation from the SDK (MLflow's {@code ConversationSimulator.simulate}): the simulator runs here
 * against any {@link ConversationAgent}, and every turn is logged to the experiment as a trace of the conversation's
 * session ({@code mlflow.trace.session}, with MLflow's {@code mlflow.simulation.*} metadata), so the server's sessions
 * view shows it. The case's expectations and the session judges' feedback go on the session's first trace, where
 * MLflow puts them. Obtained from {@link OspreyClient#simulation()}.
 */
public final class SimulationClient {
    private static final String V3 = "/api/3.0/mlflow";
    private static final int MAX_METADATA = 250;
    private final Transport transport;

    SimulationClient(Transport transport) {
        this.transport = transport;
    }

    /** A logged conversation: its traces (one per turn, in order) and the session judges' verdicts. */
    public record SimulatedSession(Conversation conversation, List<String> traceIds, List<Feedback> feedback) {
        public SimulatedSession {
            traceIds = List.copyOf(traceIds);
            feedback = List.copyOf(feedback);
        }
    }

    /**
     * Runs the simulator over the cases, logs each conversation to the experiment and judges it with the session
     * judges ({@code {{ conversation }}} judges such as {@code Judges.conversationCompleteness}).
     *
     * @param onDone hears of each session once it is logged and judged (progress)
     */
    public List<SimulatedSession> simulate(String experimentId, List<dev.osprey.eval.SimulationCase> cases,
            ConversationSimulator simulator, ConversationAgent agent, List<Scorer> sessionJudges,
            Consumer<SimulatedSession> onDone) {
        List<SimulatedSession> out = new ArrayList<>();
        simulator.run(cases, agent, conversation -> {
            SimulatedSession session = log(experimentId, conversation, sessionJudges);
            synchronized (out) {
                out.add(session);
            }
            onDone.accept(session);
        });
        return out;
    }

    private SimulatedSession log(String experimentId, Conversation c, List<Scorer> judges) {
        List<String> traceIds = new ArrayList<>();
        for (ConversationSimulator.Exchange e : c.exchanges()) {
            traceIds.add(trace(experimentId, c, e));
        }
        List<Feedback> verdicts = new ArrayList<>();
        if (!traceIds.isEmpty()) {
            String first = traceIds.getFirst();
            c.simulationCase().expectations().properties().forEach(e -> {
                ObjectNode a = Json.object().put("assessment_name", e.getKey());
                a.putObject("source").put("source_type", "HUMAN").put("source_id", "simulation");
                a.putObject("expectation").set("value", e.getValue());
                a.putObject("metadata").put("mlflow.trace.session", c.sessionId());
                transport.post(V3 + "/traces/" + first + "/assessments", Json.object("assessment", a));
            });
            for (Scorer judge : judges) {
                Feedback f = judge.safely(c.item());
                verdicts.add(f);
                transport.post(V3 + "/traces/" + first + "/assessments", Json.object("assessment",
                        f.assessmentJson(f.name(), Map.of("mlflow.trace.session", c.sessionId()))));
            }
        }
        return new SimulatedSession(c, traceIds, verdicts);
    }

    /**
     * One turn as a trace of the session, under the trace id the agent was given as {@code traceparent}: the trace's
     * info with MLflow's simulation metadata, then its root span over OTLP (an instrumented agent's spans hang under
     * it). A turn the agent never answered is an ERROR trace with the reason.
     */
    private String trace(String experimentId, Conversation c, ConversationSimulator.Exchange e) {
        String traceId = e.trace().mlflowTraceId();
        boolean failed = e.reply().isEmpty();
        String answer = e.reply().orElseGet(() -> c.error().orElse(""));
        ObjectNode info = Json.object().put("trace_id", traceId);
        info.putObject("trace_location").put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                .put("experiment_id", experimentId);
        info.put("request_time", Instant.ofEpochMilli(e.startMs()).toString())
                .put("execution_duration", (e.endMs() - e.startMs()) / 1000.0 + "s")
                .put("state", failed ? "ERROR" : "OK");
        info.put("request_preview", e.user());
        info.put("response_preview", answer);
        ObjectNode metadata = info.putObject("trace_metadata").put("mlflow.trace.session", c.sessionId())
                .put("mlflow.simulation.goal", cut(c.simulationCase().goal()))
                .put("mlflow.simulation.persona", cut(c.simulationCase().personaOrDefault()))
                .put("mlflow.simulation.turn", Integer.toString(e.index()));
        if (!c.simulationCase().guidelines().isEmpty()) {
            metadata.put("mlflow.simulation.simulation_guidelines",
                    cut(String.join("\n", c.simulationCase().guidelines())));
        }
        transport.post(V3 + "/traces", Json.object("trace", Json.object("trace_info", info)));
        transport.otlp(experimentId, rootSpan(c, e, failed, answer));
        return traceId;
    }

    /** The turn's root span in OTLP/JSON: the user's message in, the reply out, the session on it. */
    private static ObjectNode rootSpan(Conversation c, ConversationSimulator.Exchange e, boolean failed,
            String answer) {
        ObjectNode span = Json.object().put("traceId", e.trace().traceId()).put("spanId", e.trace().spanId())
                .put("name", "simulated_turn").put("kind", 1)
                .put("startTimeUnixNano", Long.toString(e.startMs() * 1_000_000L))
                .put("endTimeUnixNano", Long.toString(e.endMs() * 1_000_000L));
        com.fasterxml.jackson.databind.node.ArrayNode attributes = span.putArray("attributes");
        ObjectNode inputs = Json.object().put("mlflow_session_id", c.sessionId());
        inputs.putArray("messages").addObject().put("role", "user").put("content", e.user());
        Map.of("mlflow.spanType", "\"AGENT\"", "mlflow.spanInputs", Json.writeString(inputs),
                "mlflow.spanOutputs", Json.writeString(com.fasterxml.jackson.databind.node.TextNode.valueOf(answer)),
                "session.id", c.sessionId()).forEach((k, v) -> attributes.addObject().put("key", k)
                .putObject("value").put("stringValue", v));
        span.putObject("status").put("code", failed ? 2 : 1).put("message", failed ? answer : "");
        ObjectNode request = Json.object();
        request.putArray("resourceSpans").addObject().putArray("scopeSpans").addObject().putArray("spans").add(span);
        return request;
    }

    private static final String SIM = "/api/3.0/osprey/simulations";

    /**
     * A simulation the server runs ({@code simulate_conversations}): the cases (inline, or the inputs of an evaluation
     * dataset), the agent under test, the model playing the users, the session judges and the bounds.
     *
     * @param agent {@code {"type": "chat_completions" | "responses", "url", "model", "secret_id"}} or
     *     {@code {"type": "gateway", "endpoint"}}
     * @param userModel a model URI ({@code gateway:/<endpoint>}, {@code openai:/<model>}); empty: the server's judge
     *     model
     * @param judges registered session judges by name
     */
    public record ServerRequest(String experimentId, List<dev.osprey.eval.SimulationCase> cases,
            Optional<String> datasetId, ObjectNode agent, Optional<String> userModel, List<String> judges,
            int maxTurns, int concurrency, Optional<String> runName) {
        public ServerRequest {
            cases = List.copyOf(cases);
            judges = List.copyOf(judges);
            agent = agent.deepCopy();
        }

        /** Cases against an agent behind an OpenAI Chat Completions URL; 10 turns, 10 at a time. */
        public static ServerRequest of(String experimentId, List<dev.osprey.eval.SimulationCase> cases,
                String agentUrl, String agentModel) {
            return new ServerRequest(experimentId, cases, Optional.empty(), Json.object().put("type",
                    "chat_completions").put("url", agentUrl).put("model", agentModel), Optional.empty(), List.of(),
                    10, 10, Optional.empty());
        }

        public ServerRequest fromDataset(String id) {
            return new ServerRequest(experimentId, List.of(), Optional.of(id), agent, userModel, judges, maxTurns,
                    concurrency, runName);
        }

        public ServerRequest withAgent(ObjectNode spec) {
            return new ServerRequest(experimentId, cases, datasetId, spec, userModel, judges, maxTurns, concurrency,
                    runName);
        }

        public ServerRequest withUserModel(String uri) {
            return new ServerRequest(experimentId, cases, datasetId, agent, Optional.of(uri), judges, maxTurns,
                    concurrency, runName);
        }

        public ServerRequest judgedBy(List<String> names) {
            return new ServerRequest(experimentId, cases, datasetId, agent, userModel, names, maxTurns, concurrency,
                    runName);
        }

        public ServerRequest bounded(int turns, int atOnce) {
            return new ServerRequest(experimentId, cases, datasetId, agent, userModel, judges, turns, atOnce, runName);
        }

        public ServerRequest named(String name) {
            return new ServerRequest(experimentId, cases, datasetId, agent, userModel, judges, maxTurns, concurrency,
                    Optional.of(name));
        }

        ObjectNode json() {
            ObjectNode body = Json.object().put("experiment_id", experimentId).put("max_turns", maxTurns)
                    .put("concurrency", concurrency);
            body.set("agent", agent);
            if (datasetId.isPresent()) {
                body.put("dataset_id", datasetId.get());
            } else {
                com.fasterxml.jackson.databind.node.ArrayNode list = body.putArray("test_cases");
                cases.forEach(c -> list.add(caseJson(c)));
            }
            userModel.ifPresent(m -> body.put("user_model", m));
            judges.forEach(body.putArray("scorers")::add);
            runName.ifPresent(n -> body.put("run_name", n));
            return body;
        }
    }

    /** A case in MLflow's form. */
    public static ObjectNode caseJson(dev.osprey.eval.SimulationCase c) {
        ObjectNode out = Json.object().put("goal", c.goal());
        c.persona().ifPresent(p -> out.put("persona", p));
        if (!c.context().isEmpty()) {
            out.set("context", c.context());
        }
        if (!c.expectations().isEmpty()) {
            out.set("expectations", c.expectations());
        }
        if (!c.guidelines().isEmpty()) {
            c.guidelines().forEach(out.putArray("simulation_guidelines")::add);
        }
        return out;
    }

    /**
     * A server simulation as it stands.
     *
     * @param completed conversations finished (of {@code total})
     * @param result the summary once finished: conversations, goals achieved, errors, turns, the agent's and the
     *     simulator's time, and per judge passed / failed / errors / mean
     */
    public record ServerJob(String jobId, String status, long completed, long total, Optional<String> runId,
            Optional<com.fasterxml.jackson.databind.JsonNode> result, Optional<String> error) {
        public boolean finished() {
            return !status.equals("PENDING") && !status.equals("RUNNING");
        }
    }

    /** Starts a simulation on the server (bad cases, agents or judges are refused here, before anything runs). */
    public ServerJob start(ServerRequest request) {
        return serverJob(transport.post(SIM, request.json()).message("job").orElseThrow());
    }

    public ServerJob get(String jobId) {
        return serverJob(transport.get(SIM + "/" + jobId, Map.of()).message("job").orElseThrow());
    }

    public ServerJob cancel(String jobId) {
        return serverJob(transport.post(SIM + "/" + jobId + "/cancel", Json.object()).message("job").orElseThrow());
    }

    /** Polls until the simulation finishes, telling {@code progress} each state seen. */
    public ServerJob await(String jobId, java.time.Duration poll, Consumer<ServerJob> progress) {
        return Polling.until(() -> get(jobId), ServerJob::finished, poll, progress);
    }

    /** The simulation's conversations so far, by case: turns, outcome, verdicts (the REST listing's objects). */
    public List<com.fasterxml.jackson.databind.JsonNode> conversations(String jobId) {
        List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
        Optional<String> token = Optional.empty();
        do {
            Map<String, List<String>> query = new java.util.HashMap<>(Map.of("max_results", List.of("200")));
            token.ifPresent(t -> query.put("page_token", List.of(t)));
            com.fasterxml.jackson.databind.JsonNode page = transport.get(SIM + "/" + jobId + "/conversations", query)
                    .json();
            page.path("conversations").forEach(out::add);
            token = Optional.ofNullable(page.path("next_page_token").textValue()).filter(t -> !t.isEmpty());
        } while (token.isPresent());
        return out;
    }

    /** A test case the server distilled from a session, for a person to review before saving. */
    public record Proposal(String sessionId, ObjectNode testCase) {}

    /**
     * Distills sessions (these, or the experiment's most recent {@code maxSessions}) into test-case proposals with
     * {@code model} (empty: the server's judge model); sessions with the same goal give one.
     */
    public List<Proposal> distill(String experimentId, List<String> sessionIds, Optional<String> model,
            int maxSessions) {
        ObjectNode body = Json.object().put("experiment_id", experimentId).put("max_sessions", maxSessions);
        sessionIds.forEach(body.putArray("session_ids")::add);
        model.ifPresent(m -> body.put("model", m));
        List<Proposal> out = new ArrayList<>();
        transport.post(SIM + "/distill", body).json().path("proposals").forEach(p -> out.add(new Proposal(
                p.path("session_id").asText(), (ObjectNode) p.path("test_case"))));
        return out;
    }

    /** Saves reviewed test cases into an evaluation dataset as records whose inputs are the cases. */
    public void saveTestCases(String datasetId, List<ObjectNode> cases) {
        com.fasterxml.jackson.databind.node.ArrayNode records = Json.MAPPER.createArrayNode();
        cases.forEach(c -> records.addObject().set("inputs", c));
        transport.post(V3 + "/datasets/" + datasetId + "/records", Json.object().put("records",
                Json.writeString(records)));
    }

    private static ServerJob serverJob(Message m) {
        com.fasterxml.jackson.databind.JsonNode j = m.json();
        com.fasterxml.jackson.databind.JsonNode r = j.path("result");
        return new ServerJob(j.path("job_id").asText(), j.path("status").asText(),
                j.at("/status_details/completed").asLong(0), j.at("/status_details/total").asLong(0),
                Optional.ofNullable(j.path("run_id").textValue()), r.isObject() ? Optional.of(r) : Optional.empty(),
                r.isTextual() ? Optional.of(r.asText()) : Optional.empty());
    }

    private static String cut(String text) {
        return text.length() <= MAX_METADATA ? text : text.substring(0, MAX_METADATA);
    }
}
