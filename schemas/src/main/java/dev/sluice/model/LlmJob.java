package dev.sluice.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A routed job: the request plus what the router decided. {@code tier} is never AUTO. */
public record LlmJob(
        LlmRequest request,
        Tier tier,
        List<String> modelChain,
        int estimatedInputTokens,
        long estimatedCostMicros,
        String cacheKey,
        String variant,
        String routeReason,
        int attempt,
        boolean batchEligible,
        boolean injectionFlagged,
        Instant routedAt) {

    public LlmJob {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(routedAt, "routedAt");
        modelChain = List.copyOf(modelChain);
        routeReason = routeReason == null ? "" : routeReason;
    }

    public String requestId() {
        return request.requestId();
    }

    public String tenantId() {
        return request.tenantId();
    }
}
