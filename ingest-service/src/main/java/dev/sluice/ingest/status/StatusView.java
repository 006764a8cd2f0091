package dev.sluice.ingest.status;

import dev.sluice.model.JobStatus;

/**
 * A job's status as {@code GET /v1/jobs/{id}} and each status event show it. Every field is always
 * present (null when unset), so clients can rely on the shape; {@code terminal} says the job is
 * over and nothing will follow.
 */
record StatusView(
        String requestId,
        String tenantId,
        String state,
        String detail,
        String batchId,
        String updatedAt,
        boolean terminal) {

    static StatusView of(JobStatus s) {
        return new StatusView(
                s.requestId(),
                s.tenantId(),
                s.state().name(),
                s.detail(),
                s.batchId(),
                s.updatedAt().toString(),
                s.state().isTerminal());
    }
}
