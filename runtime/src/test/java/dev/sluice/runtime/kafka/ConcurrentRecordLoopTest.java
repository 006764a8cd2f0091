package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop's commits, with a MockConsumer standing in for Kafka. A seek stands in for what a real
 * read_committed consumer does at a transaction marker: its position moves past the marker,
 * although no poll returns a record there.
 */
class ConcurrentRecordLoopTest {
    private static final String TOPIC = "jobs";
    private final TopicPartition p0 = new TopicPartition(TOPIC, 0);
    private final TopicPartition p1 = new TopicPartition(TOPIC, 1);
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final Set<Long> handled = ConcurrentHashMap.newKeySet();
    private final ConcurrentRecordLoop loop = new ConcurrentRecordLoop(consumer, List.of(TOPIC),
            r -> handled.add(r.offset()), new ConcurrentRecordLoop.Limits(4, 1 << 20, Duration.ofMillis(10),
                    Duration.ofSeconds(5)), Clock.systemUTC());
    private final Thread poll = Thread.ofPlatform().name("test-poll").unstarted(loop);

    @AfterEach
    void stop() throws InterruptedException {
        loop.stop();
        poll.join(Duration.ofSeconds(10));
    }

    @Test
    void shouldCommitThePositionPastTheTransactionMarkersOnceEveryRecordIsFinished() {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null),
                new PartitionInfo(TOPIC, 1, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(p0, p1));
            // A transaction wrote offsets 0..2 of partition 0; its commit marker is at 3.
            for (long o = 0; o < 3; o++) {
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, o, "k" + o, new byte[] {1}));
            }
        });
        consumer.schedulePollTask(() -> {
            consumer.seek(p0, 4);
            // Partition 1 had only an aborted transaction and markers: no record, position 2.
            consumer.seek(p1, 2);
        });

        poll.start();

        Awaitility.await().alias("committed offsets at the positions, past the markers")
                .atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(consumer.committed(Set.of(p0, p1)))
                        .containsEntry(p0, new OffsetAndMetadata(4)).containsEntry(p1, new OffsetAndMetadata(2)));
        assertThat(handled).containsExactlyInAnyOrder(0L, 1L, 2L);
    }
}
