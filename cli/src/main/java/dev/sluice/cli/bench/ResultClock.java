package dev.sluice.cli.bench;

import dev.sluice.model.LlmResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads {@code llm.results} (read_committed, from its end when started) on a thread of its own and
 * keeps, for each result of this benchmark's requests, the moment it became readable here and the
 * moments the pipeline wrote into it: created (by the load generator), routed, started, completed.
 */
final class ResultClock implements AutoCloseable {

    /** One result's moments, in epoch milliseconds; routed and started are -1 when the router answered. */
    record Times(long created, long routed, long started, long completed, long read, boolean succeeded) {
        long endToEnd() {
            return read - created;
        }
    }

    private final Map<String, Times> times = new ConcurrentHashMap<>();
    private final AtomicLong read = new AtomicLong();
    private final String prefix;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    ResultClock(String bootstrap, String topic, Deserializer<LlmResult> results, String requestIdPrefix) {
        this.prefix = requestIdPrefix;
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5000,
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                        10),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        thread = Thread.ofPlatform().name("bench-results").daemon().start(() -> {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        LlmResult result = results.deserialize(r.topic(), r.value());
                        if (result.requestId().startsWith(prefix)) {
                            times.put(
                                    result.requestId(),
                                    new Times(
                                            result.createdAt().toEpochMilli(),
                                            millis(result.routedAt()),
                                            millis(result.startedAt()),
                                            result.completedAt().toEpochMilli(),
                                            now,
                                            result.status() == dev.sluice.model.ResultStatus.SUCCEEDED));
                            read.incrementAndGet();
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    private static long millis(Instant at) {
        return at == null ? -1 : at.toEpochMilli();
    }

    /** Results read so far (a result read twice would count twice; the sink writes one per request). */
    long count() {
        return read.get();
    }

    /** Waits until {@code target} results are read; throws after {@code timeout} without progress. */
    void await(long target, Duration timeout, java.util.function.LongConsumer progress) throws InterruptedException {
        long last = count();
        long lastChange = System.nanoTime();
        long lastPrint = System.nanoTime();
        while (count() < target) {
            if (failure != null) {
                throw new IllegalStateException("the results reader failed: " + failure, failure);
            }
            Thread.sleep(20);
            long now = System.nanoTime();
            if (count() != last) {
                last = count();
                lastChange = now;
            } else if (now - lastChange > timeout.toNanos()) {
                throw new IllegalStateException(
                        "no result for " + timeout.toSeconds() + " s; " + count() + " of " + target + " read");
            }
            if (now - lastPrint > 5_000_000_000L) {
                lastPrint = now;
                progress.accept(count());
            }
        }
    }

    /** The results of requests whose id starts with {@code idPrefix}. */
    List<Times> of(String idPrefix) {
        List<Times> out = new ArrayList<>();
        times.forEach((id, t) -> {
            if (id.startsWith(idPrefix)) {
                out.add(t);
            }
        });
        return out;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
