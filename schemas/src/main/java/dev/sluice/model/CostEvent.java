package dev.sluice.model;

import java.time.Instant;
import java.util.Objects;

/** One provider call's actual spend; eventId is unique per call so consumers can de-duplicate. */
public record CostEvent(
        String eventId,
        String requestId,
        String tenantId,
        String provider,
        String model,
        Usage usage,
        long costMicros,
        CostBasis basis,
        String batchId,
        Instant occurredAt) {
    public CostEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(tenantId, "tenantId");
        usage = usage == null ? Usage.ZERO : usage;
        basis = basis == null ? CostBasis.SYNC : basis;
    }
}
