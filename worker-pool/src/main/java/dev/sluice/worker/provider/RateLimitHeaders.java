package dev.sluice.worker.provider;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one response's headers say about the API key's limits: each limit per minute, what is left
 * of it, and when it is whole again. A field is null when the provider did not send it (or sent
 * something unreadable); self-hosted servers send none.
 *
 * <ul>
 *   <li>OpenAI: {@code x-ratelimit-{limit,remaining}-{requests,tokens}}, and
 *       {@code x-ratelimit-reset-{requests,tokens}} as Go durations ({@code 1s}, {@code 12ms},
 *       {@code 6m0s});</li>
 *   <li>Anthropic: {@code anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}}, resets
 *       as RFC 3339 instants.</li>
 * </ul>
 */
public record RateLimitHeaders(
        Long requestLimit,
        Long requestsRemaining,
        Duration requestsReset,
        Long tokenLimit,
        Long tokensRemaining,
        Duration tokensReset) {
    public static final RateLimitHeaders NONE = new RateLimitHeaders(null, null, null, null, null, null);

    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|us|µs|ns|m|s)");

    public boolean isEmpty() {
        return equals(NONE);
    }

    public static RateLimitHeaders openAi(HttpHeaders h) {
        return new RateLimitHeaders(
                number(h, "x-ratelimit-limit-requests"),
                number(h, "x-ratelimit-remaining-requests"),
                goDuration(h.firstValue("x-ratelimit-reset-requests")),
                number(h, "x-ratelimit-limit-tokens"),
                number(h, "x-ratelimit-remaining-tokens"),
                goDuration(h.firstValue("x-ratelimit-reset-tokens")));
    }

    public static RateLimitHeaders anthropic(HttpHeaders h, Instant now) {
        return new RateLimitHeaders(
                number(h, "anthropic-ratelimit-requests-limit"),
                number(h, "anthropic-ratelimit-requests-remaining"),
                until(h.firstValue("anthropic-ratelimit-requests-reset"), now),
                number(h, "anthropic-ratelimit-tokens-limit"),
                number(h, "anthropic-ratelimit-tokens-remaining"),
                until(h.firstValue("anthropic-ratelimit-tokens-reset"), now));
    }

    private static Long number(HttpHeaders h, String name) {
        Optional<String> v = h.firstValue(name);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(v.get().strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A Go duration such as {@code 6m0s}, {@code 1.5s} or {@code 12ms}; null if absent or unreadable. */
    static Duration goDuration(Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) {
            return null;
        }
        String text = value.get().strip();
        Matcher m = GO_DURATION_PART.matcher(text);
        double nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return null;
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n
                    * switch (m.group(2)) {
                        case "h" -> 3_600e9;
                        case "m" -> 60e9;
                        case "s" -> 1e9;
                        case "ms" -> 1e6;
                        case "us", "µs" -> 1e3;
                        default -> 1;
                    };
            end = m.end();
        }
        return end == text.length() && end > 0 ? Duration.ofNanos(Math.round(nanos)) : null;
    }

    private static Duration until(Optional<String> instant, Instant now) {
        if (instant.isEmpty()) {
            return null;
        }
        try {
            Duration d = Duration.between(now, Instant.parse(instant.get().strip()));
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
