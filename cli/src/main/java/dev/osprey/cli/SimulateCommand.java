package dev.osprey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.client.OspreyClient;
import dev.osprey.client.SimulationClient;
import dev.osprey.client.SimulationClient.ServerJob;
import dev.osprey.client.SimulationClient.ServerRequest;
import dev.osprey.eval.SimulationCase;
import dev.osprey.protocol.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code osprey simulate}: simulated users (played by a model) hold conversations with an agent as a server job,
 * with a progress bar of finished conversations, then a summary: goals achieved, failures, turns, where the time
 * went (the agent against the simulator) and the session judges' verdicts. {@code --job} follows one already
 * started.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, description = "Simulate multi-turn conversations "
        + "between model-played users and an agent on the server, judged by session judges.")
public final class SimulateCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Option(names = "--cases", paramLabel = "FILE", description = "Test cases: a JSON list, or one JSON object per "
            + "line, each with a 'goal' and optionally 'persona', 'context', 'expectations', "
            + "'simulation_guidelines'.")
    Path cases;

    @Option(names = "--dataset", paramLabel = "DATASET_ID", description = "An evaluation dataset whose records' "
            + "inputs are test cases.")
    String dataset;

    @Option(names = "--agent-url", paramLabel = "URL", description = "The agent: an OpenAI-compatible base URL "
            + "(…/v1) the server can reach.")
    String agentUrl;

    @Option(names = "--agent-model", paramLabel = "MODEL", defaultValue = "agent", description = "The 'model' sent "
            + "to the agent URL (default: ${DEFAULT-VALUE}).")
    String agentModel;

    @Option(names = "--agent-api", paramLabel = "API", defaultValue = "chat_completions", description = "What the "
            + "agent URL speaks: chat_completions or responses (default: ${DEFAULT-VALUE}).")
    String agentApi;

    @Option(names = "--agent-stream", description = "Ask the agent URL for a streamed answer (server-sent events).")
    boolean agentStream;

    @Option(names = "--agent-secret", paramLabel = "SECRET_ID", description = "A gateway secret whose api_key the "
            + "agent URL is called with.")
    String agentSecret;

    @Option(names = "--agent-endpoint", paramLabel = "NAME", description = "The agent: a chat endpoint of the "
            + "server's AI gateway.")
    String agentEndpoint;

    @Option(names = "--user-model", paramLabel = "MODEL_URI", description = "The model playing the users and "
            + "checking goals, e.g. gateway:/my-endpoint (default: the server's judge model).")
    String userModel;

    @Option(names = "--judge", paramLabel = "NAME", description = "A registered session judge (repeatable).")
    List<String> judges = List.of();

    @Option(names = "--max-turns", defaultValue = "10", description = "Turns per conversation at most (default: "
            + "${DEFAULT-VALUE}).")
    int maxTurns;

    @Option(names = "--concurrency", defaultValue = "10", description = "Conversations at once (default: "
            + "${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--run-name", paramLabel = "NAME", description = "The simulation run's name.")
    String runName;

    @Option(names = "--job", paramLabel = "JOB_ID", description = "Follow a simulation already started.")
    String job;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        OspreyClient client = target.client();
        SimulationClient simulation = client.simulation();
        return CliJobs.follow("simulate", "Simulation job", err, () -> job != null ? job : start(client, simulation),
                id -> simulation.await(id, Duration.ofMillis(500), this::progress), this::report);
    }

    private String start(OspreyClient client, SimulationClient simulation) {
        if (target.experiment == null || (cases == null) == (dataset == null)
                || (agentUrl == null) == (agentEndpoint == null)) {
            err.println("osprey simulate: give --experiment, the test cases (--cases FILE or --dataset ID) and the "
                    + "agent (--agent-url URL or --agent-endpoint NAME), or --job to follow a simulation.");
            return null;
        }
        String experimentId = CliJobs.experimentId(client, target.experiment).orElse(null);
        if (experimentId == null) {
            err.println("osprey simulate: no experiment named '" + target.experiment + "'.");
            return null;
        }
        List<SimulationCase> list = new ArrayList<>();
        if (cases != null) {
            try {
                list = readCases(cases);
            } catch (IOException | IllegalArgumentException e) {
                err.println("osprey simulate: cannot use " + cases + ": " + e.getMessage());
                return null;
            }
        }
        ObjectNode agent = agentEndpoint != null ? Json.object().put("type", "gateway").put("endpoint", agentEndpoint)
                : Json.object().put("type", agentApi).put("url", agentUrl).put("model", agentModel);
        if (agentSecret != null) {
            agent.put("secret_id", agentSecret);
        }
        if (agentStream && agentEndpoint == null) {
            agent.put("stream", true);
        }
        ServerRequest request = ServerRequest.of(experimentId, list, "", "").withAgent(agent).judgedBy(judges)
                .bounded(maxTurns, concurrency);
        if (dataset != null) {
            request = request.fromDataset(dataset);
        }
        if (userModel != null) {
            request = request.withUserModel(userModel);
        }
        if (runName != null) {
            request = request.named(runName);
        }
        return simulation.start(request).jobId();
    }

    /** A JSON list of cases, or one case per line (blank lines skipped); each checked as the server checks it. */
    static List<SimulationCase> readCases(Path file) throws IOException {
        String text = Files.readString(file).strip();
        List<JsonNode> nodes = new ArrayList<>();
        if (text.startsWith("[")) {
            Json.read(text).forEach(nodes::add);
        } else {
            for (String line : text.split("\\R")) {
                if (!line.isBlank()) {
                    nodes.add(Json.read(line));
                }
            }
        }
        List<SimulationCase> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            try {
                out.add(SimulationCase.fromJson(nodes.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("test case " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("it holds no test cases.");
        }
        return out;
    }

    /** {@code [#####.....]  50%  5/10 conversations  RUNNING}. */
    private void progress(ServerJob j) {
        double done = j.total() > 0 ? (double) j.completed() / j.total() : j.finished() ? 1.0 : 0.0;
        CliJobs.progressBar(err, done, String.format("%3d%%  %d/%d conversations  %s",
                Math.round(100 * Math.min(1.0, done)), j.completed(), j.total(), j.status()));
    }

    private int report(ServerJob j) {
        if (!j.status().equals("SUCCEEDED") || j.result().isEmpty()) {
            err.println("osprey simulate: job " + j.jobId() + " ended " + j.status() + j.error().map(e -> ": " + e)
                    .orElse(""));
            return 1;
        }
        JsonNode s = j.result().get().path("summary");
        long conversations = s.path("conversations").asLong();
        long turns = Math.max(1, s.path("turns").asLong());
        out.printf("%d conversations, %d reached their goal (%.0f%%), %d failed%n", conversations,
                s.path("goal_achieved").asLong(), 100 * s.path("goal_achieved_rate").asDouble(),
                s.path("errors").asLong());
        out.printf("%d turns (%.1f per conversation); per turn: agent %.0f ms, simulator %.0f ms%n",
                s.path("turns").asLong(), s.path("mean_turns").asDouble(), s.path("agent_ms").asDouble() / turns,
                s.path("simulator_ms").asDouble() / turns);
        for (Map.Entry<String, JsonNode> judge : j.result().get().path("judges").properties()) {
            JsonNode v = judge.getValue();
            out.printf("judge %s: %d passed, %d failed, %d errors%s%n", judge.getKey(), v.path("passed").asLong(),
                    v.path("failed").asLong(), v.path("errors").asLong(), v.has("mean")
                            ? String.format(" (mean %.2f)", v.path("mean").asDouble()) : "");
        }
        out.println("run " + j.runId().orElse("-") + Optional.ofNullable(runName).map(n -> " (" + n + ")").orElse(""));
        return 0;
    }
}
