package dev.sluice.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(
                values.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
                (a, b) -> true);
    }

    @Test
    void shouldReadOpenAisHeadersWithGoDurations() {
        RateLimitHeaders h = RateLimitHeaders.openAi(headers(Map.of(
                "x-ratelimit-limit-requests",
                "500",
                "x-ratelimit-remaining-requests",
                "499",
                "x-ratelimit-reset-requests",
                "120ms",
                "x-ratelimit-limit-tokens",
                "30000",
                "x-ratelimit-remaining-tokens",
                "29000",
                "x-ratelimit-reset-tokens",
                "6m0s")));

        assertThat(h)
                .isEqualTo(new RateLimitHeaders(
                        500L, 499L, Duration.ofMillis(120), 30_000L, 29_000L, Duration.ofMinutes(6)));
    }

    @Test
    void shouldReadAnthropicsHeadersWithRfc3339Resets() {
        Instant now = Instant.parse("2025-08-21T12:40:00Z");
        RateLimitHeaders h = RateLimitHeaders.anthropic(
                headers(Map.of(
                        "anthropic-ratelimit-requests-limit",
                        "50",
                        "anthropic-ratelimit-requests-remaining",
                        "49",
                        "anthropic-ratelimit-requests-reset",
                        "2025-08-21T12:40:59Z",
                        "anthropic-ratelimit-tokens-limit",
                        "40000",
                        "anthropic-ratelimit-tokens-remaining",
                        "39000",
                        "anthropic-ratelimit-tokens-reset",
                        "2025-08-21T12:40:01.5Z")),
                now);

        assertThat(h)
                .isEqualTo(new RateLimitHeaders(
                        50L, 49L, Duration.ofSeconds(59), 40_000L, 39_000L, Duration.ofMillis(1_500)));
    }

    @Test
    void shouldParseEveryGoDurationFormAndRejectTheRest() {
        assertThat(RateLimitHeaders.goDuration(Optional.of("1s"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(RateLimitHeaders.goDuration(Optional.of("1.5s"))).isEqualTo(Duration.ofMillis(1_500));
        assertThat(RateLimitHeaders.goDuration(Optional.of("1h2m3s"))).isEqualTo(Duration.ofSeconds(3_723));
        assertThat(RateLimitHeaders.goDuration(Optional.of("250us"))).isEqualTo(Duration.ofNanos(250_000));
        assertThat(RateLimitHeaders.goDuration(Optional.of("soon"))).isNull();
        assertThat(RateLimitHeaders.goDuration(Optional.of("5s later"))).isNull();
        assertThat(RateLimitHeaders.goDuration(Optional.empty())).isNull();
    }

    @Test
    void shouldLeaveOutWhatASelfHostedServerDoesNotSend() {
        assertThat(RateLimitHeaders.openAi(headers(Map.of("x-request-id", "abc")))
                        .isEmpty())
                .isTrue();
        assertThat(RateLimitHeaders.openAi(headers(Map.of("x-ratelimit-remaining-tokens", "many")))
                        .tokensRemaining())
                .isNull();
    }
}
