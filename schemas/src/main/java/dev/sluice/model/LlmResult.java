package dev.sluice.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The terminal result of a request. Optional parts are null: error (when SUCCEEDED), output,
 * outputJson, finishReason, provider, model, variant, webhook, duplicateOf, routedAt, startedAt.
 */
public record LlmResult(
        String requestId,
        String tenantId,
        String idempotencyKey,
        ResultStatus status,
        ResultError error,
        String output,
        String outputJson,
        String finishReason,
        String provider,
        String model,
        List<Attempt> attempts,
        Usage usage,
        long costMicros,
        CacheHit cacheHit,
        boolean batch,
        String variant,
        String webhook,
        String duplicateOf,
        Instant createdAt,
        Instant routedAt,
        Instant startedAt,
        Instant completedAt,
        Map<String, String> metadata,
        boolean injectionFlagged) {

    public LlmResult {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(completedAt, "completedAt");
        idempotencyKey = idempotencyKey == null ? requestId : idempotencyKey;
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        usage = usage == null ? Usage.ZERO : usage;
        cacheHit = cacheHit == null ? CacheHit.NONE : cacheHit;
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** A builder seeded with what the request already says. */
    public static Builder forRequest(LlmRequest request) {
        Builder b = new Builder();
        b.requestId = request.requestId();
        b.tenantId = request.tenantId();
        b.idempotencyKey = request.effectiveIdempotencyKey();
        b.webhook = request.webhook();
        b.createdAt = request.createdAt();
        b.metadata = request.metadata();
        return b;
    }

    /**
     * A builder seeded with what the job says: the request, when it was routed, its A/B variant
     * and whether its prompt was flagged as a possible injection.
     */
    public static Builder forJob(LlmJob job) {
        return forRequest(job.request())
                .routedAt(job.routedAt())
                .variant(job.variant())
                .injectionFlagged(job.injectionFlagged());
    }

    /** A REJECTED result: the request never reached a provider. */
    public static LlmResult rejected(LlmRequest request, String code, String message, Instant at) {
        return forRequest(request)
                .status(ResultStatus.REJECTED)
                .error(new ResultError(code, message, false))
                .completedAt(at)
                .build();
    }

    /**
     * This result without its bulk (output, parsed output, metadata), for when it is too large for
     * its topic: a SUCCEEDED result becomes FAILED with {@code code} and {@code message}; any other
     * keeps its status and reason. Usage and cost stay: the provider calls were made and billed.
     */
    public LlmResult withoutBulk(String code, String message) {
        Builder b = toBuilder().output(null).outputJson(null);
        b.metadata = Map.of();
        if (status == ResultStatus.SUCCEEDED) {
            b.status(ResultStatus.FAILED).error(new ResultError(code, message, false));
        }
        return b.build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.requestId = requestId;
        b.tenantId = tenantId;
        b.idempotencyKey = idempotencyKey;
        b.status = status;
        b.error = error;
        b.output = output;
        b.outputJson = outputJson;
        b.finishReason = finishReason;
        b.provider = provider;
        b.model = model;
        b.attempts.addAll(attempts);
        b.usage = usage;
        b.costMicros = costMicros;
        b.cacheHit = cacheHit;
        b.batch = batch;
        b.variant = variant;
        b.webhook = webhook;
        b.duplicateOf = duplicateOf;
        b.createdAt = createdAt;
        b.routedAt = routedAt;
        b.startedAt = startedAt;
        b.completedAt = completedAt;
        b.metadata = metadata;
        b.injectionFlagged = injectionFlagged;
        return b;
    }

    /** Builds a result step by step; a worker learns its parts one provider call at a time. */
    public static final class Builder {
        private String requestId;
        private String tenantId;
        private String idempotencyKey;
        private ResultStatus status;
        private ResultError error;
        private String output;
        private String outputJson;
        private String finishReason;
        private String provider;
        private String model;
        private final List<Attempt> attempts = new ArrayList<>();
        private Usage usage = Usage.ZERO;
        private long costMicros;
        private CacheHit cacheHit = CacheHit.NONE;
        private boolean batch;
        private String variant;
        private String webhook;
        private String duplicateOf;
        private Instant createdAt;
        private Instant routedAt;
        private Instant startedAt;
        private Instant completedAt;
        private Map<String, String> metadata = Map.of();
        private boolean injectionFlagged;

        private Builder() {}

        public Builder status(ResultStatus v) {
            status = v;
            return this;
        }

        public Builder error(ResultError v) {
            error = v;
            return this;
        }

        public Builder output(String v) {
            output = v;
            return this;
        }

        public Builder outputJson(String v) {
            outputJson = v;
            return this;
        }

        public Builder finishReason(String v) {
            finishReason = v;
            return this;
        }

        public Builder provider(String v) {
            provider = v;
            return this;
        }

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder addAttempt(Attempt v) {
            attempts.add(v);
            return this;
        }

        public Builder usage(Usage v) {
            usage = v;
            return this;
        }

        public Builder costMicros(long v) {
            costMicros = v;
            return this;
        }

        public Builder cacheHit(CacheHit v) {
            cacheHit = v;
            return this;
        }

        public Builder batch(boolean v) {
            batch = v;
            return this;
        }

        public Builder variant(String v) {
            variant = v;
            return this;
        }

        public Builder webhook(String v) {
            webhook = v;
            return this;
        }

        public Builder duplicateOf(String v) {
            duplicateOf = v;
            return this;
        }

        public Builder routedAt(Instant v) {
            routedAt = v;
            return this;
        }

        public Builder startedAt(Instant v) {
            startedAt = v;
            return this;
        }

        public Builder completedAt(Instant v) {
            completedAt = v;
            return this;
        }

        public Builder injectionFlagged(boolean v) {
            injectionFlagged = v;
            return this;
        }

        public LlmResult build() {
            return new LlmResult(
                    requestId,
                    tenantId,
                    idempotencyKey,
                    status,
                    error,
                    output,
                    outputJson,
                    finishReason,
                    provider,
                    model,
                    attempts,
                    usage,
                    costMicros,
                    cacheHit,
                    batch,
                    variant,
                    webhook,
                    duplicateOf,
                    createdAt,
                    routedAt,
                    startedAt,
                    completedAt,
                    metadata,
                    injectionFlagged);
        }
    }
}
