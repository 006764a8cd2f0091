package dev.sluice.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A provider batch as Sluice tracks it on llm.batches; the custom_id of each line is the
 * requestId. A SUBMITTED batch without a {@code providerBatchId} is an intent: written before the
 * provider was asked, so that a crash in between leaves a record to find the batch by.
 *
 * @param jobs where each job is on llm.jobs.batch, in line order
 * @param redriven lines sent through the synchronous path again
 * @param detail the provider's own status, or why the batch failed
 */
public record ProviderBatch(
        String batchId,
        String provider,
        String model,
        String providerBatchId,
        BatchState state,
        List<String> requestIds,
        int succeeded,
        int failed,
        int expired,
        Instant createdAt,
        Instant updatedAt,
        List<BatchJob> jobs,
        int redriven,
        String detail) {
    public ProviderBatch {
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(state, "state");
        requestIds = List.copyOf(requestIds);
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
    }

    public ProviderBatch(
            String batchId,
            String provider,
            String model,
            String providerBatchId,
            BatchState state,
            List<String> requestIds,
            int succeeded,
            int failed,
            int expired,
            Instant createdAt,
            Instant updatedAt) {
        this(
                batchId,
                provider,
                model,
                providerBatchId,
                state,
                requestIds,
                succeeded,
                failed,
                expired,
                createdAt,
                updatedAt,
                List.of(),
                0,
                null);
    }

    /** An intent: the jobs chosen, the provider not asked yet. */
    public static ProviderBatch intent(String batchId, String provider, String model, List<BatchJob> jobs, Instant at) {
        return new ProviderBatch(
                batchId,
                provider,
                model,
                null,
                BatchState.SUBMITTED,
                jobs.stream().map(BatchJob::requestId).toList(),
                0,
                0,
                0,
                at,
                at,
                jobs,
                0,
                null);
    }

    /** True for an intent: recorded before the provider was asked, or while its answer is unknown. */
    public boolean unconfirmed() {
        return providerBatchId == null && state == BatchState.SUBMITTED;
    }

    /** True once nothing more will happen to the batch's lines. */
    public boolean finished() {
        return state == BatchState.COLLECTED || state == BatchState.FAILED || state == BatchState.CANCELLED;
    }

    public ProviderBatch submitted(String providerId, Instant at) {
        return new ProviderBatch(
                batchId,
                provider,
                model,
                providerId,
                BatchState.SUBMITTED,
                requestIds,
                0,
                0,
                0,
                createdAt,
                at,
                jobs,
                0,
                detail);
    }

    public ProviderBatch withState(BatchState next, String newDetail, Instant at) {
        return new ProviderBatch(
                batchId,
                provider,
                model,
                providerBatchId,
                next,
                requestIds,
                succeeded,
                failed,
                expired,
                createdAt,
                at,
                jobs,
                redriven,
                newDetail);
    }

    public ProviderBatch counted(int ok, int bad, int gone, int again, Instant at) {
        return new ProviderBatch(
                batchId,
                provider,
                model,
                providerBatchId,
                state,
                requestIds,
                ok,
                bad,
                gone,
                createdAt,
                at,
                jobs,
                again,
                detail);
    }
}
