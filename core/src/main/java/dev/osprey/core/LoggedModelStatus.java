package dev.osprey.core;

import java.util.Optional;

/** A logged model's upload state, with MLflow's enum names and numbers. */
public enum LoggedModelStatus {
    LOGGED_MODEL_STATUS_UNSPECIFIED(0),
    LOGGED_MODEL_PENDING(1),
    LOGGED_MODEL_READY(2),
    LOGGED_MODEL_UPLOAD_FAILED(3);

    private final int number;

    LoggedModelStatus(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static Optional<LoggedModelStatus> ofNumber(int number) {
        for (LoggedModelStatus s : values()) {
            if (s.number == number) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public static Optional<LoggedModelStatus> ofName(String name) {
        for (LoggedModelStatus s : values()) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
