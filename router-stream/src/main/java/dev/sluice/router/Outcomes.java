package dev.sluice.router;

import dev.sluice.model.CacheHit;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmRequest;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultError;
import dev.sluice.model.ResultStatus;
import java.time.Instant;

/** Results the router writes itself, for requests it completes without a provider call. */
final class Outcomes {
    private Outcomes() {}

    static LlmResult refused(LlmRequest r, ResultStatus status, String code, String message, Instant at) {
        return LlmResult.forRequest(r)
                .status(status)
                .error(new ResultError(code, message, false))
                .completedAt(at)
                .build();
    }

    /** A job refused after planning: never routed, but it keeps the job's variant and injection flag. */
    static LlmResult refused(LlmJob job, ResultStatus status, String code, String message, Instant at) {
        return LlmResult.forJob(job)
                .routedAt(null)
                .status(status)
                .error(new ResultError(code, message, false))
                .completedAt(at)
                .build();
    }

    /**
     * A duplicate's result: the original's status, error and output, marked {@code duplicateOf}
     * the original requestId, with zero usage and cost because no provider was called for it.
     */
    static LlmResult duplicate(LlmRequest duplicate, LlmResult original, Instant at) {
        return LlmResult.forRequest(duplicate)
                .status(original.status())
                .error(original.error())
                .output(original.output())
                .outputJson(original.outputJson())
                .finishReason(original.finishReason())
                .provider(original.provider())
                .model(original.model())
                .variant(original.variant())
                .cacheHit(original.cacheHit())
                .batch(original.batch())
                .duplicateOf(original.requestId())
                .injectionFlagged(original.injectionFlagged())
                .routedAt(at)
                .completedAt(at)
                .build();
    }

    /** A result served from the exact cache or a single-flight leader: the same output, no cost. */
    static LlmResult cacheHit(LlmJob job, LlmResult cached, Instant at) {
        return served(job, cached, CacheHit.EXACT, at);
    }

    /** A result served from the semantic cache: another request's answer that meant the same, no cost. */
    static LlmResult semanticHit(LlmJob job, LlmResult cached, Instant at) {
        return served(job, cached, CacheHit.SEMANTIC, at);
    }

    private static LlmResult served(LlmJob job, LlmResult cached, CacheHit kind, Instant at) {
        return LlmResult.forJob(job)
                .status(ResultStatus.SUCCEEDED)
                .output(cached.output())
                .outputJson(cached.outputJson())
                .finishReason(cached.finishReason())
                .provider(cached.provider())
                .model(cached.model())
                .cacheHit(kind)
                .routedAt(at)
                .completedAt(at)
                .build();
    }
}
