package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
    private final TopicPartition p0 = new TopicPartition("jobs", 0);
    private final TopicPartition p1 = new TopicPartition("jobs", 1);

    @Test
    void shouldCommitOnlyBelowTheLowestUnfinishedRecord() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 10);
        t.started(p0, 11);
        t.started(p0, 12);
        t.finished(p0, 11);
        t.finished(p0, 12);

        assertThat(t.committable()).containsEntry(p0, new OffsetAndMetadata(10));

        t.finished(p0, 10);
        assertThat(t.committable()).containsEntry(p0, new OffsetAndMetadata(13));
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
        assertThat(t.committable()).containsEntry(p0, new OffsetAndMetadata(22));
    }

    @Test
    void shouldOfferAgainAnOffsetWhoseCommitFailed() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 7);
        t.finished(p0, 7);
        var first = t.committable();
        assertThat(first).containsEntry(p0, new OffsetAndMetadata(8));

        t.commitFailed(first);

        assertThat(t.committable()).containsEntry(p0, new OffsetAndMetadata(8));
        assertThat(t.committable()).isEmpty();
    }

    @Test
    void shouldNotOfferTheSameOffsetTwice() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 0);
        t.finished(p0, 0);
        assertThat(t.committable()).hasSize(1);
        assertThat(t.committable()).isEmpty();
    }

    @Test
    void shouldKeepPartitionsApart() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 5);
        t.started(p1, 7);
        t.finished(p1, 7);

        assertThat(t.pending()).isEqualTo(1);
        assertThat(t.pending(p0)).isEqualTo(1);
        assertThat(t.committable()).containsEntry(p0, new OffsetAndMetadata(5)).containsEntry(p1,
                new OffsetAndMetadata(8));
    }

    @Test
    void shouldForgetARevokedPartition() {
        OffsetTracker t = new OffsetTracker();
        t.started(p0, 5);
        t.remove(p0);
        assertThat(t.pending()).isZero();
        assertThat(t.committable()).isEmpty();
    }
}
