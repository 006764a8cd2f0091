package dev.sluice.model;

import java.time.Instant;
import java.util.Objects;

/** A job's state at a moment; {@code detail} is a reason code or model, {@code batchId} set in a batch. */
public record JobStatus(
        String requestId, String tenantId, JobState state, String detail, String batchId, Instant updatedAt) {
    public JobStatus {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public static JobStatus of(String requestId, String tenantId, JobState state, String detail, Instant at) {
        return new JobStatus(requestId, tenantId, state, detail, null, at);
    }
}
