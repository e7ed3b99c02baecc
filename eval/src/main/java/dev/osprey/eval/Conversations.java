package dev.osprey.eval;

import java.util.List;

/** Conversations as text for prompts: one {@code role: content} line per message. */
final class Conversations {
    private Conversations() {}

    static String format(List<EvalItem.Turn> turns) {
        StringBuilder out = new StringBuilder();
        turns.forEach(t -> out.append(t.role()).append(": ").append(t.content()).append('\n'));
        return out.toString();
    }
}
