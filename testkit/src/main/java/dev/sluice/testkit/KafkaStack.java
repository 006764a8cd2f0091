package dev.sluice.testkit;

import dev.sluice.devstack.KafkaBroker;
import dev.sluice.devstack.registry.DevSchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A real Kafka broker (KRaft, its own JVM) and the development schema registry, shared by the
 * tests of one class. Tests stay apart by topic prefix: {@link #newPrefix()} gives each test its
 * own set of Sluice topics on the shared broker.
 */
public final class KafkaStack implements AutoCloseable {
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final KafkaBroker broker;
    private final DevSchemaRegistry registry;

    KafkaStack(KafkaBroker broker, DevSchemaRegistry registry) {
        this.broker = broker;
        this.registry = registry;
    }

    static KafkaStack start() {
        KafkaBroker broker = KafkaBroker.builder().heapMb(384).build().start(Duration.ofSeconds(90));
        try {
            DevSchemaRegistry registry =
                    DevSchemaRegistry.start(broker.bootstrapServers(), "127.0.0.1", 0, DevSchemaRegistry.DEFAULT_TOPIC);
            return new KafkaStack(broker, registry);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public KafkaBroker broker() {
        return broker;
    }

    /** A topic prefix no other test in this JVM uses, e.g. {@code t7-3f2a9c.}. */
    public String newPrefix() {
        return "t" + PREFIXES.incrementAndGet() + "-"
                + UUID.randomUUID().toString().substring(0, 6) + ".";
    }

    /**
     * Configuration every Sluice service reads, for this stack and a topic prefix. Partition counts
     * are small so that a test's topics are created quickly.
     */
    public Map<String, String> serviceConfig(String prefix) {
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", bootstrapServers());
        c.put("schema.registry.url", registryUrl());
        c.put("topics.prefix", prefix);
        c.put("topics.tenant.partitions", "3");
        c.put("topics.job.partitions", "2");
        c.put("ops.port", "0");
        return c;
    }

    public Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
    }

    /**
     * An idempotent producer with one request in flight per connection. With more, a test that
     * writes to a topic in its first moments can lose a batch for good on Kafka before 4.5
     * (KAFKA-15591: NOT_LEADER_OR_FOLLOWER on the first batch, the next one written, every retry of
     * the first OUT_OF_ORDER_SEQUENCE_NUMBER). A test that makes a topic itself and lets a service
     * write to it calls {@code TopicCreator.awaitWritable} first (docs/adr/0028).
     */
    public KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        1,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** A consumer of committed records only, from the beginning, in no group. */
    public KafkaConsumer<String, byte[]> committedReader() {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * Reads a topic (read_committed, every partition, from the start) until {@code done} holds for
     * what was read or the timeout passes, and returns everything read.
     */
    public List<ConsumerRecord<String, byte[]>> readUntil(
            String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = committedReader()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (!done.test(out) && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Every record of a topic a read_committed reader can see once the transactions open on it now
     * have ended: everything written before the call, less what was aborted. It reads until each
     * partition's position passes what was its end offset (read_uncommitted) at the call, so a
     * transaction whose commit has returned but whose markers are not on the log yet is waited for,
     * not missed. Fails after {@code timeout} naming the partitions not read to their end.
     */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = committedReader()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            Map<TopicPartition, Long> end;
            try (Admin admin = admin()) {
                end = endOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Map<TopicPartition, Long> behind = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    long position = consumer.position(tp);
                    if (position < end.get(tp)) {
                        behind.put(tp, position);
                    }
                }
                if (behind.isEmpty()) {
                    return out;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("read " + topic + " only to " + behind + " in " + timeout.toSeconds()
                            + " s; its end offsets were " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
    }

    /**
     * The end offsets of every partition of the topics once no transaction is open on them: a
     * read_committed reader's end is then everyone's end. A transaction's commit returns before its
     * markers are on the log, so offsets taken right after it would move a moment later. Fails
     * after 30 s naming the partitions that still have a transaction open.
     */
    public Map<TopicPartition, Long> settledEndOffsets(String... topics) {
        try (Admin admin = admin()) {
            List<TopicPartition> partitions = new ArrayList<>();
            admin.describeTopics(List.of(topics))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((topic, description) -> description
                            .partitions()
                            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                Map<TopicPartition, Long> committed = endOffsets(admin, partitions, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> written = endOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
                if (committed.equals(written)) {
                    return committed;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("a transaction stayed open for 30 s: committed end offsets " + committed
                            + ", written " + written);
                }
                Thread.sleep(20);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not describe " + List.of(topics), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for open transactions to end", e);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(
            Admin admin, List<TopicPartition> partitions, IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(isolation))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not list the end offsets of " + partitions, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted listing end offsets", e);
        }
    }

    /** Names of the topics on the broker. */
    public Set<String> topics() {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get();
        } catch (Exception e) {
            throw new IllegalStateException("Could not list topics", e);
        }
    }

    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            broker.close();
        }
    }
}
