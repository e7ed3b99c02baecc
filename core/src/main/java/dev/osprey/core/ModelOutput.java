package dev.osprey.core;

import java.util.Objects;

/** A logged model produced by a run at a step. */
public record ModelOutput(String modelId, long step) {
    public ModelOutput {
        Objects.requireNonNull(modelId, "modelId");
    }
}
