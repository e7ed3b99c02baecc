package dev.osprey.core;

/** Soft-delete state of experiments and runs; on the wire as the lowercase names. */
public enum LifecycleStage {
    ACTIVE("active"),
    DELETED("deleted");

    private final String wireName;

    LifecycleStage(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static LifecycleStage fromWire(String name) {
        return "deleted".equals(name) ? DELETED : ACTIVE;
    }
}
