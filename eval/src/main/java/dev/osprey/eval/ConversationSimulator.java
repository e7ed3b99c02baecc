package dev.osprey.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Multi-turn conversations between a simulated user and an agent (MLflow's {@code ConversationSimulator}): each case
 * gets a session id; on every turn the user writes, the agent answers, and a goal check asks the checking model whether
 * the user's goal is now met (yes stops the conversation); {@code maxTurns} bounds it. An empty answer ends the
 * conversation; an agent or model that fails ends that conversation with its error while the others go on.
 * Conversations run concurrently, at most {@code concurrency} at a time.
 */
public final class ConversationSimulator {
    private final SimulatedUser user;
    private final JudgeModel goalCheck;
    private final int maxTurns;
    private final int concurrency;

    public ConversationSimulator(SimulatedUser user, JudgeModel goalCheck, int maxTurns, int concurrency) {
        if (maxTurns < 1 || concurrency < 1) {
            throw new IllegalArgumentException("max_turns and concurrency must be at least 1.");
        }
        this.user = user;
        this.goalCheck = goalCheck;
        this.maxTurns = maxTurns;
        this.concurrency = concurrency;
    }

    /** Time spent per part of a conversation, as MLflow reports it: the user model, the agent, the goal checks. */
    public record Timings(long userMillis, long agentMillis, long goalCheckMillis) {}

    /**
     * One turn as it happened: the user's message, the agent's reply (empty when the agent failed or said nothing),
     * the trace the turn is recorded as, and when it ran.
     *
     * @param index 0 for the first turn
     * @param goalCheck the goal check's verdict after this turn, when it ran
     */
    public record Exchange(int index, String user, Optional<String> reply, TraceContext trace, long startMs,
            long endMs, Optional<GoalCheck> goalCheck) {}

    /** The goal check's answer: met or not, and why. */
    public record GoalCheck(boolean met, String rationale) {}

    /** Hears of a simulation as it goes: each turn as it ends, each conversation as it ends. */
    public interface Listener {
        default void onTurn(SimulationCase simulationCase, String sessionId, Exchange exchange) {}

        void onDone(Conversation conversation);
    }

    /**
     * One simulated conversation.
     *
     * @param goalAchieved whether the goal check said yes (on the last turn)
     * @param error why the conversation ended early, when something failed
     */
    public record Conversation(SimulationCase simulationCase, String sessionId, List<EvalItem.Turn> turns,
            boolean goalAchieved, Optional<String> error, Timings timings, List<Exchange> exchanges) {
        public Conversation {
            turns = List.copyOf(turns);
            exchanges = List.copyOf(exchanges);
        }

        /** The conversation as an item for session-level judges, with the case's session-level expectations. */
        public EvalItem item() {
            return EvalItem.session(turns, simulationCase.expectations());
        }
    }

    /** Runs every case; the listener hears of every turn and conversation as it ends. */
    public List<Conversation> run(List<SimulationCase> cases, ConversationAgent agent, Listener listener) {
        Semaphore slots = new Semaphore(concurrency);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Conversation>> futures = new ArrayList<>();
            for (SimulationCase c : cases) {
                futures.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        Conversation done = converse(c, agent, listener);
                        listener.onDone(done);
                        return done;
                    } finally {
                        slots.release();
                    }
                }));
            }
            List<Conversation> out = new ArrayList<>();
            for (Future<Conversation> f : futures) {
                try {
                    out.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("A simulated conversation failed unexpectedly", e.getCause());
                }
            }
            return out;
        }
    }

    /** One conversation, turn by turn. */
    Conversation converse(SimulationCase c, ConversationAgent agent, Listener listener) {
        return converse(c, agent, listener, newSessionId());
    }

    /** A fresh session id in MLflow's simulator form ({@code sim-} and 16 hex digits). */
    public static String newSessionId() {
        return "sim-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** One conversation under a given session id (a resumed simulation keeps its own ids). */
    public Conversation converse(SimulationCase c, ConversationAgent agent, Listener listener, String sessionId) {
        List<EvalItem.Turn> turns = new ArrayList<>();
        List<Exchange> exchanges = new ArrayList<>();
        long userMs = 0;
        long agentMs = 0;
        long checkMs = 0;
        boolean achieved = false;
        Optional<String> error = Optional.empty();
        for (int turn = 0; turn < maxTurns && !achieved && !Thread.currentThread().isInterrupted(); turn++) {
            long t0 = System.nanoTime();
            String message;
            try {
                message = user.nextMessage(c, List.copyOf(turns));
            } catch (RuntimeException e) {
                error = Optional.of("The simulated user failed on turn " + (turn + 1) + ": " + e.getMessage());
                break;
            }
            long t1 = System.nanoTime();
            userMs += (t1 - t0) / 1_000_000;
            turns.add(new EvalItem.Turn("user", message));
            TraceContext trace = TraceContext.random();
            long startMs = System.currentTimeMillis();
            String reply;
            try {
                reply = agent.respond(List.copyOf(turns), sessionId, c.context(), trace);
                if (reply == null || reply.isBlank()) {
                    error = Optional.of("The agent gave an empty answer on turn " + (turn + 1) + ".");
                }
            } catch (RuntimeException e) {
                reply = null;
                error = Optional.of("The agent failed on turn " + (turn + 1) + ": " + e.getMessage());
            } finally {
                agentMs += (System.nanoTime() - t1) / 1_000_000;
            }
            if (error.isPresent()) {
                Exchange failed = new Exchange(turn, message, Optional.empty(), trace, startMs,
                        System.currentTimeMillis(), Optional.empty());
                exchanges.add(failed);
                listener.onTurn(c, sessionId, failed);
                break;
            }
            long endMs = System.currentTimeMillis();
            turns.add(new EvalItem.Turn("assistant", reply));
            long t2 = System.nanoTime();
            GoalCheck check = goalMet(c, turns);
            checkMs += (System.nanoTime() - t2) / 1_000_000;
            achieved = check.met();
            Exchange done = new Exchange(turn, message, Optional.of(reply), trace, startMs, endMs, Optional.of(check));
            exchanges.add(done);
            listener.onTurn(c, sessionId, done);
        }
        return new Conversation(c, sessionId, turns, achieved, error, new Timings(userMs, agentMs, checkMs),
                exchanges);
    }

    /** The goal check: has the assistant's last answer (with what came before) met the user's goal? */
    private GoalCheck goalMet(SimulationCase c, List<EvalItem.Turn> turns) {
        String prompt = "A user talks to an AI assistant with this goal: " + c.goal() + "\n\nConversation:\n"
                + Conversations.format(turns) + "\nIs the user's goal fully achieved now, by the assistant's last "
                + "answer together with what came before? Answer {\"rationale\": \"...\", \"result\": \"yes\"} or "
                + "{\"rationale\": \"...\", \"result\": \"no\"}.";
        try {
            String reply = goalCheck.complete("You decide whether a conversation has reached its user's goal. Reply "
                    + "with a single JSON object and nothing else.", prompt);
            Optional<JsonNode> verdict = LlmJudge.parseObject(reply);
            return verdict.map(v -> new GoalCheck(Labels.of(v.path("result")).orElse("no").equals("yes"),
                    v.path("rationale").asText(""))).orElse(new GoalCheck(false, "The goal check's answer was not "
                    + "JSON."));
        } catch (JudgeModel.JudgeModelException e) {
            // an unanswered check keeps the conversation going, as MLflow's does
            return new GoalCheck(false, "The goal check failed: " + e.getMessage());
        }
    }
}
