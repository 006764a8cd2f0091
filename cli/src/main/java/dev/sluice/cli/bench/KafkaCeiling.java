package dev.sluice.cli.bench;

import dev.sluice.runtime.kafka.TopicCreator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own ceiling on a broker: one producer with the settings Sluice's services use (acks=all,
 * idempotent, lz4, 5 ms linger) writing {@code records} values of {@code bytes} bytes of text to a
 * new topic as fast as it can, then one consumer (read_committed) reading them all back. What the
 * pipeline does is set against these figures.
 */
record KafkaCeiling(long records, int bytes, int partitions, double produceSeconds, double consumeSeconds) {

    double producedPerSecond() {
        return records / produceSeconds;
    }

    double consumedPerSecond() {
        return records / consumeSeconds;
    }

    static KafkaCeiling measure(
            String bootstrap,
            Map<String, Object> producerSettings,
            String topic,
            int partitions,
            long records,
            int bytes)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
            // Sending at once to a topic just made loses batches on Kafka before 4.5 (ADR 0028).
            TopicCreator.awaitWritable(admin, List.of(topic), Duration.ofSeconds(30));
        }
        List<byte[]> values = values(bytes, 64);
        Map<String, Object> settings = new HashMap<>(producerSettings);
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-ceiling");
        AtomicReference<Exception> failed = new AtomicReference<>();
        long t0;
        double produceSeconds;
        try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
            // The first send fetches the metadata and opens the connection; it is not the ceiling.
            producer.send(new ProducerRecord<>(topic, "warm", values.getFirst()))
                    .get();
            t0 = System.nanoTime();
            for (long i = 0; i < records; i++) {
                producer.send(
                        new ProducerRecord<>(topic, "key-" + (i % 1024), values.get((int) (i % values.size()))),
                        (meta, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
            produceSeconds = (System.nanoTime() - t0) / 1e9;
        }
        if (failed.get() != null) {
            throw new IllegalStateException("the ceiling's producer failed: " + failed.get(), failed.get());
        }
        double consumeSeconds;
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                parts.add(new TopicPartition(topic, p));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long read = 0;
            long target = records + 1;
            long t1 = System.nanoTime();
            while (read < target) {
                read += consumer.poll(Duration.ofMillis(200)).count();
                if (System.nanoTime() - t1 > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException(
                            "the ceiling's consumer read " + read + " of " + target + " records in 5 minutes");
                }
            }
            consumeSeconds = (System.nanoTime() - t1) / 1e9;
        }
        return new KafkaCeiling(records, bytes, partitions, produceSeconds, consumeSeconds);
    }

    /** Values of English-like text, so that lz4 finds in them about what it finds in prompts. */
    private static List<byte[]> values(int bytes, int count) {
        String[] words = {
            "the",
            "report",
            "summarise",
            "customer",
            "order",
            "shipped",
            "within",
            "three",
            "lines",
            "please",
            "invoice",
            "account",
            "delayed",
            "because",
            "of",
            "weather",
            "and",
            "a",
            "missing",
            "label"
        };
        Random random = new Random(7);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder(bytes + 16);
            while (sb.length() < bytes) {
                sb.append(words[random.nextInt(words.length)]).append(' ');
                if (random.nextInt(8) == 0) {
                    sb.append(random.nextInt(100_000)).append(' ');
                }
            }
            sb.setLength(bytes);
            values.add(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return values;
    }
}
