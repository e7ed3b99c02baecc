package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.ConversationSimulator;
import dev.osprey.eval.ConversationSimulator.Conversation;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private static String cut(String text) {
        return text.length() <= MAX_METADATA ? text : text.substring(0, MAX_METADATA);
    }
}
