package dev.sluice.sink.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RetryLevelTest {
    private static final TopicPartition P0 = new TopicPartition("llm.webhooks.retry.1", 0);

    private final RetryLevel level = new RetryLevel(null, null, Clock.systemUTC(), d -> {});

    @Test
    void shouldGoAheadAtOnceWhenTheDeliveryIsDue() throws Exception {
        level.assigned(List.of(P0));
        assertThat(level.waitUntil(P0, Instant.now().minusSeconds(1))).isTrue();
    }

    @Test
    void shouldEndAWaitWhenItsPartitionIsTakenAway() throws Exception {
        level.assigned(List.of(P0));
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return level.waitUntil(P0, Instant.now().plus(Duration.ofHours(2)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // Whether the wait has begun or not, once the partition is taken away it ends without a try.
        level.revoked(List.of(P0));
        assertThat(waiting.get(10, TimeUnit.SECONDS))
                .as("the wait ended without going ahead")
                .isFalse();
    }

    @Test
    void shouldNotGoAheadForARecordOfAPartitionAlreadyTakenAwayUntilItIsAssignedAgain() throws Exception {
        level.revoked(List.of(P0));
        assertThat(level.waitUntil(P0, Instant.now().minusSeconds(1))).isFalse();
        level.assigned(List.of(P0));
        assertThat(level.waitUntil(P0, Instant.now().minusSeconds(1))).isTrue();
    }
}
