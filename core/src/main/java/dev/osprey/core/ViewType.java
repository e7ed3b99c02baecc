package dev.osprey.core;

import java.util.Set;

/** Which lifecycle stages a search returns. Numbers are the proto enum values. */
public enum ViewType {
    ACTIVE_ONLY(1, Set.of(LifecycleStage.ACTIVE)),
    DELETED_ONLY(2, Set.of(LifecycleStage.DELETED)),
    ALL(3, Set.of(LifecycleStage.ACTIVE, LifecycleStage.DELETED));

    private final int number;
    private final Set<LifecycleStage> stages;

    ViewType(int number, Set<LifecycleStage> stages) {
        this.number = number;
        this.stages = stages;
    }

    public int number() {
        return number;
    }

    public Set<LifecycleStage> stages() {
        return stages;
    }
}
