package dev.sluice.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(
                values.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
                (k, v) -> true);
    }

    @Test
    void shouldReadDelaySecondsWholeOrFractionalAndHttpDates() {
        assertThat(RetryAfter.parse(" 120 ", NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("1.5", NOW)).isEqualTo(Duration.ofMillis(1_500));
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 10:01:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 09:00:00 GMT", NOW))
                .as("a date past")
                .isZero();
        assertThat(RetryAfter.parse("-5", NOW)).as("never negative").isZero();
        assertThat(RetryAfter.parse("soon", NOW)).isNull();
        assertThat(RetryAfter.parse("NaN", NOW)).isNull();
    }

    @Test
    void shouldPreferOpenAisMillisecondsAndFallBackWhenTheyAreUnreadable() {
        assertThat(RetryAfter.of(headers(Map.of("retry-after-ms", "2500", "retry-after", "3")), NOW))
                .isEqualTo(Duration.ofMillis(2_500));
        assertThat(RetryAfter.of(headers(Map.of("retry-after-ms", "later", "retry-after", "3")), NOW))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfter.of(headers(Map.of()), NOW)).isNull();
    }
}
