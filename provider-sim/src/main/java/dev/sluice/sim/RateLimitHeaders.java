package dev.sluice.sim;

import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The rate-limit headers of each protocol (reference sections 1 and 3): the key's real window on
 * every answered request, and an exhausted window on injected 429s.
 */
final class RateLimitHeaders {

    private RateLimitHeaders() {}

    /** {@code x-ratelimit-*}, resets as Go durations ({@code 12ms}, {@code 1.2s}, {@code 6m0s}). */
    static void openAi(Context ctx, RateWindow.Snapshot limits) {
        openAi(
                ctx,
                limits.requestLimit(),
                limits.requestsRemaining(),
                limits.tokenLimit(),
                limits.tokensRemaining(),
                limits.resetIn());
    }

    /** An injected 429: nothing left until {@code resetIn}, whichever limit the client imagines. */
    static void openAiExhausted(Context ctx, SimConfig config, Duration resetIn) {
        openAi(ctx, config.requestsPerMinute(), 0, config.tokensPerMinute(), 0, resetIn);
    }

    /** {@code anthropic-ratelimit-*}, resets as RFC 3339 timestamps. */
    static void anthropic(Context ctx, RateWindow.Snapshot limits) {
        String reset = rfc3339(limits.resetAt());
        anthropic(ctx, "requests", limits.requestLimit(), limits.requestsRemaining(), reset);
        anthropic(ctx, "tokens", limits.tokenLimit(), limits.tokensRemaining(), reset);
        anthropic(ctx, "input-tokens", limits.tokenLimit(), limits.inputTokensRemaining(), reset);
        anthropic(ctx, "output-tokens", limits.tokenLimit(), limits.outputTokensRemaining(), reset);
    }

    static void anthropicExhausted(Context ctx, SimConfig config, Instant resetAt) {
        String reset = rfc3339(resetAt);
        anthropic(ctx, "requests", config.requestsPerMinute(), 0, reset);
        for (String kind : new String[] {"tokens", "input-tokens", "output-tokens"}) {
            anthropic(ctx, kind, config.tokensPerMinute(), 0, reset);
        }
    }

    /** Integer seconds, at least 1: what both SDKs parse, rounded up so a client never comes back early. */
    static String retryAfterSeconds(Duration retryAfter) {
        return Long.toString(Math.max(1, (Math.max(1, retryAfter.toMillis()) + 999) / 1000));
    }

    private static void openAi(
            Context ctx,
            long requestLimit,
            long requestsRemaining,
            long tokenLimit,
            long tokensRemaining,
            Duration resetIn) {
        String reset = RateWindow.goDuration(resetIn);
        ctx.header("x-ratelimit-limit-requests", Long.toString(requestLimit));
        ctx.header("x-ratelimit-limit-tokens", Long.toString(tokenLimit));
        ctx.header("x-ratelimit-remaining-requests", Long.toString(requestsRemaining));
        ctx.header("x-ratelimit-remaining-tokens", Long.toString(tokensRemaining));
        ctx.header("x-ratelimit-reset-requests", reset);
        ctx.header("x-ratelimit-reset-tokens", reset);
    }

    private static void anthropic(Context ctx, String kind, long limit, long remaining, String reset) {
        ctx.header("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
        ctx.header("anthropic-ratelimit-" + kind + "-remaining", Long.toString(remaining));
        ctx.header("anthropic-ratelimit-" + kind + "-reset", reset);
    }

    private static String rfc3339(Instant instant) {
        // Rounded up: a reset announced before the window really ends would invite an early retry.
        Instant whole = instant.truncatedTo(ChronoUnit.SECONDS);
        return (whole.equals(instant) ? whole : whole.plusSeconds(1)).toString();
    }
}
