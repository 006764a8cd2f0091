package dev.sluice.devstack.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schemas topic: one partition, so facts keep their order, and compacted, so it holds one
 * record per fact however often the fact changed. It is read once, at start, from the beginning;
 * after that this instance is assumed to be its only writer.
 */
final class SchemaLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaLog.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final String bootstrapServers;

    private SchemaLog(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "sluice-schema-registry-" + topic,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        10_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        (int) WRITE_TIMEOUT.toMillis(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        WRITE_TIMEOUT.toMillis()),
                new StringSerializer(),
                new StringSerializer());
    }

    /** Creates the topic if it is missing and checks an existing one has a single partition. */
    static SchemaLog open(String bootstrapServers, String topic, short replicationFactor, Duration timeout) {
        ensureTopic(bootstrapServers, topic, replicationFactor, timeout);
        return new SchemaLog(bootstrapServers, topic);
    }

    private static void ensureTopic(String bootstrapServers, String topic, short replicationFactor, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis()))) {
            NewTopic newTopic = new NewTopic(topic, 1, replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                log.info("Created schemas topic {} (compacted, replication factor {})", topic, replicationFactor);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            TopicDescription description = describe(admin, topic, timeout);
            if (description.partitions().size() != 1) {
                throw new IllegalStateException("Schemas topic " + topic + " has "
                        + description.partitions().size()
                        + " partitions; the registry needs exactly 1 so that facts keep their order."
                        + " Point it at another topic or recreate this one.");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Could not create or describe schemas topic " + topic + " at " + bootstrapServers + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + bootstrapServers + " did not answer within " + timeout.toSeconds()
                            + " s while preparing schemas topic " + topic,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while preparing schemas topic " + topic, e);
        }
    }

    /**
     * Describes the topic, retrying while the broker does not know it yet: just after creation
     * its metadata may not have reached the broker that answers.
     */
    private static TopicDescription describe(Admin admin, String topic, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(Set.of(topic))
                        .allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Feeds every record from the beginning up to the current end of the topic, in order. */
    void replay(Consumer<LogEntry> sink, Duration timeout) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        "sluice-schema-registry-reader-" + topic,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            Instant deadline = Instant.now().plus(timeout);
            long count = 0;
            while (consumer.position(partition, timeout) < end) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Could not read schemas topic " + topic + " to offset " + end
                            + " within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    LogCodec.decode(r.key(), r.value()).ifPresent(sink);
                    count++;
                }
            }
            log.info("Read {} records from schemas topic {} (end offset {})", count, topic, end);
        }
    }

    /**
     * Writes the entries and returns once the broker has acknowledged all of them, so that what the
     * registry answers is never ahead of what a restart would reload.
     */
    void append(List<LogEntry> entries) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try {
            for (LogEntry entry : entries) {
                acks.add(producer.send(new ProducerRecord<>(topic, 0, LogCodec.key(entry), LogCodec.value(entry))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(WRITE_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw RegistryException.storeError(
                    "writing to " + topic + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw RegistryException.storeError("writing to " + topic + " timed out");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw RegistryException.storeError("writing to " + topic + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryException.storeError("interrupted while writing to " + topic);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
