package dev.osprey.eval;

import java.util.function.Function;

/**
 * Judges one item. Java lambdas and classes are scorers; a scorer that throws is reported as an error on its
 * feedback by {@link #safely}, never as a failed evaluation.
 */
public interface Scorer {

    String name();

    Feedback score(EvalItem item);

    /** Whether it judges a whole conversation (a session) rather than one trace. */
    default boolean sessionLevel() {
        return false;
    }

    /** A code scorer from a function returning the value. */
    static Scorer of(String name, Function<EvalItem, FeedbackValue> judge) {
        return new Scorer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Feedback score(EvalItem item) {
                return Feedback.of(name, judge.apply(item), "", Feedback.CODE);
            }
        };
    }

    /** {@link #score}, with anything it throws turned into an error feedback. */
    default Feedback safely(EvalItem item) {
        try {
            return score(item);
        } catch (RuntimeException e) {
            return Feedback.error(name(), Feedback.CODE, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
