package dev.sluice.model;

/** Terminal outcome of a request. */
public enum ResultStatus {
    SUCCEEDED,
    FAILED,
    REJECTED,
    EXPIRED,
    CANCELLED
}
