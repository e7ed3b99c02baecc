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
import java.util.function.Consumer;

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
     * One simulated conversation.
     *
     * @param goalAchieved whether the goal check said yes (on the last turn)
     * @param error why the conversation ended early, when something failed
     */
    public record Conversation(SimulationCase simulationCase, String sessionId, List<EvalItem.Turn> turns,
            boolean goalAchieved, Optional<String> error, Timings timings) {
        public Conversation {
            turns = List.copyOf(turns);
        }

        /** The conversation as an item for session-level judges. */
        public EvalItem item() {
            return EvalItem.session(turns);
        }
    }

    /** Runs every case; {@code onDone} hears of each conversation as it finishes (progress). */
    public List<Conversation> run(List<SimulationCase> cases, ConversationAgent agent, Consumer<Conversation> onDone) {
        Semaphore slots = new Semaphore(concurrency);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Conversation>> futures = new ArrayList<>();
            for (SimulationCase c : cases) {
                futures.add(pool.submit(() -> {
                    slots.acquire();
                    try {
                        Conversation done = converse(c, agent);
                        onDone.accept(done);
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
    Conversation converse(SimulationCase c, ConversationAgent agent) {
        String sessionId = "sim-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        List<EvalItem.Turn> turns = new ArrayList<>();
        long userMs = 0;
        long agentMs = 0;
        long checkMs = 0;
        boolean achieved = false;
        Optional<String> error = Optional.empty();
        for (int turn = 0; turn < maxTurns && !achieved; turn++) {
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
            String reply;
            try {
                reply = agent.respond(List.copyOf(turns), sessionId, c.context());
            } catch (RuntimeException e) {
                error = Optional.of("The agent failed on turn " + (turn + 1) + ": " + e.getMessage());
                break;
            } finally {
                agentMs += (System.nanoTime() - t1) / 1_000_000;
            }
            if (reply == null || reply.isBlank()) {
                error = Optional.of("The agent gave an empty answer on turn " + (turn + 1) + ".");
                break;
            }
            turns.add(new EvalItem.Turn("assistant", reply));
            long t2 = System.nanoTime();
            achieved = goalMet(c, turns);
            checkMs += (System.nanoTime() - t2) / 1_000_000;
        }
        return new Conversation(c, sessionId, turns, achieved, error, new Timings(userMs, agentMs, checkMs));
    }

    /** The goal check: has the assistant's last answer (with what came before) met the user's goal? */
    private boolean goalMet(SimulationCase c, List<EvalItem.Turn> turns) {
        String prompt = "A user talks to an AI assistant with this goal: " + c.goal() + "\n\nConversation:\n"
                + Conversations.format(turns) + "\nIs the user's goal fully achieved now, by the assistant's last "
                + "answer together with what came before? Answer {\"rationale\": \"...\", \"result\": \"yes\"} or "
                + "{\"rationale\": \"...\", \"result\": \"no\"}.";
        try {
            String reply = goalCheck.complete("You decide whether a conversation has reached its user's goal. Reply "
                    + "with a single JSON object and nothing else.", prompt);
            Optional<JsonNode> verdict = LlmJudge.parseObject(reply);
            return verdict.map(v -> Labels.of(v.path("result")).orElse("no").equals("yes")).orElse(false);
        } catch (JudgeModel.JudgeModelException e) {
            return false; // an unanswered check keeps the conversation going, as MLflow's does
        }
    }
}
