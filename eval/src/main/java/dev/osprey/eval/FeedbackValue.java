package dev.osprey.eval;

import java.util.Objects;

/** What a scorer concluded: yes/no, a number, or a label (MLflow's feedback value types). */
public sealed interface FeedbackValue {

    record Bool(boolean value) implements FeedbackValue {}

    record Number(double value) implements FeedbackValue {}

    record Text(String value) implements FeedbackValue {
        public Text {
            Objects.requireNonNull(value, "value");
        }
    }

    static FeedbackValue of(boolean value) {
        return new Bool(value);
    }

    static FeedbackValue of(double value) {
        return new Number(value);
    }

    static FeedbackValue of(String value) {
        return new Text(value);
    }
}
