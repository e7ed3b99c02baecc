package dev.osprey.core;

/** A trace's state with MLflow's TraceInfoV3 enum names. */
public enum TraceState {
    STATE_UNSPECIFIED,
    OK,
    ERROR,
    IN_PROGRESS
}
