package dev.sluice.cli.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChaosReportTest {
    private static final Instant KILL = Instant.parse("2026-12-06T10:00:00Z");

    private static Instant at(double seconds) {
        return KILL.plusMillis((long) (seconds * 1000));
    }

    @Test
    void shouldMeasureTheLongestSilenceAfterTheKill() {
        List<Instant> arrivals = List.of(at(-1), at(0.2), at(0.4), at(9.4), at(9.5), at(12), at(20));

        assertThat(ChaosReport.longestSilence(KILL, at(12.5), arrivals)).isEqualTo(Duration.ofMillis(9000));
    }

    @Test
    void shouldCountTheWholeWindowWhenNoResultCameAfterTheKill() {
        assertThat(ChaosReport.longestSilence(KILL, at(30), List.of(at(-2), at(31))))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldCountTheSilenceFromTheKillToTheFirstResult() {
        assertThat(ChaosReport.longestSilence(KILL, at(10), List.of(at(7), at(7.5), at(10))))
                .isEqualTo(Duration.ofSeconds(7));
    }
}
