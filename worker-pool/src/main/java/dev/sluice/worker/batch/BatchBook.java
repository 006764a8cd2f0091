package dev.sluice.worker.batch;

import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicFollower;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every provider batch on {@code llm.batches}, read from the beginning of the compacted topic and
 * followed, with the partition each one is on: which requests are already in a batch (so a job
 * redelivered after a crash is not batched twice) and which batches are still open (for the
 * pollers). Records this instance writes are applied as soon as they are acked.
 */
public final class BatchBook implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchBook.class);

    /** A batch and the llm.batches partition its record is on. */
    public record Tracked(ProviderBatch batch, int partition) {}

    private final Map<String, Tracked> batches = new ConcurrentHashMap<>();
    private final Map<String, String> batchOfRequest = new ConcurrentHashMap<>();
    private final Deserializer<ProviderBatch> deserializer;
    private final TopicFollower follower;

    public BatchBook(KafkaSettings kafka, String clientId) {
        this.deserializer = kafka.serdes().batches().deserializer();
        this.follower = new TopicFollower(
                kafka, kafka.topics().batches(), clientId, TopicFollower.Start.BEGINNING, this::read, () -> {});
    }

    public BatchBook start() {
        follower.start();
        return this;
    }

    /** Waits until the topic has been read to its end as of the start; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return follower.awaitLoaded(timeout);
    }

    private void read(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            Tracked gone = batches.remove(r.key());
            if (gone != null) {
                gone.batch()
                        .requestIds()
                        .forEach(id -> batchOfRequest.remove(id, gone.batch().batchId()));
            }
            return;
        }
        try {
            apply(deserializer.deserialize(r.topic(), r.value()), r.partition());
        } catch (RuntimeException e) {
            log.warn(
                    "Skipping an unreadable batch record at {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
        }
    }

    /**
     * Takes a batch record, from the topic or just acked. A record never replaces a newer one of
     * the same batch, nor a finished one: the follower may deliver a record after this instance
     * applied a later one it wrote itself.
     */
    public void apply(ProviderBatch batch, int partition) {
        batches.merge(
                batch.batchId(),
                new Tracked(batch, partition),
                (old, now) -> old.batch().finished()
                                || now.batch().updatedAt().isBefore(old.batch().updatedAt())
                        ? old
                        : now);
        batch.requestIds().forEach(id -> batchOfRequest.put(id, batch.batchId()));
    }

    /** The batch a request was put in, if any. */
    public Optional<String> batchOf(String requestId) {
        return Optional.ofNullable(batchOfRequest.get(requestId));
    }

    public Optional<Tracked> get(String batchId) {
        return Optional.ofNullable(batches.get(batchId));
    }

    /** Batches whose lines are not all accounted for yet. */
    public List<Tracked> open() {
        List<Tracked> open = new ArrayList<>();
        for (Tracked t : batches.values()) {
            if (!t.batch().finished()) {
                open.add(t);
            }
        }
        return open;
    }

    /** Every batch known, finished ones included. */
    public List<Tracked> all() {
        return List.copyOf(batches.values());
    }

    @Override
    public void close() {
        follower.close();
    }
}
