package dev.sluice.model;

import java.time.Instant;

/** One provider call made for a request. {@code httpStatus} is null when no response arrived. */
public record Attempt(
        String provider, String model, String outcome, Integer httpStatus, long latencyMs, Instant startedAt) {
    public static final String OK = "ok";

    public boolean succeeded() {
        return OK.equals(outcome);
    }
}
