package dev.sluice.worker.batch;

import dev.sluice.model.BatchJob;
import dev.sluice.model.LlmJob;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.KafkaSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a batch's jobs back from {@code llm.jobs.batch} by the positions its record keeps, so
 * that whichever instance polls a batch, or submits an intent whose writer died, has the jobs
 * themselves without keeping them anywhere but Kafka. A job gone from the topic (its retention
 * passed) is missing from the answer; a read that does not finish in time fails, and is tried
 * again by its caller.
 */
final class JobReader {
    private static final Logger log = LoggerFactory.getLogger(JobReader.class);
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);

    private final KafkaSettings kafka;
    private final String topic;
    private final String clientId;
    private final Deserializer<LlmJob> jobs;

    JobReader(KafkaSettings kafka, String clientId) {
        this.kafka = kafka;
        this.topic = kafka.topics().jobsBatch();
        this.clientId = clientId;
        this.jobs = kafka.serdes().jobs().deserializer();
    }

    /** The jobs found, by requestId. */
    Map<String, LlmJob> read(List<BatchJob> wanted) {
        return read(wanted, (requestId, headers) -> {});
    }

    /** The jobs found, by requestId; {@code headers} is told each found job's record headers (its trace). */
    Map<String, LlmJob> read(List<BatchJob> wanted, BiConsumer<String, Headers> headers) {
        Map<Integer, TreeMap<Long, BatchJob>> byPartition = new HashMap<>();
        wanted.forEach(j ->
                byPartition.computeIfAbsent(j.partition(), p -> new TreeMap<>()).put(j.offset(), j));
        Map<String, LlmJob> found = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                ClientProps.consumer(kafka, null, clientId), new StringDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> last = new HashMap<>();
            byPartition.forEach((p, offsets) -> last.put(new TopicPartition(topic, p), offsets.lastKey()));
            consumer.assign(last.keySet());
            Map<TopicPartition, Long> ends = consumer.endOffsets(last.keySet());
            byPartition.forEach((p, offsets) -> consumer.seek(new TopicPartition(topic, p), offsets.firstKey()));
            Instant giveUp = Instant.now().plus(GIVE_UP_AFTER);
            while (!last.isEmpty() && Instant.now().isBefore(giveUp)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    BatchJob job = byPartition.get(r.partition()).get(r.offset());
                    if (job != null) {
                        try {
                            found.put(job.requestId(), jobs.deserialize(r.topic(), r.value()));
                            headers.accept(job.requestId(), r.headers());
                        } catch (RuntimeException e) {
                            log.warn(
                                    "Job {} at {}-{}@{} cannot be read back: {}",
                                    job.requestId(),
                                    r.topic(),
                                    r.partition(),
                                    r.offset(),
                                    e.getMessage());
                        }
                    }
                }
                // Done with a partition once past its last wanted offset, or at its end (the rest was deleted).
                last.entrySet()
                        .removeIf(e -> consumer.position(e.getKey()) > e.getValue()
                                || consumer.position(e.getKey()) >= ends.get(e.getKey()));
            }
            if (!last.isEmpty()) {
                // Slow, not gone: the caller tries again later rather than ending jobs that exist.
                throw new IllegalStateException(
                        "jobs of " + last.keySet() + " not read back within " + GIVE_UP_AFTER.toSeconds() + " s");
            }
        }
        return found;
    }
}
