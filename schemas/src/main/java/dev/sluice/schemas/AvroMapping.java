package dev.sluice.schemas;

import dev.sluice.model.ApiKey;
import dev.sluice.model.Attempt;
import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.BudgetPolicy;
import dev.sluice.model.CacheHit;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.DeadLetterReplay;
import dev.sluice.model.DisabledEndpoint;
import dev.sluice.model.Feedback;
import dev.sluice.model.InjectionPolicy;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.Message;
import dev.sluice.model.Priority;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Role;
import dev.sluice.model.SpendPeriod;
import dev.sluice.model.TenantConfig;
import dev.sluice.model.TenantSpend;
import dev.sluice.model.Tier;
import dev.sluice.model.Usage;
import dev.sluice.model.WebhookDelivery;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Converts between the Avro classes on the wire and the plain records services work with. This is
 * the one place that knows both; services see only {@code dev.sluice.model}.
 */
public final class AvroMapping {
    private AvroMapping() {}

    // ---- enums: same symbols on both sides, so they map by name ----

    static <T extends Enum<T>> T convert(Enum<?> value, Class<T> to) {
        return value == null ? null : Enum.valueOf(to, value.name());
    }

    private static <A, B> List<B> mapList(List<A> in, Function<A, B> f) {
        return in == null ? List.of() : in.stream().map(f).toList();
    }

    private static Map<String, String> strings(Map<String, String> in) {
        return in == null ? Map.of() : in;
    }

    private static ByteBuffer buffer(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    // ---- Message, ResponseFormat, Usage, ResultError, Attempt ----

    public static dev.sluice.avro.Message toAvro(Message m) {
        return new dev.sluice.avro.Message(convert(m.role(), dev.sluice.avro.Role.class), m.content(), m.cacheable());
    }

    public static Message fromAvro(dev.sluice.avro.Message m) {
        return new Message(convert(m.getRole(), Role.class), m.getContent(), m.getCacheable());
    }

    public static dev.sluice.avro.ResponseFormat toAvro(ResponseFormat f) {
        return f == null
                ? null
                : new dev.sluice.avro.ResponseFormat(
                        convert(f.type(), dev.sluice.avro.ResponseFormatType.class), f.jsonSchema(), f.schemaName());
    }

    public static ResponseFormat fromAvro(dev.sluice.avro.ResponseFormat f) {
        return f == null
                ? null
                : new ResponseFormat(
                        convert(f.getType(), ResponseFormat.Type.class), f.getJsonSchema(), f.getSchemaName());
    }

    public static dev.sluice.avro.Usage toAvro(Usage u) {
        return new dev.sluice.avro.Usage(
                u.inputTokens(), u.outputTokens(), u.cachedInputTokens(), u.cacheWriteTokens());
    }

    public static Usage fromAvro(dev.sluice.avro.Usage u) {
        return u == null
                ? Usage.ZERO
                : new Usage(u.getInputTokens(), u.getOutputTokens(), u.getCachedInputTokens(), u.getCacheWriteTokens());
    }

    public static dev.sluice.avro.ResultError toAvro(ResultError e) {
        return e == null ? null : new dev.sluice.avro.ResultError(e.code(), e.message(), e.retryable());
    }

    public static ResultError fromAvro(dev.sluice.avro.ResultError e) {
        return e == null ? null : new ResultError(e.getCode(), e.getMessage(), e.getRetryable());
    }

    public static dev.sluice.avro.Attempt toAvro(Attempt a) {
        return new dev.sluice.avro.Attempt(
                a.provider(), a.model(), a.outcome(), a.httpStatus(), a.latencyMs(), a.startedAt());
    }

    public static Attempt fromAvro(dev.sluice.avro.Attempt a) {
        return new Attempt(
                a.getProvider(), a.getModel(), a.getOutcome(), a.getHttpStatus(), a.getLatencyMs(), a.getStartedAt());
    }

    // ---- LlmRequest, LlmJob ----

    public static dev.sluice.avro.LlmRequest toAvro(LlmRequest r) {
        return dev.sluice.avro.LlmRequest.newBuilder()
                .setRequestId(r.requestId())
                .setTenantId(r.tenantId())
                .setIdempotencyKey(r.idempotencyKey())
                .setUserId(r.userId())
                .setPriority(convert(r.priority(), dev.sluice.avro.Priority.class))
                .setDeadline(r.deadline())
                .setModel(r.model())
                .setTier(convert(r.tier(), dev.sluice.avro.Tier.class))
                .setMessages(mapList(r.messages(), AvroMapping::toAvro))
                .setMaxOutputTokens(r.maxOutputTokens())
                .setTemperature(r.temperature())
                .setResponseFormat(toAvro(r.responseFormat()))
                .setWebhook(r.webhook())
                .setMetadata(r.metadata())
                .setCreatedAt(r.createdAt())
                .build();
    }

    public static LlmRequest fromAvro(dev.sluice.avro.LlmRequest r) {
        return new LlmRequest(
                r.getRequestId(),
                r.getTenantId(),
                r.getIdempotencyKey(),
                r.getUserId(),
                convert(r.getPriority(), Priority.class),
                r.getDeadline(),
                r.getModel(),
                convert(r.getTier(), Tier.class),
                mapList(r.getMessages(), AvroMapping::fromAvro),
                r.getMaxOutputTokens(),
                r.getTemperature(),
                fromAvro(r.getResponseFormat()),
                r.getWebhook(),
                strings(r.getMetadata()),
                r.getCreatedAt());
    }

    public static dev.sluice.avro.LlmJob toAvro(LlmJob j) {
        return dev.sluice.avro.LlmJob.newBuilder()
                .setRequest(toAvro(j.request()))
                .setTier(convert(j.tier(), dev.sluice.avro.Tier.class))
                .setModelChain(j.modelChain())
                .setEstimatedInputTokens(j.estimatedInputTokens())
                .setEstimatedCostMicros(j.estimatedCostMicros())
                .setCacheKey(j.cacheKey())
                .setVariant(j.variant())
                .setRouteReason(j.routeReason())
                .setAttempt(j.attempt())
                .setBatchEligible(j.batchEligible())
                .setInjectionFlagged(j.injectionFlagged())
                .setRoutedAt(j.routedAt())
                .build();
    }

    public static LlmJob fromAvro(dev.sluice.avro.LlmJob j) {
        return new LlmJob(
                fromAvro(j.getRequest()),
                convert(j.getTier(), Tier.class),
                j.getModelChain(),
                j.getEstimatedInputTokens(),
                j.getEstimatedCostMicros(),
                j.getCacheKey(),
                j.getVariant(),
                j.getRouteReason(),
                j.getAttempt(),
                j.getBatchEligible(),
                j.getInjectionFlagged(),
                j.getRoutedAt());
    }

    // ---- LlmResult, CostEvent ----

    public static dev.sluice.avro.LlmResult toAvro(LlmResult r) {
        return dev.sluice.avro.LlmResult.newBuilder()
                .setRequestId(r.requestId())
                .setTenantId(r.tenantId())
                .setIdempotencyKey(r.idempotencyKey())
                .setStatus(convert(r.status(), dev.sluice.avro.ResultStatus.class))
                .setError(toAvro(r.error()))
                .setOutput(r.output())
                .setOutputJson(r.outputJson())
                .setFinishReason(r.finishReason())
                .setProvider(r.provider())
                .setModel(r.model())
                .setAttempts(mapList(r.attempts(), AvroMapping::toAvro))
                .setUsage(toAvro(r.usage()))
                .setCostMicros(r.costMicros())
                .setCacheHit(convert(r.cacheHit(), dev.sluice.avro.CacheHit.class))
                .setBatch(r.batch())
                .setVariant(r.variant())
                .setWebhook(r.webhook())
                .setDuplicateOf(r.duplicateOf())
                .setCreatedAt(r.createdAt())
                .setRoutedAt(r.routedAt())
                .setStartedAt(r.startedAt())
                .setCompletedAt(r.completedAt())
                .setMetadata(r.metadata())
                .setInjectionFlagged(r.injectionFlagged())
                .build();
    }

    public static LlmResult fromAvro(dev.sluice.avro.LlmResult r) {
        return new LlmResult(
                r.getRequestId(),
                r.getTenantId(),
                r.getIdempotencyKey(),
                convert(r.getStatus(), ResultStatus.class),
                fromAvro(r.getError()),
                r.getOutput(),
                r.getOutputJson(),
                r.getFinishReason(),
                r.getProvider(),
                r.getModel(),
                mapList(r.getAttempts(), AvroMapping::fromAvro),
                fromAvro(r.getUsage()),
                r.getCostMicros(),
                convert(r.getCacheHit(), CacheHit.class),
                r.getBatch(),
                r.getVariant(),
                r.getWebhook(),
                r.getDuplicateOf(),
                r.getCreatedAt(),
                r.getRoutedAt(),
                r.getStartedAt(),
                r.getCompletedAt(),
                strings(r.getMetadata()),
                r.getInjectionFlagged());
    }

    public static dev.sluice.avro.CostEvent toAvro(CostEvent e) {
        return new dev.sluice.avro.CostEvent(
                e.eventId(),
                e.requestId(),
                e.tenantId(),
                e.provider(),
                e.model(),
                toAvro(e.usage()),
                e.costMicros(),
                convert(e.basis(), dev.sluice.avro.CostBasis.class),
                e.batchId(),
                e.occurredAt());
    }

    public static CostEvent fromAvro(dev.sluice.avro.CostEvent e) {
        return new CostEvent(
                e.getEventId(),
                e.getRequestId(),
                e.getTenantId(),
                e.getProvider(),
                e.getModel(),
                fromAvro(e.getUsage()),
                e.getCostMicros(),
                convert(e.getBasis(), CostBasis.class),
                e.getBatchId(),
                e.getOccurredAt());
    }

    // ---- TenantConfig ----

    public static dev.sluice.avro.TenantConfig toAvro(TenantConfig t) {
        TenantConfig.Limits l = t.limits();
        return dev.sluice.avro.TenantConfig.newBuilder()
                .setTenantId(t.tenantId())
                .setPlan(t.plan())
                .setLimits(new dev.sluice.avro.Limits(
                        l.requestsPerMinute(),
                        l.tokensPerMinute(),
                        l.dailyBudgetMicros(),
                        l.monthlyBudgetMicros(),
                        l.maxInputTokens()))
                .setBudgetPolicy(convert(t.budgetPolicy(), dev.sluice.avro.BudgetPolicy.class))
                .setAllowedTiers(mapList(t.allowedTiers(), v -> convert(v, dev.sluice.avro.Tier.class)))
                .setAllowedModels(t.allowedModels())
                .setDefaultTier(convert(t.defaultTier(), dev.sluice.avro.Tier.class))
                .setWebhooks(new dev.sluice.avro.WebhookConfig(
                        t.webhooks().endpoints(), t.webhooks().signingSecretRefs()))
                .setGuardrails(new dev.sluice.avro.GuardrailPolicy(
                        convert(t.guardrails().injection(), dev.sluice.avro.InjectionPolicy.class),
                        t.guardrails().redactPii()))
                .setCache(new dev.sluice.avro.CachePolicy(
                        t.cache().enabled(),
                        t.cache().includeNonZeroTemperature(),
                        t.cache().ttlSeconds(),
                        t.cache().semantic(),
                        t.cache().semanticThreshold(),
                        t.cache().semanticEmbedder()))
                .setExperiments(mapList(
                        t.experiments(),
                        e -> new dev.sluice.avro.Experiment(
                                e.name(),
                                mapList(
                                        e.variants(),
                                        v -> new dev.sluice.avro.ExperimentVariant(
                                                v.name(),
                                                v.weight(),
                                                convert(v.tier(), dev.sluice.avro.Tier.class),
                                                v.model(),
                                                v.promptVersion(),
                                                v.systemPrompt())))))
                .setBatchThresholdSeconds(t.batchThresholdSeconds())
                .setFairShareWeight(t.fairShareWeight())
                .setUpdatedAt(t.updatedAt())
                .setPaused(t.paused())
                .setRoutingPolicy(
                        t.routingPolicy() == null
                                ? null
                                : new dev.sluice.avro.RoutingPolicy(
                                        t.routingPolicy().bar(),
                                        new java.util.HashMap<>(
                                                t.routingPolicy().models()),
                                        t.routingPolicy().source()))
                .build();
    }

    public static TenantConfig fromAvro(dev.sluice.avro.TenantConfig t) {
        dev.sluice.avro.Limits l = t.getLimits();
        return new TenantConfig(
                t.getTenantId(),
                t.getPlan(),
                new TenantConfig.Limits(
                        l.getRequestsPerMinute(),
                        l.getTokensPerMinute(),
                        l.getDailyBudgetMicros(),
                        l.getMonthlyBudgetMicros(),
                        l.getMaxInputTokens()),
                convert(t.getBudgetPolicy(), BudgetPolicy.class),
                mapList(t.getAllowedTiers(), v -> convert(v, Tier.class)),
                t.getAllowedModels(),
                convert(t.getDefaultTier(), Tier.class),
                new TenantConfig.Webhooks(
                        t.getWebhooks().getEndpoints(), t.getWebhooks().getSigningSecretRefs()),
                new TenantConfig.Guardrails(
                        convert(t.getGuardrails().getInjection(), InjectionPolicy.class),
                        t.getGuardrails().getRedactPii()),
                new TenantConfig.CachePolicy(
                        t.getCache().getEnabled(),
                        t.getCache().getIncludeNonZeroTemperature(),
                        t.getCache().getTtlSeconds(),
                        t.getCache().getSemantic(),
                        t.getCache().getSemanticThreshold(),
                        t.getCache().getSemanticEmbedder()),
                mapList(
                        t.getExperiments(),
                        e -> new TenantConfig.Experiment(
                                e.getName(),
                                mapList(
                                        e.getVariants(),
                                        v -> new TenantConfig.Variant(
                                                v.getName(),
                                                v.getWeight(),
                                                convert(v.getTier(), Tier.class),
                                                v.getModel(),
                                                v.getPromptVersion(),
                                                v.getSystemPrompt())))),
                t.getBatchThresholdSeconds(),
                t.getFairShareWeight(),
                t.getUpdatedAt(),
                t.getPaused(),
                t.getRoutingPolicy() == null
                        ? null
                        : new TenantConfig.RoutingPolicy(
                                t.getRoutingPolicy().getBar(),
                                t.getRoutingPolicy().getModels(),
                                t.getRoutingPolicy().getSource()));
    }

    // ---- ApiKey ----

    public static dev.sluice.avro.ApiKey toAvro(ApiKey k) {
        return new dev.sluice.avro.ApiKey(k.keyId(), k.tenantId(), k.sha256(), k.label(), k.createdAt(), k.revokedAt());
    }

    public static ApiKey fromAvro(dev.sluice.avro.ApiKey k) {
        return new ApiKey(
                k.getKeyId(), k.getTenantId(), k.getSha256(), k.getLabel(), k.getCreatedAt(), k.getRevokedAt());
    }

    // ---- JobStatus, TenantSpend, ProviderBatch, WebhookDelivery, DisabledEndpoint, DeadLetter ----

    public static dev.sluice.avro.JobStatus toAvro(JobStatus s) {
        return new dev.sluice.avro.JobStatus(
                s.requestId(),
                s.tenantId(),
                convert(s.state(), dev.sluice.avro.JobState.class),
                s.detail(),
                s.batchId(),
                s.updatedAt());
    }

    public static JobStatus fromAvro(dev.sluice.avro.JobStatus s) {
        return new JobStatus(
                s.getRequestId(),
                s.getTenantId(),
                convert(s.getState(), JobState.class),
                s.getDetail(),
                s.getBatchId(),
                s.getUpdatedAt());
    }

    public static dev.sluice.avro.TenantSpend toAvro(TenantSpend s) {
        return new dev.sluice.avro.TenantSpend(
                s.tenantId(),
                convert(s.periodType(), dev.sluice.avro.SpendPeriod.class),
                s.period(),
                s.spentMicros(),
                s.events(),
                s.updatedAt());
    }

    public static TenantSpend fromAvro(dev.sluice.avro.TenantSpend s) {
        return new TenantSpend(
                s.getTenantId(),
                convert(s.getPeriodType(), SpendPeriod.class),
                s.getPeriod(),
                s.getSpentMicros(),
                s.getEvents(),
                s.getUpdatedAt());
    }

    public static dev.sluice.avro.ProviderBatch toAvro(ProviderBatch b) {
        return new dev.sluice.avro.ProviderBatch(
                b.batchId(),
                b.provider(),
                b.model(),
                b.providerBatchId(),
                convert(b.state(), dev.sluice.avro.BatchState.class),
                b.requestIds(),
                b.succeeded(),
                b.failed(),
                b.expired(),
                b.createdAt(),
                b.updatedAt(),
                b.jobs().stream()
                        .map(j -> new dev.sluice.avro.BatchJob(j.requestId(), j.tenantId(), j.partition(), j.offset()))
                        .toList(),
                b.redriven(),
                b.detail());
    }

    public static ProviderBatch fromAvro(dev.sluice.avro.ProviderBatch b) {
        return new ProviderBatch(
                b.getBatchId(),
                b.getProvider(),
                b.getModel(),
                b.getProviderBatchId(),
                convert(b.getState(), BatchState.class),
                b.getRequestIds(),
                b.getSucceeded(),
                b.getFailed(),
                b.getExpired(),
                b.getCreatedAt(),
                b.getUpdatedAt(),
                b.getJobs().stream()
                        .map(j -> new BatchJob(j.getRequestId(), j.getTenantId(), j.getPartition(), j.getOffset()))
                        .toList(),
                b.getRedriven(),
                b.getDetail());
    }

    public static dev.sluice.avro.WebhookDelivery toAvro(WebhookDelivery d) {
        return new dev.sluice.avro.WebhookDelivery(
                d.requestId(),
                d.tenantId(),
                d.endpoint(),
                d.body(),
                d.attempt(),
                d.notBefore(),
                d.lastStatus(),
                d.lastError(),
                d.firstAttemptAt());
    }

    public static WebhookDelivery fromAvro(dev.sluice.avro.WebhookDelivery d) {
        return new WebhookDelivery(
                d.getRequestId(),
                d.getTenantId(),
                d.getEndpoint(),
                d.getBody(),
                d.getAttempt(),
                d.getNotBefore(),
                d.getLastStatus(),
                d.getLastError(),
                d.getFirstAttemptAt());
    }

    public static dev.sluice.avro.DisabledEndpoint toAvro(DisabledEndpoint d) {
        return new dev.sluice.avro.DisabledEndpoint(
                d.tenantId(), d.endpoint(), d.httpStatus(), d.requestId(), d.disabledAt());
    }

    public static DisabledEndpoint fromAvro(dev.sluice.avro.DisabledEndpoint d) {
        return new DisabledEndpoint(
                d.getTenantId(), d.getEndpoint(), d.getHttpStatus(), d.getRequestId(), d.getDisabledAt());
    }

    public static dev.sluice.avro.DeadLetter toAvro(DeadLetter d) {
        return new dev.sluice.avro.DeadLetter(
                buffer(d.originalKey()),
                buffer(d.originalValue()),
                mapList(d.originalHeaders(), h -> new dev.sluice.avro.Header(h.key(), buffer(h.value()))),
                d.sourceTopic(),
                d.sourcePartition(),
                d.sourceOffset(),
                d.service(),
                d.stage(),
                d.errorClass(),
                d.errorMessage(),
                d.occurredAt(),
                d.originalValueSize(),
                d.originalValueSha256(),
                d.truncated());
    }

    public static dev.sluice.avro.DeadLetterReplay toAvro(DeadLetterReplay r) {
        return new dev.sluice.avro.DeadLetterReplay(
                r.deadLetterTopic(),
                r.deadLetterPartition(),
                r.deadLetterOffset(),
                r.topic(),
                r.partition(),
                r.offset(),
                r.replayedAt(),
                r.replayedBy());
    }

    public static DeadLetterReplay fromAvro(dev.sluice.avro.DeadLetterReplay r) {
        return new DeadLetterReplay(
                r.getDeadLetterTopic(),
                r.getDeadLetterPartition(),
                r.getDeadLetterOffset(),
                r.getTopic(),
                r.getPartition(),
                r.getOffset(),
                r.getReplayedAt(),
                r.getReplayedBy());
    }

    public static dev.sluice.avro.Feedback toAvro(Feedback f) {
        return new dev.sluice.avro.Feedback(
                f.feedbackId(), f.requestId(), f.tenantId(), f.score(), f.label(), f.createdAt());
    }

    public static Feedback fromAvro(dev.sluice.avro.Feedback f) {
        return new Feedback(
                f.getFeedbackId(), f.getRequestId(), f.getTenantId(), f.getScore(), f.getLabel(), f.getCreatedAt());
    }

    public static DeadLetter fromAvro(dev.sluice.avro.DeadLetter d) {
        return new DeadLetter(
                bytes(d.getOriginalKey()),
                bytes(d.getOriginalValue()),
                mapList(d.getOriginalHeaders(), h -> new DeadLetter.Header(h.getKey(), bytes(h.getValue()))),
                d.getSourceTopic(),
                d.getSourcePartition(),
                d.getSourceOffset(),
                d.getService(),
                d.getStage(),
                d.getErrorClass(),
                d.getErrorMessage(),
                d.getOccurredAt(),
                d.getOriginalValueSize(),
                d.getOriginalValueSha256(),
                d.getOriginalValueTruncated());
    }
}
