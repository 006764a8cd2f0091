package dev.sluice.runtime.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what the {@link OffsetTracker} allows: asynchronously as the loop goes, synchronously
 * when partitions are handed over. Poll thread only, like the consumer.
 */
final class OffsetCommits {
    private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);

    private final Consumer<?, ?> consumer;
    private final OffsetTracker tracker;

    OffsetCommits(Consumer<?, ?> consumer, OffsetTracker tracker) {
        this.consumer = consumer;
        this.tracker = tracker;
    }

    /** A failed commit is offered again by the next one. */
    void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(this::position);
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    // Runs on the poll thread: the offsets are offered again by the next commit.
                    tracker.commitFailed(offsets);
                    log.warn("Offset commit failed; the next one retries it: {}", e.getMessage());
                }
            });
        }
    }

    /** Before partitions move: a failure is thrown, so the caller decides what it costs. */
    void commitSync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(this::position);
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
        }
    }

    /**
     * The consumer's position in the partition, past the transaction markers it skipped; empty
     * when it does not know it yet (just assigned), as asking must never block the poll thread.
     */
    private OptionalLong position(TopicPartition tp) {
        try {
            return OptionalLong.of(consumer.position(tp, Duration.ZERO));
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException | IllegalStateException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }
}
