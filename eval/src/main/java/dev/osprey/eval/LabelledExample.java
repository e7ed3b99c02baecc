package dev.osprey.eval;

import java.util.Objects;

/**
 * What a person concluded about one traced answer, the material judges are aligned with: the item as a judge sees it,
 * the person's label (normalized by {@link Labels}) and their rationale.
 *
 * @param traceId the trace the label was given on; aligned judges keep it so each memory leads back to its source
 */
public record LabelledExample(String traceId, EvalItem item, String label, String rationale) {
    public LabelledExample {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(rationale, "rationale");
    }
}
