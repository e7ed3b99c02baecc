package dev.osprey.eval;

import java.util.Objects;
import java.util.Optional;

/**
 * One scorer's verdict on one item. A scorer that could not judge reports an {@code error} (and no value) instead of
 * failing the evaluation.
 *
 * @param source who judged: {@code CODE} for deterministic scorers, {@code LLM_JUDGE} for judges
 */
public record Feedback(String name, Optional<FeedbackValue> value, Optional<String> rationale, String source,
        Optional<String> error) {
    public static final String CODE = "CODE";
    public static final String LLM_JUDGE = "LLM_JUDGE";

    public Feedback {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(rationale, "rationale");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(error, "error");
        if (value.isPresent() == error.isPresent()) {
            throw new IllegalArgumentException("A feedback has either a value or an error.");
        }
    }

    public static Feedback of(String name, FeedbackValue value, String rationale, String source) {
        return new Feedback(name, Optional.of(value), Optional.of(rationale).filter(r -> !r.isEmpty()), source,
                Optional.empty());
    }

    public static Feedback error(String name, String source, String error) {
        return new Feedback(name, Optional.empty(), Optional.empty(), source, Optional.of(error));
    }

    /** Whether the value counts as a pass: true, a positive number, or the label "yes"/"pass". */
    public boolean passed() {
        return value.map(v -> switch (v) {
            case FeedbackValue.Bool b -> b.value();
            case FeedbackValue.Number n -> n.value() > 0;
            case FeedbackValue.Text t -> t.value().equalsIgnoreCase("yes") || t.value().equalsIgnoreCase("pass");
        }).orElse(false);
    }
}
