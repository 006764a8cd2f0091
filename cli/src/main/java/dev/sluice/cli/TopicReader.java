package dev.sluice.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How the operator commands read a topic: in no group, read_committed (the services write most
 * topics in transactions), from a chosen offset up to the end as it was when the read began.
 */
public final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;

    public TopicReader(String bootstrap) {
        this.consumer = new KafkaConsumer<>(
                CliKafka.client(
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        4 << 20),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    public KafkaConsumer<String, byte[]> consumer() {
        return consumer;
    }

    /** The topic's partitions; none when it does not exist. */
    public List<TopicPartition> partitions(String topic) {
        if (!consumer.listTopics(Duration.ofSeconds(10)).containsKey(topic)) {
            return List.of();
        }
        return consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    /**
     * Hands {@code each} every record from the partitions' positions (set them first: assign and
     * seek) up to their end as it was when the read began (the last stable offset).
     */
    public void readToEnd(List<TopicPartition> partitions, Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + partitions + " did not reach its end in 60 s");
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                }
            }
        }
    }

    /** Every record of the partitions, from their beginning. */
    public void readAll(List<TopicPartition> partitions, Consumer<ConsumerRecord<String, byte[]>> each) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        readToEnd(partitions, each);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
