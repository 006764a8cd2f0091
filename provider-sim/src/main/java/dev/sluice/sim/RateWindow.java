package dev.sluice.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * One API key's requests and tokens in the current fixed one-minute window (aligned to the
 * wall-clock minute), the basis of the rate-limit headers and of the 429s a client gets when it
 * goes over the configured limits. A fixed window is simpler than the providers' token buckets;
 * clients only ever see "remaining" and "reset", which behave the same way, and "reset" is the
 * time to this window's end.
 */
final class RateWindow {

    static final long WINDOW_MILLIS = 60_000;

    private long windowStart;
    private long requests;
    private long inputTokens;
    private long outputTokens;

    /** Why a request was refused, or that it was admitted. */
    enum Verdict {
        ADMITTED,
        /** Over the requests-per-minute limit. */
        REQUESTS,
        /** Over the tokens-per-minute limit with what the window has already used. */
        TOKENS,
        /** Asks for more tokens than a whole window allows: retrying never helps. */
        TOO_LARGE,
    }

    /** Limits and usage as seen by one request: after it was counted, or before if it was refused. */
    record Snapshot(
            long requestLimit,
            long requestsUsed,
            long requestsRemaining,
            long tokenLimit,
            long tokensUsed,
            long tokensRemaining,
            long inputTokensRemaining,
            long outputTokensRemaining,
            long tokensRequested,
            Instant resetAt,
            Duration resetIn,
            Verdict verdict) {

        boolean exceeded() {
            return verdict != Verdict.ADMITTED;
        }
    }

    /**
     * Counts a request and reserves {@code input + outputCap} tokens if it fits; a request over a
     * limit is not counted and is refused.
     */
    synchronized Snapshot admit(SimConfig config, long nowMillis, long input, long outputCap) {
        roll(nowMillis);
        long requested = input + outputCap;
        Verdict verdict;
        if (requested > config.tokensPerMinute()) {
            verdict = Verdict.TOO_LARGE;
        } else if (requests + 1 > config.requestsPerMinute()) {
            verdict = Verdict.REQUESTS;
        } else if (inputTokens + outputTokens + requested > config.tokensPerMinute()) {
            verdict = Verdict.TOKENS;
        } else {
            verdict = Verdict.ADMITTED;
            requests++;
            inputTokens += input;
            outputTokens += outputCap;
        }
        return snapshot(config, nowMillis, requested, verdict);
    }

    /** Adds output tokens that were not reserved at admission (a request without an output cap). */
    synchronized Snapshot addOutput(SimConfig config, long nowMillis, long output) {
        roll(nowMillis);
        outputTokens += output;
        return snapshot(config, nowMillis, 0, Verdict.ADMITTED);
    }

    /** True once the window this key last used is over, so forgetting it loses nothing. */
    synchronized boolean idleAt(long nowMillis) {
        return nowMillis - windowStart >= WINDOW_MILLIS;
    }

    private void roll(long nowMillis) {
        if (nowMillis - windowStart >= WINDOW_MILLIS) {
            windowStart = nowMillis - nowMillis % WINDOW_MILLIS;
            requests = 0;
            inputTokens = 0;
            outputTokens = 0;
        }
    }

    private Snapshot snapshot(SimConfig config, long nowMillis, long requested, Verdict verdict) {
        long limit = config.tokensPerMinute();
        long resetAtMillis = windowStart + WINDOW_MILLIS;
        return new Snapshot(
                config.requestsPerMinute(),
                requests,
                Math.max(0, config.requestsPerMinute() - requests),
                limit,
                inputTokens + outputTokens,
                Math.max(0, limit - inputTokens - outputTokens),
                Math.max(0, limit - inputTokens),
                Math.max(0, limit - outputTokens),
                requested,
                Instant.ofEpochMilli(resetAtMillis),
                Duration.ofMillis(Math.max(1, resetAtMillis - nowMillis)),
                verdict);
    }

    /** Go's {@code time.Duration.String()} at millisecond precision: 12ms, 1.2s, 6m0s, 1h2m3s. */
    static String goDuration(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        long wholeSeconds = millis / 1000 % 60;
        long fraction = millis % 1000;
        StringBuilder text = new StringBuilder();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            text.append(minutes).append('m');
        }
        text.append(wholeSeconds);
        if (fraction > 0) {
            text.append('.').append(String.format("%03d", fraction).replaceAll("0+$", ""));
        }
        return text.append('s').toString();
    }
}
