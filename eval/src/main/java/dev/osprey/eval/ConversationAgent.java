package dev.osprey.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The agent a simulation talks to: the conversation so far in, its next reply out. */
@FunctionalInterface
public interface ConversationAgent {

    /**
     * The agent's reply to the last user turn.
     *
     * @param sessionId the conversation's id, the same on every turn (MLflow's {@code mlflow_session_id})
     * @param context the case's extra arguments for the agent
     * @throws RuntimeException when the agent cannot be reached or fails; the simulator ends that conversation with
     *     the error and goes on with the others
     */
    String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context);

    /**
     * {@link #respond(List, String, ObjectNode)} knowing the trace the turn is recorded as: an agent behind HTTP gets
     * it as a {@code traceparent} header, so its own spans join the turn's trace.
     */
    default String respond(List<EvalItem.Turn> messages, String sessionId, ObjectNode context, TraceContext trace) {
        return respond(messages, sessionId, context);
    }
}
