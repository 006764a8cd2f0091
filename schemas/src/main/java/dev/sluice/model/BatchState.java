package dev.sluice.model;

/** Where a provider batch is, as Sluice tracks it. */
public enum BatchState {
    SUBMITTED,
    IN_PROGRESS,
    ENDED,
    COLLECTED,
    FAILED,
    CANCELLED
}
