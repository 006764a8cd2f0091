package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BacklogTest {
    private final TopicPartition p0 = new TopicPartition("jobs", 0);
    private final OffsetTracker tracker = new OffsetTracker();
    private final Backlog<String> backlog = new Backlog<>(new FairQueue<>(2), tracker);

    private static ConsumerRecord<String, byte[]> record(long offset) {
        return new ConsumerRecord<>("jobs", 0, offset, null, new byte[100]);
    }

    private void add(long offset, boolean earlierRunGoesOn) {
        backlog.add(record(offset), Lane.FIFO, "job " + offset, key -> earlierRunGoesOn);
    }

    private Map<TopicPartition, OffsetAndMetadata> committable() {
        return tracker.committable(tp -> OptionalLong.empty());
    }

    @Test
    void shouldCarryTheDecodedValueWithTheRecordToItsSlot() {
        add(0, false);

        Waiting<String> next = backlog.poll();

        assertThat(next.value()).isEqualTo("job 0");
        assertThat(next.record().offset()).isZero();
        assertThat(backlog.poll()).isNull();
    }

    @Test
    void shouldCountTheBytesOfWaitingRecordsInTheirPriority() {
        backlog.add(record(0), new Lane(1, "", 1), null, key -> false);

        assertThat(backlog.bytes(1)).isEqualTo(164);
        assertThat(backlog.bytes(0)).isZero();

        backlog.poll();
        assertThat(backlog.bytes(1)).isZero();
    }

    @Test
    void shouldFinishARecordOnlyWhenItsRunEndsWell() {
        add(0, false);
        add(1, false);
        backlog.poll();
        backlog.poll();

        backlog.ended(new RecordSlots.Ended(p0, 1, 0, null));

        assertThat(committable()).as("0 still runs").containsEntry(p0, new OffsetAndMetadata(0));
        assertThat(backlog.pending(List.of(p0))).isEqualTo(1);
        assertThatThrownBy(() -> backlog.ended(new RecordSlots.Ended(p0, 0, 0, new RuntimeException("boom"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jobs-0@0");
        assertThat(committable()).as("nothing past the failed record").isEmpty();
    }

    @Test
    void shouldNeverCommitPastARecordAbandonedUnstarted() {
        add(0, false);
        add(1, false);
        backlog.poll();

        backlog.abandon(List.of(p0));
        backlog.ended(new RecordSlots.Ended(p0, 0, 0, null));

        assertThat(backlog.poll()).as("the waiting record was taken back").isNull();
        assertThat(committable()).containsEntry(p0, new OffsetAndMetadata(1));
    }

    @Test
    void shouldHoldARecordWhoseEarlierRunGoesOnAndCountItDoneWhenThatRunSucceeds() {
        add(0, false);
        backlog.poll();
        backlog.endOwnership(List.of(p0));
        backlog.assigned(List.of(p0));

        add(0, true);

        assertThat(backlog.poll()).as("held, not run twice at once").isNull();
        assertThat(backlog.pending(List.of(p0))).isEqualTo(1);

        backlog.ended(new RecordSlots.Ended(p0, 0, 0, null));

        assertThat(backlog.pending(List.of(p0))).isZero();
        assertThat(backlog.poll()).isNull();
        assertThat(committable()).containsEntry(p0, new OffsetAndMetadata(1));
    }

    @Test
    void shouldRunAHeldRecordHereWhenItsEarlierRunFailed() {
        add(0, false);
        backlog.poll();
        backlog.endOwnership(List.of(p0));
        add(0, true);

        backlog.ended(new RecordSlots.Ended(p0, 0, 0, new RuntimeException("cut short")));

        Waiting<String> next = backlog.poll();
        assertThat(next).as("the held record waits for a slot").isNotNull();
        assertThat(next.generation()).isEqualTo(1);
        assertThat(backlog.pending(List.of(p0))).isEqualTo(1);
    }

    @Test
    void shouldIgnoreALateRunOfAPartitionItNoLongerOwns() {
        add(0, false);
        backlog.poll();
        backlog.endOwnership(List.of(p0));

        backlog.ended(new RecordSlots.Ended(p0, 0, 0, new RuntimeException("interrupted")));

        assertThat(committable()).isEmpty();
    }

    @Test
    void shouldForgetEverythingOfALostPartition() {
        add(0, false);
        add(1, false);
        backlog.poll();
        backlog.endOwnership(List.of(p0));
        add(0, true);

        backlog.lose(List.of(p0));

        assertThat(backlog.poll()).isNull();
        assertThat(backlog.bytes(0)).isZero();
        assertThat(backlog.pending(List.of(p0))).isZero();
        backlog.ended(new RecordSlots.Ended(p0, 0, 0, null));
        assertThat(committable()).as("the held record went with the partition").isEmpty();
    }
}
