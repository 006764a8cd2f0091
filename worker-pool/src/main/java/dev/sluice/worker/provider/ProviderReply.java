package dev.sluice.worker.provider;

import dev.sluice.model.Usage;

/**
 * A provider's answer to one call: the text, why it stopped, usage, the provider's request id, and
 * what the response's headers said about the key's rate limits.
 */
public record ProviderReply(
        String text,
        String finishReason,
        Usage usage,
        int httpStatus,
        String providerRequestId,
        RateLimitHeaders rateLimits) {
    public ProviderReply {
        rateLimits = rateLimits == null ? RateLimitHeaders.NONE : rateLimits;
    }

    public ProviderReply(String text, String finishReason, Usage usage, int httpStatus, String providerRequestId) {
        this(text, finishReason, usage, httpStatus, providerRequestId, RateLimitHeaders.NONE);
    }

    /** The same reply with what its answer's headers said about the key's limits. */
    public ProviderReply withRateLimits(RateLimitHeaders limits) {
        return new ProviderReply(text, finishReason, usage, httpStatus, providerRequestId, limits);
    }
}
