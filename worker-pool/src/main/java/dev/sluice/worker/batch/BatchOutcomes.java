package dev.sluice.worker.batch;

import dev.sluice.model.Attempt;
import dev.sluice.model.CostBasis;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ProviderBatch;
import dev.sluice.model.ResponseFormat;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import dev.sluice.model.Usage;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.catalogue.Pricing;
import dev.sluice.worker.FailureCodes;
import dev.sluice.worker.guardrails.JsonOutput;
import dev.sluice.worker.guardrails.PiiRedactor;
import dev.sluice.worker.provider.BatchLineResult;
import dev.sluice.worker.provider.ProviderReply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * What one line of an ended batch means for its job. An answer completes it at batch prices (or,
 * when it is not the JSON asked for, is billed and sends the job through the synchronous path,
 * which asks again with its own one repair);
 * an error another try could fix, an expired or cancelled line, and a line missing from the
 * results send the job through the synchronous path while its deadline allows, and end it
 * FAILED or EXPIRED with the reason when it does not; any other error ends it FAILED.
 */
final class BatchOutcomes {
    /** The least time before its deadline for a job to be worth a synchronous try. */
    static final Duration SYNC_MARGIN = Duration.ofMinutes(1);

    /** What to publish for one job: a completion, or the job again on its synchronous topic. */
    sealed interface Decision {
        List<CostEvent> costs();
    }

    record Complete(LlmResult result, List<CostEvent> costs) implements Decision {}

    record Redrive(LlmJob job, String reason, List<CostEvent> costs) implements Decision {}

    private final Clock clock;
    private final Predicate<String> redactsPii;

    BatchOutcomes(Clock clock, Predicate<String> redactsPii) {
        this.clock = clock;
        this.redactsPii = redactsPii;
    }

    Decision decide(ProviderBatch batch, ModelSpec model, LlmJob job, BatchLineResult line) {
        Instant now = clock.instant();
        LlmResult.Builder result = LlmResult.forJob(job)
                .batch(true)
                .startedAt(batch.createdAt())
                .provider(model.provider())
                .model(model.name());
        String where = "batch " + batch.batchId() + " (" + batch.provider() + " " + batch.providerBatchId() + ")";
        if (line == null
                || line.kind() == BatchLineResult.Kind.EXPIRED
                || line.kind() == BatchLineResult.Kind.CANCELED) {
            String why = line == null
                    ? "is missing from the results of " + where
                    : line.kind() == BatchLineResult.Kind.EXPIRED ? "expired in " + where : "was cancelled in " + where;
            result.addAttempt(attempt(
                    batch,
                    model,
                    line == null
                            ? "batch_missing"
                            : line.kind() == BatchLineResult.Kind.EXPIRED ? "batch_expired" : "batch_cancelled",
                    null,
                    now));
            if (deadlineAllows(job, now)) {
                return new Redrive(redriven(job, why), why, List.of());
            }
            return new Complete(
                    result.status(ResultStatus.EXPIRED)
                            .error(new ResultError(
                                    FailureCodes.BATCH_EXPIRED,
                                    "the request " + why + " and its deadline "
                                            + job.request().deadline() + " leaves no time for another try",
                                    false))
                            .completedAt(now)
                            .build(),
                    List.of());
        }
        if (line.kind() == BatchLineResult.Kind.ERRORED) {
            result.addAttempt(
                    attempt(batch, model, line.error().outcome(), line.error().status(), now));
            if (!line.error().retryable()) {
                return new Complete(
                        result.status(ResultStatus.FAILED)
                                .error(new ResultError(
                                        FailureCodes.rejected(line.error().status()),
                                        line.error().getMessage(),
                                        false))
                                .completedAt(now)
                                .build(),
                        List.of());
            }
            String why = "failed in " + where + ": " + line.error().getMessage();
            if (deadlineAllows(job, now)) {
                return new Redrive(redriven(job, why), why, List.of());
            }
            return new Complete(
                    result.status(ResultStatus.FAILED)
                            .error(new ResultError(
                                    FailureCodes.PROVIDER_UNAVAILABLE,
                                    "the request " + why + ", and its deadline "
                                            + job.request().deadline() + " leaves no time for another try",
                                    true))
                            .completedAt(now)
                            .build(),
                    List.of());
        }
        ProviderReply reply = line.reply();
        Usage usage = reply.usage();
        long cost = Pricing.costMicros(model, usage, CostBasis.BATCH);
        List<CostEvent> costs = List.of(new CostEvent(
                UUID.randomUUID().toString(),
                job.requestId(),
                job.tenantId(),
                model.provider(),
                model.name(),
                usage,
                cost,
                CostBasis.BATCH,
                batch.batchId(),
                now));
        result.addAttempt(attempt(batch, model, Attempt.OK, reply.httpStatus(), now));
        ResponseFormat format = job.request().responseFormat();
        String problem = JsonOutput.problem(format, reply.text());
        if (problem != null) {
            String why = "answered in " + where + " without the JSON asked for (" + problem + ")";
            if (deadlineAllows(job, now)) {
                return new Redrive(redriven(job, why), why, costs);
            }
            return new Complete(
                    result.status(ResultStatus.FAILED)
                            .error(new ResultError(
                                    FailureCodes.OUTPUT_INVALID,
                                    "the request was " + why + ", and its deadline leaves no time to ask again",
                                    false))
                            .usage(usage)
                            .costMicros(cost)
                            .completedAt(now)
                            .build(),
                    costs);
        }
        String output = redactsPii.test(job.tenantId())
                ? PiiRedactor.redact(reply.text()).text()
                : reply.text();
        boolean json = format != null && format.type() != ResponseFormat.Type.TEXT;
        return new Complete(
                result.status(ResultStatus.SUCCEEDED)
                        .output(output)
                        .outputJson(json ? JsonOutput.normalised(output) : null)
                        .finishReason(reply.finishReason())
                        .usage(usage)
                        .costMicros(cost)
                        .completedAt(now)
                        .build(),
                costs);
    }

    /** A completion for a job that can no longer be read back: only its ids are known. */
    LlmResult unreadable(ProviderBatch batch, String requestId, String tenantId) {
        Instant now = clock.instant();
        return new LlmResult(
                requestId,
                tenantId,
                null,
                ResultStatus.FAILED,
                new ResultError(
                        FailureCodes.JOB_UNREADABLE,
                        "the job of batch " + batch.batchId() + " could not be read back from the"
                                + " batch job topic (its retention passed?); submit the request again",
                        false),
                null,
                null,
                null,
                batch.provider(),
                batch.model(),
                List.of(),
                Usage.ZERO,
                0,
                null,
                true,
                null,
                null,
                null,
                batch.createdAt(),
                null,
                batch.createdAt(),
                now,
                null,
                false);
    }

    static boolean deadlineAllows(LlmJob job, Instant now) {
        Instant deadline = job.request().deadline();
        return deadline == null || now.plus(SYNC_MARGIN).isBefore(deadline);
    }

    /** The job as it goes to its synchronous topic: no longer batch-eligible, one attempt further. */
    static LlmJob redriven(LlmJob job, String why) {
        return new LlmJob(
                job.request(),
                job.tier(),
                job.modelChain(),
                job.estimatedInputTokens(),
                job.estimatedCostMicros(),
                job.cacheKey(),
                job.variant(),
                "re-driven: the batch line " + why,
                job.attempt() + 1,
                false,
                job.injectionFlagged(),
                job.routedAt());
    }

    private static Attempt attempt(ProviderBatch batch, ModelSpec model, String outcome, Integer status, Instant now) {
        return new Attempt(
                model.provider(),
                model.name(),
                outcome,
                status,
                Duration.between(batch.createdAt(), now).toMillis(),
                batch.createdAt());
    }
}
