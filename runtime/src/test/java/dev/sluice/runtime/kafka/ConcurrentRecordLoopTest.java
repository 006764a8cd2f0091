package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The loop with its parts together, with a MockConsumer standing in for Kafka. A seek stands in
 * for what a real read_committed consumer does at a transaction marker: its position moves past
 * the marker, although no poll returns a record there.
 */
class ConcurrentRecordLoopTest {
    private static final String TOPIC = "jobs";
    private final TopicPartition p0 = new TopicPartition(TOPIC, 0);
    private final TopicPartition p1 = new TopicPartition(TOPIC, 1);
    /** Every offset committed, by partition; readable after the loop closed the consumer. */
    private final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitAsync(
                Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            super.commitAsync(offsets, callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            super.commitSync(offsets);
        }
    };
    private final Set<Long> handled = ConcurrentHashMap.newKeySet();
    /** Released by the test: records that block wait for it. */
    private final CountDownLatch release = new CountDownLatch(1);

    private ConcurrentRecordLoop<?> loop;
    private Thread poll;

    @BeforeEach
    void topic() {
        consumer.updatePartitions(
                TOPIC,
                List.of(new PartitionInfo(TOPIC, 0, null, null, null), new PartitionInfo(TOPIC, 1, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        loop.stop();
        poll.join(Duration.ofSeconds(10));
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await().alias(what).atMost(Duration.ofSeconds(10));
    }

    private static ConcurrentRecordLoop.Limits limits(int maxInFlight, long bufferBytes, Duration shutdownTimeout) {
        return new ConcurrentRecordLoop.Limits(maxInFlight, bufferBytes, Duration.ofMillis(10), shutdownTimeout);
    }

    private <T> ConcurrentRecordLoop<T> start(ConcurrentRecordLoop<T> started) {
        loop = started;
        poll = Thread.ofPlatform().name("test-poll").start(started);
        return started;
    }

    /** One lane; the given offsets of partition 0 block until {@link #release}, the others end at once. */
    private ConcurrentRecordLoop<Void> fifo(ConcurrentRecordLoop.Limits limits, Set<Long> blocking) {
        return start(new ConcurrentRecordLoop<>(
                consumer,
                List.of(TOPIC),
                (record, nothing) -> {
                    if (record.partition() == 0 && blocking.contains(record.offset())) {
                        release.await();
                    }
                    handled.add(record.offset());
                },
                limits,
                Clock.systemUTC()));
    }

    /** On the first poll: the consumer is given {@code partitions}, and partition 0 has {@code count} records. */
    private void assignWithRecords(List<TopicPartition> partitions, int count) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(partitions);
            for (long o = 0; o < count; o++) {
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, o, null, new byte[100]));
            }
        });
    }

    private long committed(TopicPartition tp) {
        return commits.getOrDefault(tp, -1L);
    }

    @Test
    void shouldCommitThePositionPastTheTransactionMarkersOnceEveryRecordIsFinished() {
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

        fifo(limits(4, 1 << 20, Duration.ofSeconds(5)), Set.of());

        await("committed offsets at the positions, past the markers")
                .untilAsserted(() -> assertThat(commits).containsEntry(p0, 4L).containsEntry(p1, 2L));
        assertThat(handled).containsExactlyInAnyOrder(0L, 1L, 2L);
    }

    @Test
    void shouldTellTheAssignmentAndOwnThePartitionsGiven() {
        List<String> told = new CopyOnWriteArrayList<>();
        List<TopicPartition> gained = new CopyOnWriteArrayList<>();
        assignWithRecords(List.of(p0), 0);

        start(new ConcurrentRecordLoop<Void>(
                        consumer,
                        List.of(TOPIC),
                        (record, nothing) -> {},
                        limits(4, 1 << 20, Duration.ofSeconds(5)),
                        Clock.systemUTC())
                .onAssignment((owned, total) -> told.add(owned + " of " + total))
                .onGain(gained::addAll));

        await("the assignment told").until(() -> !told.isEmpty());
        assertThat(told).containsExactly("1 of 2");
        assertThat(gained).containsExactly(p0);
        assertThat(loop.owned()).containsExactly(p0);
        assertThat(loop.assigned()).isTrue();
    }

    @Test
    void shouldCommitOnlyBelowTheFirstRecordStillRunning() {
        assignWithRecords(List.of(p0), 4);

        fifo(limits(4, 1 << 20, Duration.ofSeconds(5)), Set.of(1L));

        await("0, 2 and 3 done, commit held at 1").untilAsserted(() -> {
            assertThat(handled).containsExactlyInAnyOrder(0L, 2L, 3L);
            assertThat(committed(p0)).isEqualTo(1);
        });

        release.countDown();

        await("everything committed once 1 is done").until(() -> committed(p0) == 4);
    }

    @Test
    void shouldAwaitTheRunningRecordsOfARevokedPartitionAndGiveUpItsWaitingOnes() {
        List<TopicPartition> revoked = new CopyOnWriteArrayList<>();
        assignWithRecords(List.of(p0, p1), 2);
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(p1)));

        // One slot: record 0 runs, record 1 waits. The revoke listener lets record 0 end, as a
        // batch being gathered would be flushed.
        start(new ConcurrentRecordLoop<Void>(
                        consumer,
                        List.of(TOPIC),
                        (record, nothing) -> {
                            release.await();
                            handled.add(record.offset());
                        },
                        limits(1, 1 << 20, Duration.ofSeconds(5)),
                        Clock.systemUTC())
                .onRevoke(partitions -> {
                    revoked.addAll(partitions);
                    release.countDown();
                }));

        await("partition 0 handed over").until(() -> loop.owned().equals(Set.of(p1)));
        assertThat(revoked).containsExactly(p0);
        assertThat(handled)
                .as("the running record was awaited; the waiting one never started")
                .containsExactly(0L);
        assertThat(committed(p0)).as("nothing past the record given up").isEqualTo(1);
    }

    @Test
    void shouldPauseWhileTheBufferIsFullAndResumeAtHalf() {
        // Each record counts 164 bytes: two waiting behind the running one fill a buffer of 300.
        assignWithRecords(List.of(p0), 3);

        fifo(limits(1, 300, Duration.ofSeconds(5)), Set.of(0L));

        await("partition 0 paused").until(() -> consumer.paused().contains(p0));

        release.countDown();

        await("partition 0 resumed once the waiting records ran")
                .until(() -> consumer.paused().isEmpty());
        assertThat(handled).containsExactlyInAnyOrder(0L, 1L, 2L);
    }

    @Test
    void shouldLetARunningRecordEndOnStopAndCommitIt() throws InterruptedException {
        assignWithRecords(List.of(p0), 2);
        // Record 1 ends only once the loop is shutting down: the hand-over of its partition lets it.
        start(new ConcurrentRecordLoop<Void>(
                        consumer,
                        List.of(TOPIC),
                        (record, nothing) -> {
                            if (record.offset() == 1) {
                                release.await();
                            }
                            handled.add(record.offset());
                        },
                        limits(4, 1 << 20, Duration.ofSeconds(5)),
                        Clock.systemUTC())
                .onRevoke(partitions -> release.countDown()));
        await("record 0 done, 1 running")
                .until(() -> handled.contains(0L) && loop.inFlightCounter().get() == 1);

        loop.stop();
        poll.join(Duration.ofSeconds(10));

        assertThat(poll.isAlive()).isFalse();
        assertThat(handled).containsExactlyInAnyOrder(0L, 1L);
        assertThat(committed(p0)).isEqualTo(2);
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldStopWaitingForARunningRecordAfterTheShutdownTimeoutAndLeaveItUncommitted() throws InterruptedException {
        assignWithRecords(List.of(p0), 2);
        fifo(limits(4, 1 << 20, Duration.ofMillis(300)), Set.of(1L));
        await("record 0 done, 1 running")
                .until(() -> handled.contains(0L) && loop.inFlightCounter().get() == 1);

        long stopping = System.nanoTime();
        loop.stop();
        poll.join(Duration.ofSeconds(10));

        assertThat(Duration.ofNanos(System.nanoTime() - stopping))
                .isBetween(Duration.ofMillis(300), Duration.ofSeconds(8));
        assertThat(handled).containsExactly(0L);
        assertThat(committed(p0)).as("redelivered to the next owner").isEqualTo(1);
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldStopUnhealthyWithoutCommittingPastARecordWhoseHandlerThrew() throws InterruptedException {
        assignWithRecords(List.of(p0), 3);
        start(new ConcurrentRecordLoop<Void>(
                consumer,
                List.of(TOPIC),
                (record, nothing) -> {
                    if (record.offset() == 1) {
                        throw new IllegalStateException("provider down");
                    }
                    handled.add(record.offset());
                },
                limits(1, 1 << 20, Duration.ofSeconds(5)),
                Clock.systemUTC()));

        poll.join(Duration.ofSeconds(10));

        assertThat(poll.isAlive()).as("the loop stopped by itself").isFalse();
        assertThat(loop.healthy()).isFalse();
        assertThat(loop.failure()).hasMessageContaining("jobs-0@1").hasRootCauseMessage("provider down");
        assertThat(handled).doesNotContain(1L);
        assertThat(committed(p0)).isLessThanOrEqualTo(1);
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldGiveTheHandlerWhatTheClassifierDecodedAndRunHigherPrioritiesFirst() {
        Map<Long, String> values = new ConcurrentHashMap<>();
        List<Long> order = new CopyOnWriteArrayList<>();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(p0));
            for (long o = 0; o < 4; o++) {
                String value = o == 3 ? "urgent" : "job " + o;
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, o, null, value.getBytes(StandardCharsets.UTF_8)));
            }
        });
        ConcurrentRecordLoop.Classifier<String> decode = record -> {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            return new ConcurrentRecordLoop.Classified<>(new Lane(value.equals("urgent") ? 0 : 1, "", 1), value);
        };

        // One slot; the four records come in one poll, so the urgent one goes first.
        start(new ConcurrentRecordLoop<>(
                consumer,
                List.of(TOPIC),
                (record, value) -> {
                    order.add(record.offset());
                    values.put(record.offset(), value);
                },
                2,
                decode,
                FairQueue.Gate.OPEN,
                limits(1, 1 << 20, Duration.ofSeconds(5)),
                Clock.systemUTC()));

        await("all four handled").until(() -> values.size() == 4);
        assertThat(values).containsEntry(0L, "job 0").containsEntry(3L, "urgent");
        assertThat(order).containsExactly(3L, 0L, 1L, 2L);
    }

    @Test
    void shouldGiveTheHandlerNothingDecodedWhenTheClassifierThrows() {
        Map<Long, String> values = new ConcurrentHashMap<>();
        assignWithRecords(List.of(p0), 1);

        start(new ConcurrentRecordLoop<String>(
                consumer,
                List.of(TOPIC),
                (record, value) -> {
                    values.put(record.offset(), String.valueOf(value));
                },
                2,
                record -> {
                    throw new IllegalArgumentException("not a job");
                },
                FairQueue.Gate.OPEN,
                limits(1, 1 << 20, Duration.ofSeconds(5)),
                Clock.systemUTC()));

        await("the record handled anyway").until(() -> values.containsKey(0L));
        assertThat(values).containsEntry(0L, "null");
    }
}
