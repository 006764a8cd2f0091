package dev.sluice.cli.chaos;

import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Counts, per requestId, what each stage wrote, read as a user reads it ({@code read_committed}, no
 * group, every partition from the start): results on {@code llm.results} (with when each was first
 * read), completions on {@code llm.completions}, and jobs on the routed job topics, whose key is the
 * requestId.
 */
final class ChaosTally implements AutoCloseable {
    /** A result's first arrival. */
    record Arrival(String requestId, Instant at) {}

    private final Map<String, Integer> results = new ConcurrentHashMap<>();
    private final Map<String, Integer> completions = new ConcurrentHashMap<>();
    private final Map<String, Integer> jobs = new ConcurrentHashMap<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaConsumer<String, byte[]>> consumers = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();

    ChaosTally(String bootstrapServers, Topics topics, SluiceSerdes serdes) {
        var resultSerde = serdes.results().deserializer();
        follow(bootstrapServers, List.of(topics.results()), r -> {
            String id = resultSerde.deserialize(r.topic(), r.value()).requestId();
            if (results.merge(id, 1, Integer::sum) == 1) {
                arrivals.add(new Arrival(id, Instant.now()));
            }
        });
        follow(
                bootstrapServers,
                List.of(topics.completions()),
                r -> completions.merge(
                        resultSerde.deserialize(r.topic(), r.value()).requestId(), 1, Integer::sum));
        List<String> jobTopics = new ArrayList<>(topics.jobTopics(Topics.ROUTED_TIERS));
        jobTopics.add(topics.jobsBatch());
        follow(bootstrapServers, jobTopics, r -> jobs.merge(r.key(), 1, Integer::sum));
    }

    private void follow(
            String bootstrapServers,
            List<String> topicNames,
            java.util.function.Consumer<ConsumerRecord<String, byte[]>> onRecord) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : topicNames) {
            consumer.partitionsFor(t, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        consumers.add(consumer);
        Thread thread = Thread.ofPlatform()
                .name("chaos-tally-" + topicNames.getFirst())
                .start(() -> {
                    try {
                        while (!stopped.get()) {
                            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                                onRecord.accept(r);
                            }
                        }
                    } catch (WakeupException e) {
                        // close() stops the loop.
                    } finally {
                        consumer.close(Duration.ofSeconds(5));
                    }
                });
        threads.add(thread);
    }

    /** Results per requestId. */
    int results(String requestId) {
        return results.getOrDefault(requestId, 0);
    }

    int completions(String requestId) {
        return completions.getOrDefault(requestId, 0);
    }

    int jobs(String requestId) {
        return jobs.getOrDefault(requestId, 0);
    }

    /** Each requestId's first result, in the order read. */
    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    @Override
    public void close() throws InterruptedException {
        stopped.set(true);
        consumers.forEach(KafkaConsumer::wakeup);
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
