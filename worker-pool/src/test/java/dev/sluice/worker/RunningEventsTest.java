package dev.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunningEventsTest {

    @Test
    void shouldWriteTheEventOfAJobStillRunningOnceTheDelayHasPassed() {
        AtomicInteger written = new AtomicInteger();
        try (RunningEvents events = new RunningEvents(Duration.ofMillis(50))) {
            events.announce(written::incrementAndGet);
            assertThat(written).as("not before the delay").hasValue(0);

            await().alias("the event written after 50 ms")
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(written).hasValue(1));
        }
    }

    @Test
    void shouldNeverWriteTheEventOfAJobThatEndedBeforeTheDelay() {
        AtomicInteger written = new AtomicInteger();
        AtomicInteger control = new AtomicInteger();
        try (RunningEvents events = new RunningEvents(Duration.ofMillis(50))) {
            events.announce(written::incrementAndGet).cancel();
            // An event announced after it, due after it on the same timer: once it is written, the
            // cancelled one would have been too.
            events.announce(control::incrementAndGet);

            await().alias("the later event written")
                    .atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(control).hasValue(1));
            assertThat(written).hasValue(0);
        }
    }

    @Test
    void shouldWriteAtOnceWithNoDelayAndLeaveNothingToCancel() {
        AtomicInteger written = new AtomicInteger();
        try (RunningEvents events = new RunningEvents(Duration.ZERO)) {
            events.announce(written::incrementAndGet).cancel();

            assertThat(written).hasValue(1);
        }
    }

    @Test
    void shouldGoOnWhenAnEventCannotBeWrittenOrTheWorkerIsStopping() {
        AtomicInteger written = new AtomicInteger();
        RunningEvents events = new RunningEvents(Duration.ofMillis(10));
        events.announce(() -> {
            throw new IllegalStateException("producer closed");
        });
        events.announce(written::incrementAndGet);
        await().alias("the next event written")
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(written).hasValue(1));

        events.close();
        events.announce(written::incrementAndGet).cancel();
        assertThat(written).hasValue(1);
    }
}
