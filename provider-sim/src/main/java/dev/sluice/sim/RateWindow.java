package dev.sluice.sim;

import java.time.Duration;
import java.time.Instant;

/**
 * Requests and tokens used in the current fixed one-minute window, the basis of the
 * rate-limit headers and of the 429s a client gets when it goes over the configured limits.
 * A fixed window is simpler than the providers' token buckets; clients only ever see
 * "remaining" and "reset", which behave the same way.
 */
final class RateWindow {

    private static final long WINDOW_MILLIS = 60_000;

    private long windowStart;
    private long requests;
    private long inputTokens;
    private long outputTokens;

    /** Limits and usage as seen by one request, after it was counted. */
    record Snapshot(long requestLimit, long requestsRemaining, long tokenLimit, long tokensRemaining,
            long tokensUsed, long inputTokensRemaining, long outputTokensRemaining, Instant resetAt, Duration resetIn,
            boolean requestsExceeded, boolean tokensExceeded) {

        boolean exceeded() {
            return requestsExceeded || tokensExceeded;
        }
    }

    /** Counts a request if it fits; a request over the limit is not counted and is refused. */
    synchronized Snapshot admit(SimConfig config, long nowMillis, long expectedTokens) {
        roll(nowMillis);
        boolean requestsExceeded = requests + 1 > config.requestsPerMinute();
        boolean tokensExceeded = inputTokens + outputTokens + expectedTokens > config.tokensPerMinute();
        if (!requestsExceeded && !tokensExceeded) {
            requests++;
        }
        return snapshot(config, nowMillis, requestsExceeded, tokensExceeded);
    }

    synchronized Snapshot charge(SimConfig config, long nowMillis, long input, long output) {
        roll(nowMillis);
        inputTokens += input;
        outputTokens += output;
        return snapshot(config, nowMillis, false, false);
    }

    private void roll(long nowMillis) {
        if (nowMillis - windowStart >= WINDOW_MILLIS) {
            windowStart = nowMillis - nowMillis % WINDOW_MILLIS;
            requests = 0;
            inputTokens = 0;
            outputTokens = 0;
        }
    }

    private Snapshot snapshot(SimConfig config, long nowMillis, boolean requestsExceeded, boolean tokensExceeded) {
        long limit = config.tokensPerMinute();
        long resetAtMillis = windowStart + WINDOW_MILLIS;
        return new Snapshot(
                config.requestsPerMinute(),
                requestsExceeded ? 0 : Math.max(0, config.requestsPerMinute() - requests),
                limit,
                tokensExceeded ? 0 : Math.max(0, limit - inputTokens - outputTokens),
                inputTokens + outputTokens,
                Math.max(0, limit - inputTokens),
                Math.max(0, limit - outputTokens),
                Instant.ofEpochMilli(resetAtMillis),
                Duration.ofMillis(Math.max(1, resetAtMillis - nowMillis)),
                requestsExceeded,
                tokensExceeded);
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
