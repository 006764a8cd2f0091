package dev.sluice.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private final RetrySchedule schedule = new RetrySchedule(RetrySchedule.DEFAULT_DELAYS, Duration.ofHours(1));

    @Test
    void shouldWaitEachStepInTurnThenGiveUp() {
        assertThat(schedule.maxAttempts()).isEqualTo(6);
        assertThat(schedule.delayAfter(1, null)).contains(Duration.ofSeconds(5));
        assertThat(schedule.delayAfter(2, null)).contains(Duration.ofSeconds(30));
        assertThat(schedule.delayAfter(3, null)).contains(Duration.ofMinutes(5));
        assertThat(schedule.delayAfter(4, null)).contains(Duration.ofMinutes(30));
        assertThat(schedule.delayAfter(5, null)).contains(Duration.ofHours(2));
        assertThat(schedule.delayAfter(6, null)).isEmpty();
        assertThat(schedule.describe()).isEqualTo("5s, 30s, 5m, 30m, 2h");
    }

    @Test
    void shouldHonourALongerRetryAfterUpToTheCap() {
        assertThat(schedule.delayAfter(1, Duration.ofSeconds(2)))
                .as("shorter: the step")
                .contains(Duration.ofSeconds(5));
        assertThat(schedule.delayAfter(1, Duration.ofSeconds(90))).contains(Duration.ofSeconds(90));
        assertThat(schedule.delayAfter(1, Duration.ofDays(2))).as("capped").contains(Duration.ofHours(1));
        assertThat(schedule.delayAfter(5, Duration.ofDays(2)))
                .as("the cap never shortens a step")
                .contains(Duration.ofHours(2));
        assertThat(schedule.delayAfter(5, Duration.ofDays(2)).orElseThrow()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void shouldDescribeShortStepsInMilliseconds() {
        assertThat(new RetrySchedule(List.of(Duration.ofMillis(100), Duration.ofMillis(1500)), Duration.ZERO)
                        .describe())
                .isEqualTo("100ms, 1500ms");
    }
}
