package dev.sluice.runtime.kafka;

import dev.sluice.runtime.streams.DeadLetterHandler;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;

/** Client settings Sluice's services share. Pass-through overrides from the config win over these. */
public final class ClientProps {
    private ClientProps() {}

    /** A durable, idempotent producer: nothing acked is lost, retries never duplicate. */
    public static Map<String, Object> producer(KafkaSettings kafka, String clientId) {
        Map<String, Object> p = new java.util.HashMap<>();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.BATCH_RECORD_BYTES);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putAll(kafka.common());
        return p;
    }

    /** A consumer that reads only committed records and commits offsets itself. */
    public static Map<String, Object> consumer(KafkaSettings kafka, String groupId, String clientId) {
        Map<String, Object> p = new java.util.HashMap<>();
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.putAll(kafka.common());
        return p;
    }

    /**
     * As {@link #consumer(KafkaSettings, String, String)}, as the static member {@code member} of its
     * group when the instance has a group instance id (ADR 0014).
     */
    public static Map<String, Object> consumer(KafkaSettings kafka, String groupId, String clientId, String member) {
        Map<String, Object> p = consumer(kafka, groupId, clientId);
        kafka.groupInstanceId(member).ifPresent(id -> p.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        return p;
    }

    /**
     * Kafka Streams with exactly_once_v2 and explicit naming of every internal topic and store, so a
     * renamed processor can never silently orphan a changelog.
     */
    public static Map<String, Object> streams(KafkaSettings kafka, String applicationId, java.nio.file.Path stateDir) {
        Map<String, Object> p = new java.util.HashMap<>();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.layout().replicationFactor());
        // Its changelogs and repartition topics as Sluice's own (Topics): 2 in sync when replicated,
        // else 1, whatever the cluster's default.
        p.put(
                StreamsConfig.topicPrefix("min.insync.replicas"),
                Integer.toString(Math.min(2, kafka.layout().replicationFactor())));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        // Uncompressed: a Streams app writes many small batches, one per partition per commit (statuses,
        // events, changelogs), and lz4's set-up per batch (a 64 KB buffer, a native checksum) cost the
        // sink 12 % of its CPU for almost nothing saved (issue 15, docs/benchmarks.md).
        // kafka.client.producer.compression.type brings it back.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), 100);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        // One off-heap budget for every RocksDB store of the JVM (BoundedRocksDb); 0 leaves Streams' defaults.
        if (kafka.stateMemoryBytes() > 0) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, dev.sluice.runtime.streams.BoundedRocksDb.class);
            p.put(dev.sluice.runtime.streams.BoundedRocksDb.MEMORY_BYTES, Long.toString(kafka.stateMemoryBytes()));
        }
        p.put(DeadLetterHandler.TOPIC, kafka.topics().deadLetters());
        p.put(DeadLetterHandler.SERVICE, applicationId);
        p.put(DeadLetterHandler.TOPICS_PREFIX, kafka.topics().prefix());
        p.put(
                DeadLetterHandler.MAX_RECORD_BYTES,
                Integer.toString(kafka.layout().maxRecordBytes()));
        // Records for Sluice's topics are held to topics.max.record.bytes by their serializers; state
        // changelogs are not (a store logs bytes it already has), so the producer and the internal
        // topics take as much as llm.batches does: a large remembered result must never stop the app.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Topics.BATCH_RECORD_BYTES);
        p.put(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(Topics.BATCH_RECORD_BYTES));
        p.putAll(kafka.registryProps());
        p.putAll(kafka.common());
        // Static membership (ADR 0014): Kafka Streams appends each stream thread's index.
        kafka.groupInstanceId(null)
                .ifPresent(id ->
                        p.putIfAbsent(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
        return p;
    }
}
