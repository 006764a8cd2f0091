package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetCommitsTest {
    private final TopicPartition p0 = new TopicPartition("jobs", 0);
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final OffsetTracker tracker = new OffsetTracker();
    private final OffsetCommits commits = new OffsetCommits(consumer, tracker);

    OffsetCommitsTest() {
        consumer.assign(List.of(p0));
        tracker.assigned(p0);
    }

    private OffsetAndMetadata committed() {
        return consumer.committed(Set.of(p0)).get(p0);
    }

    @Test
    void shouldCommitOnlyBelowTheFirstUnfinishedRecord() {
        for (long o = 0; o < 4; o++) {
            tracker.started(p0, o);
        }
        tracker.finished(p0, 0);
        tracker.finished(p0, 2);
        tracker.finished(p0, 3);

        commits.commitAsync();

        assertThat(committed()).isEqualTo(new OffsetAndMetadata(1));
    }

    @Test
    void shouldCommitTheConsumersPositionOnHandOverOnceNothingIsUnfinished() {
        tracker.started(p0, 0);
        tracker.finished(p0, 0);
        // The consumer moved past a transaction marker that no poll returned.
        consumer.seek(p0, 2);

        commits.commitSync();

        assertThat(committed()).isEqualTo(new OffsetAndMetadata(2));
    }

    @Test
    void shouldCommitTheLastRecordPlusOneWhileThePositionIsUnknown() {
        // No beginning offset, no seek: the mock, like a consumer just assigned, has no position.
        tracker.started(p0, 5);
        tracker.finished(p0, 5);

        commits.commitSync();

        assertThat(committed()).isEqualTo(new OffsetAndMetadata(6));
    }
}
