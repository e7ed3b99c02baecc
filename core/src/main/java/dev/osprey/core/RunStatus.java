package dev.osprey.core;

/** Run status; numbers are the proto enum values (clients may send either). */
public enum RunStatus {
    RUNNING(1),
    SCHEDULED(2),
    FINISHED(3),
    FAILED(4),
    KILLED(5);

    private final int number;

    RunStatus(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
