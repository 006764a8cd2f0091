package dev.sluice.model;

import java.util.Objects;

/** One job of a provider batch: its request and where the job is on llm.jobs.batch. */
public record BatchJob(String requestId, String tenantId, int partition, long offset) {
    public BatchJob {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
    }
}
