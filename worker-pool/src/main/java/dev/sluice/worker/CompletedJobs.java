package dev.sluice.worker;

import dev.sluice.model.LlmResult;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicFollower;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requestIds that have a completion on {@code llm.completions} from the last {@code window},
 * so that a job redelivered after a crash (its completion acked, its offset not yet committed)
 * is not sent to a provider again. It reads the topic from {@code now - window} to its end before
 * the worker takes any job, then follows it. A clean rebalance redelivers nothing (the loop
 * commits revoked partitions first); after a crash the partitions move only once the session
 * times out, long after this index has read the dead worker's completions.
 */
final class CompletedJobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompletedJobs.class);
    private static final long EVICT_EVERY_MILLIS = 60_000;

    private final Map<String, Long> completedAt = new ConcurrentHashMap<>();
    private final Deserializer<LlmResult> results;
    private final Duration window;
    private final Clock clock;
    private final TopicFollower follower;
    private long lastEviction;

    CompletedJobs(KafkaSettings kafka, String clientId, Duration window, Clock clock) {
        this.results = kafka.serdes().results().deserializer();
        this.window = window;
        this.clock = clock;
        this.lastEviction = clock.millis();
        this.follower = new TopicFollower(
                kafka, kafka.topics().completions(), clientId, this::startOffsets, this::apply, this::evictOld);
    }

    CompletedJobs start() {
        follower.start();
        return this;
    }

    /** Waits until the topic has been read to its end as of the start; false on timeout. */
    boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return follower.awaitLoaded(timeout);
    }

    boolean contains(String requestId) {
        return completedAt.containsKey(requestId);
    }

    /** The first offset at or after {@code now - window} in each partition; the end where none is. */
    private Map<TopicPartition, Long> startOffsets(
            KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Long> since = new HashMap<>();
        long from = clock.millis() - window.toMillis();
        ends.keySet().forEach(p -> since.put(p, from));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(since);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        ends.forEach((p, end) ->
                offsets.put(p, found.get(p) == null ? end : found.get(p).offset()));
        return offsets;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            completedAt.put(results.deserialize(r.topic(), r.value()).requestId(), r.timestamp());
        } catch (RuntimeException e) {
            log.warn(
                    "Skipping an unreadable completion at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
        }
    }

    /** Runs on the follower's thread between polls. */
    private void evictOld() {
        long now = clock.millis();
        if (now - lastEviction > EVICT_EVERY_MILLIS) {
            lastEviction = now;
            long horizon = now - window.toMillis();
            completedAt.values().removeIf(at -> at < horizon);
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
