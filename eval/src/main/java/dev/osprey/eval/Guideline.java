package dev.osprey.eval;

import java.util.List;
import java.util.Objects;

/**
 * One rule an aligned judge learned (MemAlign's semantic memory).
 *
 * @param sourceTraceIds the traces whose human feedback it was distilled from; empty for a rule a person wrote, which
 *     no removal of feedback takes away
 */
public record Guideline(String text, List<String> sourceTraceIds) {
    public Guideline {
        Objects.requireNonNull(text, "text");
        sourceTraceIds = List.copyOf(sourceTraceIds);
    }
}
