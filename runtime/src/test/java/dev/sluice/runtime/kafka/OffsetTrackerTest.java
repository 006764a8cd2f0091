package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
    private final TopicPartition p0 = new TopicPartition("jobs", 0);
    private final TopicPartition p1 = new TopicPartition("jobs", 1);
    /** A consumer that does not know its positions yet. */
    private static final OffsetTracker.Positions UNKNOWN = tp -> OptionalLong.empty();

    /** A consumer whose position in each partition is as given. */
    private static OffsetTracker.Positions at(Map<TopicPartition, Long> positions) {
        return tp -> positions.containsKey(tp) ? OptionalLong.of(positions.get(tp)) : OptionalLong.empty();
    }

    @Test
    void shouldCommitThePositionPastATransactionMarkerOnceEveryRecordIsFinished() {
        OffsetTracker t = new OffsetTracker();
        // A transaction wrote offsets 10..12 and its commit marker at 13; the consumer is at 14.
        for (long o = 10; o <= 12; o++) {
            t.started(p0, o);
        }
        t.finished(p0, 12);
        t.finished(p0, 11);

        assertThat(t.committable(at(Map.of(p0, 14L))))
                .as("10 is unfinished")
                .containsEntry(p0, new OffsetAndMetadata(10));

        t.finished(p0, 10);
        assertThat(t.committable(at(Map.of(p0, 14L)))).as("lag 0, not 1").containsEntry(p0, new OffsetAndMetadata(14));
    }

    @Test
    void shouldCommitTheLastRecordPlusOneWhileThePositionIsUnknown() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 3);
        t.finished(p0, 3);

        assertThat(t.committable(UNKNOWN)).containsEntry(p0, new OffsetAndMetadata(4));
        assertThat(t.committable(at(Map.of(p0, 5L)))).containsEntry(p0, new OffsetAndMetadata(5));
    }

    @Test
    void shouldNeverCommitThePositionPastARecordGivenBackUnstarted() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 20);
        t.started(p0, 21);
        t.finished(p0, 20);
        t.abandoned(p0, 21);

        assertThat(t.committable(at(Map.of(p0, 23L)))).containsEntry(p0, new OffsetAndMetadata(21));
    }

    @Test
    void shouldCommitThePositionOfAnAssignedPartitionThatReturnedNoRecord() {
        OffsetTracker t = new OffsetTracker();
        // Only markers, or an aborted transaction, were written: the consumer moved past them.
        t.assigned(p1);

        assertThat(t.committable(UNKNOWN)).isEmpty();
        assertThat(t.committable(at(Map.of(p1, 7L)))).containsExactly(Map.entry(p1, new OffsetAndMetadata(7)));
        assertThat(t.committable(at(Map.of(p1, 7L)))).as("once").isEmpty();
    }

    @Test
    void shouldCommitOnlyBelowTheLowestUnfinishedRecord() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 10);
        t.started(p0, 11);
        t.started(p0, 12);
        t.finished(p0, 11);
        t.finished(p0, 12);

        assertThat(t.committable(UNKNOWN)).containsEntry(p0, new OffsetAndMetadata(10));

        t.finished(p0, 10);
        assertThat(t.committable(UNKNOWN)).containsEntry(p0, new OffsetAndMetadata(13));
    }

    @Test
    void shouldNeverCommitPastARecordGivenBackUnstarted() {
        OffsetTracker t = new OffsetTracker();
        for (long o = 20; o < 25; o++) {
            t.started(p0, o);
        }
        t.finished(p0, 20);
        t.abandoned(p0, 22);
        t.abandoned(p0, 23);
        t.abandoned(p0, 24);
        assertThat(t.pending(p0)).isEqualTo(1);

        t.finished(p0, 21);

        // 21 and 20 are done, 22 was given back: the next owner starts at 22.
        assertThat(t.pending(p0)).isZero();
        assertThat(t.committable(UNKNOWN)).containsEntry(p0, new OffsetAndMetadata(22));
    }

    @Test
    void shouldOfferAgainAnOffsetWhoseCommitFailed() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 7);
        t.finished(p0, 7);
        var first = t.committable(UNKNOWN);
        assertThat(first).containsEntry(p0, new OffsetAndMetadata(8));

        t.commitFailed(first);

        assertThat(t.committable(UNKNOWN)).containsEntry(p0, new OffsetAndMetadata(8));
        assertThat(t.committable(UNKNOWN)).isEmpty();
    }

    @Test
    void shouldNotOfferTheSameOffsetTwice() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 0);
        t.finished(p0, 0);
        assertThat(t.committable(UNKNOWN)).hasSize(1);
        assertThat(t.committable(UNKNOWN)).isEmpty();
    }

    @Test
    void shouldKeepPartitionsApart() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 5);
        t.started(p1, 7);
        t.finished(p1, 7);

        assertThat(t.pending()).isEqualTo(1);
        assertThat(t.pending(p0)).isEqualTo(1);
        assertThat(t.committable(UNKNOWN))
                .containsEntry(p0, new OffsetAndMetadata(5))
                .containsEntry(p1, new OffsetAndMetadata(8));
    }

    @Test
    void shouldForgetARevokedPartition() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 5);
        t.remove(p0);
        assertThat(t.pending()).isZero();
        assertThat(t.committable(UNKNOWN)).isEmpty();
    }
}
