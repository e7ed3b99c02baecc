package dev.osprey.eval;

import java.util.List;

/**
 * A simulated user played by a model: it is told the persona, the goal and the guidelines, and (after the first
 * turn) the conversation so far, and writes the next user message as a person would — pursuing the goal step by
 * step, never stating it outright at the start, never acting as the assistant.
 */
public final class LlmSimulatedUser implements SimulatedUser {
    private final JudgeModel model;

    public LlmSimulatedUser(JudgeModel model) {
        this.model = model;
    }

    @Override
    public String nextMessage(SimulationCase c, List<EvalItem.Turn> history) {
        StringBuilder prompt = new StringBuilder();
        prompt.append("Play a real person talking to an AI assistant. Write only that person's next message: one to "
                + "three plain, conversational sentences. Never act as the assistant, never answer your own "
                + "question, and keep to what the persona would plausibly know.\n\n")
                .append("Persona: ").append(c.personaOrDefault()).append('\n')
                .append("Goal (what you are after; pursue it step by step): ").append(c.goal()).append('\n');
        if (!c.guidelines().isEmpty()) {
            prompt.append("How to behave (these take precedence):\n");
            c.guidelines().forEach(g -> prompt.append("- ").append(g).append('\n'));
        }
        if (history.isEmpty()) {
            prompt.append("\nOpen the conversation with a concrete first question that leads toward the goal, "
                    + "without stating the whole goal.");
        } else {
            prompt.append("\nConversation so far:\n").append(Conversations.format(history))
                    .append("\nWrite your next message: follow up on what the assistant said and move toward the "
                            + "goal.");
        }
        return model.complete("You role-play a user in a conversation with an AI assistant.", prompt.toString())
                .strip();
    }
}
