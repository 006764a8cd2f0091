package dev.sluice.cli;

import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads llm.results as a user's downstream consumer would (read_committed), from the end as it
 * was before the demo submitted anything, and notes when each result was seen; reads
 * llm.job-events alongside for the topic the router sent each job to (its QUEUED event).
 */
final class ResultWatcher implements AutoCloseable {
    record Seen(LlmResult result, long seenNanos, long seenWallMillis) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<LlmResult> results;
    private final Deserializer<JobStatus> statuses;
    private final String topic;
    private final String eventsTopic;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Map<String, String> routes = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    ResultWatcher(
            String bootstrapServers,
            String topic,
            Deserializer<LlmResult> results,
            String eventsTopic,
            Deserializer<JobStatus> statuses) {
        this.topic = topic;
        this.results = results;
        this.eventsTopic = eventsTopic;
        this.statuses = statuses;
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = java.util.stream.Stream.of(topic, eventsTopic)
                .flatMap(t -> consumer.partitionsFor(t, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(t, p.partition())))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end offsets now: a lazy seek would skip results written before the first poll.
        partitions.forEach(consumer::position);
        this.thread = Thread.ofPlatform().daemon().name("demo-results").start(this::run);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.topic().equals(topic)) {
                        LlmResult result = results.deserialize(topic, r.value());
                        seen.putIfAbsent(
                                result.requestId(), new Seen(result, System.nanoTime(), System.currentTimeMillis()));
                    } else if (r.value() != null) {
                        JobStatus status = statuses.deserialize(eventsTopic, r.value());
                        if (status.state() == JobState.QUEUED && status.detail() != null) {
                            routes.putIfAbsent(status.requestId(), status.detail());
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    Seen get(String requestId) {
        return seen.get(requestId);
    }

    /** The topic the router sent the job to, or null when it was not routed (or not yet). */
    String routeOf(String requestId) {
        return routes.get(requestId);
    }

    /** How many of the given request ids have a result. */
    long countOf(java.util.Collection<String> requestIds) {
        return requestIds.stream().filter(seen::containsKey).count();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
