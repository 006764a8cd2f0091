package dev.sluice.cli.bench;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The producer a benchmark writes its input with, to topics created moments before: large lz4
 * batches, acks=all, and one request in flight. With more in flight, a first batch that met
 * NOT_LEADER_OR_FOLLOWER on a new partition let the next batch reach the new leader first, and the
 * idempotent producer then retried OUT_OF_ORDER_SEQUENCE_NUMBER for good: seen in
 * RouterBenchCommandIT (33 records never arrived) and in the worker bench on a loaded machine.
 */
final class PreloadProducer {
    private PreloadProducer() {}

    static KafkaProducer<String, byte[]> create(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        1,
                        ProducerConfig.LINGER_MS_CONFIG,
                        10,
                        ProducerConfig.BATCH_SIZE_CONFIG,
                        256 * 1024,
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4"),
                new StringSerializer(),
                new ByteArraySerializer());
    }
}
