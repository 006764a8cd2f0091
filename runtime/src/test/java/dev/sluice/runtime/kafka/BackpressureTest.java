package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BackpressureTest {
    private final TopicPartition high = new TopicPartition("jobs.high", 0);
    private final TopicPartition low = new TopicPartition("jobs.low", 0);
    private final TopicPartition lowToo = new TopicPartition("jobs.low", 1);
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final Backpressure backpressure = new Backpressure(consumer, 2, 1000);
    private final long[] waiting = new long[2];

    BackpressureTest() {
        consumer.assign(List.of(high, low));
        backpressure.learn(high.topic(), 0);
        backpressure.learn(low.topic(), 1);
    }

    @Test
    void shouldPauseOnlyThePartitionsOfThePriorityWhoseBufferIsFull() {
        waiting[1] = 1000;

        backpressure.apply(p -> waiting[p]);

        assertThat(consumer.paused()).containsExactly(low);
    }

    @Test
    void shouldResumeOnlyOnceTheBufferIsDownToHalf() {
        waiting[1] = 1000;
        backpressure.apply(p -> waiting[p]);

        waiting[1] = 501;
        backpressure.apply(p -> waiting[p]);
        assertThat(consumer.paused()).as("above half").containsExactly(low);

        waiting[1] = 500;
        backpressure.apply(p -> waiting[p]);
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void shouldStartAPartitionPausedWhenItComesWhileItsPriorityIsPaused() {
        waiting[1] = 1000;
        backpressure.apply(p -> waiting[p]);
        consumer.assign(List.of(high, low, lowToo));

        backpressure.assigned(List.of(lowToo));

        assertThat(consumer.paused()).containsExactlyInAnyOrder(low, lowToo);
    }

    @Test
    void shouldKeepTheFirstPriorityLearnedForATopic() {
        backpressure.learn(high.topic(), 1);
        waiting[0] = 1000;

        backpressure.apply(p -> waiting[p]);

        assertThat(consumer.paused()).containsExactly(high);
    }
}
