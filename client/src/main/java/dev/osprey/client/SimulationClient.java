package dev.osprey.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.eval.ConversationAgent;
import dev.osprey.eval.ConversationSimulator;
import dev.osprey.eval.ConversationSimulator.Conversation;
import dev.osprey.eval.EvalItem;
import dev.osprey.eval.Feedback;
import dev.osprey.eval.Scorer;
import dev.osprey.protocol.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
        List<EvalItem.Turn> turns = c.turns();
        for (int i = 0; i < turns.size(); i += 2) {
            String user = turns.get(i).content();
            String answer = i + 1 < turns.size() ? turns.get(i + 1).content() : "";
            traceIds.add(trace(experimentId, c, i / 2, user, answer, i + 1 >= turns.size()));
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

    /** One turn as a trace of the session; a turn the agent never answered is an ERROR trace with the reason. */
    private String trace(String experimentId, Conversation c, int turn, String user, String answer, boolean last) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        String traceId = "tr-" + HexFormat.of().formatHex(id);
        boolean failed = last && c.error().isPresent() && answer.isEmpty();
        ObjectNode info = Json.object().put("trace_id", traceId);
        info.putObject("trace_location").put("type", "MLFLOW_EXPERIMENT").putObject("mlflow_experiment")
                .put("experiment_id", experimentId);
        info.put("request_time", Instant.now().toString()).put("state", failed ? "ERROR" : "OK");
        info.put("request_preview", user);
        info.put("response_preview", failed ? c.error().get() : answer);
        ObjectNode metadata = info.putObject("trace_metadata").put("mlflow.trace.session", c.sessionId())
                .put("mlflow.simulation.goal", cut(c.simulationCase().goal()))
                .put("mlflow.simulation.persona", cut(c.simulationCase().personaOrDefault()))
                .put("mlflow.simulation.turn", Integer.toString(turn));
        if (!c.simulationCase().guidelines().isEmpty()) {
            metadata.put("mlflow.simulation.simulation_guidelines",
                    cut(String.join("\n", c.simulationCase().guidelines())));
        }
        transport.post(V3 + "/traces", Json.object("trace", Json.object("trace_info", info)));
        return traceId;
    }

    private static String cut(String text) {
        return text.length() <= MAX_METADATA ? text : text.substring(0, MAX_METADATA);
    }
}
