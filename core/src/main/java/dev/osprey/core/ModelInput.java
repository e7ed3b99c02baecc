package dev.osprey.core;

import java.util.Objects;

/** A logged model used as an input of a run. */
public record ModelInput(String modelId) {
    public ModelInput {
        Objects.requireNonNull(modelId, "modelId");
    }
}
