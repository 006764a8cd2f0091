package dev.sluice.model;

import java.time.Instant;
import java.util.List;

/** A provider batch as Sluice tracks it; custom_id of each line is the requestId. */
public record ProviderBatch(String batchId, String provider, String model, String providerBatchId, BatchState state,
        List<String> requestIds, int succeeded, int failed, int expired, Instant createdAt, Instant updatedAt) {
    public ProviderBatch {
        requestIds = List.copyOf(requestIds);
    }
}
