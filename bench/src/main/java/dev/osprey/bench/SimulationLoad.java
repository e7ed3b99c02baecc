package dev.osprey.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.OspreyServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SIM-1: 100 conversations of 10 turns each as a server simulation job through REST. The simulated user and goal
 * check are a scripted model behind the server's gateway, the agent a scripted Chat Completions server called over
 * HTTP; every model call answers after 50 ms and the goal check never says yes, so each turn costs three calls
 * (user, agent, goal check) = 150 ms at best. The ideal wall time at concurrency C is ceil(100 / C) waves of 10 turns;
 * what is above it is the simulator's own cost (prompting, the gateway hop, ingesting each turn's trace, the session
 * judge-free bookkeeping), reported per turn. Arguments: conversations (100), turns (10), concurrencies (10,50).
 */
public final class SimulationLoad {
    private static final long LATENCY_MS = 50;

    private SimulationLoad() {}

    static String user(JsonNode body) {
        String system = body.path("messages").path(0).path("content").asText();
        if (system.contains("reached its user's goal")) {
            return "{\"result\": \"no\", \"rationale\": \"not yet\"}";
        }
        return "Tell me more about the next step, please.";
    }

    public static void main(String[] args) throws Exception {
        int conversations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<Integer> levels = new ArrayList<>();
        for (String c : (args.length > 2 ? args[2] : "10,50").split(",")) {
            levels.add(Integer.parseInt(c.trim()));
        }
        try (ScriptedOpenAi userModel = new ScriptedOpenAi(SimulationLoad::user, t -> new double[] {1}, LATENCY_MS);
                ScriptedOpenAi agent = new ScriptedOpenAi(b -> "Here is the next step.", t -> new double[] {1},
                        LATENCY_MS);
                OspreyServer server = Bench.serverWithGateway("simulate")) {
            String base = server.baseUrl();
            userModel.addEndpoint(base, "user");
            List<String> table = new ArrayList<>();
            for (int concurrency : levels) {
                String exp = Json.read(Bench.post(base + "/api/2.0/mlflow/experiments/create", "{\"name\": "
                        + "\"sim-" + concurrency + "\"}")).path("experiment_id").asText();
                ObjectNode request = Json.object().put("experiment_id", exp).put("user_model", "gateway:/user")
                        .put("max_turns", turns).put("concurrency", concurrency);
                request.putObject("agent").put("type", "chat_completions").put("url", agent.baseUrl())
                        .put("model", "agent");
                ArrayNode cases = request.putArray("test_cases");
                for (int i = 0; i < conversations; i++) {
                    cases.addObject().put("goal", "Finish task " + i).put("persona", "A careful user");
                }
                userModel.resetCalls();
                agent.resetCalls();
                long started = System.nanoTime();
                String jobId = Json.read(Bench.post(base + "/api/3.0/osprey/simulations", request.toString()))
                        .at("/job/job_id").asText();
                JsonNode job;
                do {
                    Thread.sleep(100);
                    job = Json.read(Bench.get(base + "/api/3.0/osprey/simulations/" + jobId)).path("job");
                } while (List.of("PENDING", "RUNNING").contains(job.path("status").asText()));
                double wallS = (System.nanoTime() - started) / 1e9;
                if (!job.path("status").asText().equals("SUCCEEDED")) {
                    throw new IllegalStateException("simulation failed: " + job);
                }
                JsonNode s = job.at("/result/summary");
                long doneTurns = s.path("turns").asLong();
                int waves = (conversations + concurrency - 1) / concurrency;
                double idealS = waves * turns * 3 * LATENCY_MS / 1000.0;
                double overheadMs = (wallS - idealS) * 1000 / (waves * turns);
                table.add(String.format(Locale.ROOT, "| %d | %d x %d | %d | %.2f | %.2f | %.2fx | %.1f | %.1f | %.1f |",
                        concurrency, conversations, turns, doneTurns, wallS, idealS, wallS / idealS, overheadMs,
                        s.path("agent_ms").asDouble() / doneTurns, s.path("simulator_ms").asDouble() / doneTurns));
                if (userModel.calls() != 2L * doneTurns || agent.calls() != doneTurns) {
                    throw new IllegalStateException("unexpected call counts: user model " + userModel.calls()
                            + ", agent " + agent.calls() + " for " + doneTurns + " turns");
                }
            }
            Bench.printTable(table, "concurrency", "conversations x turns", "turns done", "wall s", "ideal s",
                    "wall / ideal", "overhead per turn ms", "agent ms per turn (job's split)",
                    "simulator ms per turn (user + goal check)");
        }
    }
}
