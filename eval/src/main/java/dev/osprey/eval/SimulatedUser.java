package dev.osprey.eval;

import java.util.List;

/** Who talks to the agent in a simulation: a model playing the case's persona, or a scripted user. */
@FunctionalInterface
public interface SimulatedUser {

    /** The user's next message; {@code history} is empty on the first turn. */
    String nextMessage(SimulationCase simulationCase, List<EvalItem.Turn> history);
}
