package dev.sluice.cli.bench;

import dev.sluice.model.LlmResult;
import dev.sluice.model.ResultStatus;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the worker's completions (read_committed) on a thread of its own and counts them. The
 * measured share is the completions numbered {@code warmup + 1} to {@code warmup + measured}: the
 * window opens when the warm-up's last is read and closes when the measured share's last is, and
 * the {@link Window} callbacks take their CPU and memory readings at those two moments. This
 * thread's own CPU over the window is kept apart, so that it is not counted as the worker's.
 */
final class CompletionReader implements AutoCloseable {
    /** Called on the reader's thread as the measured share starts and ends. */
    interface Window {
        void open();

        void close();
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Deserializer<LlmResult> results;
    private final int warmup;
    private final int measured;
    private final int total;
    private final Window window;
    private final Thread thread;
    private final List<Long> startedToCompleted = new ArrayList<>();
    private final List<Long> completedToRead = new ArrayList<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    private volatile long count;
    private volatile long lastReadNanos = System.nanoTime();
    private volatile boolean open;
    private volatile boolean closed;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private long providerCalls;
    private long openNanos;
    private long openCpu;
    private double measuredSeconds;
    private double cpuSeconds;

    CompletionReader(
            String bootstrap,
            String topic,
            Deserializer<LlmResult> results,
            int warmup,
            int measured,
            int total,
            Window window) {
        if (warmup < 1 || measured < 1 || total < warmup + measured) {
            throw new IllegalArgumentException("need warmup >= 1, measured >= 1, total >= warmup + measured");
        }
        this.consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        2000),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        this.topic = topic;
        this.results = results;
        this.warmup = warmup;
        this.measured = measured;
        this.total = total;
        this.window = window;
        this.thread = Thread.ofPlatform().name("bench-completion-reader").unstarted(this::run);
    }

    void start() {
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread.start();
    }

    private void run() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try {
            while (!stopping && count < total) {
                var records = consumer.poll(Duration.ofMillis(50));
                if (!records.isEmpty()) {
                    lastReadNanos = System.nanoTime();
                }
                for (ConsumerRecord<String, byte[]> r : records) {
                    Instant readAt = Instant.now();
                    LlmResult result = results.deserialize(r.topic(), r.value());
                    long n = count + 1;
                    outcomes.merge(outcome(result), 1L, Long::sum);
                    providerCalls += result.attempts().size();
                    if (n > warmup && n <= warmup + measured) {
                        if (result.startedAt() != null) {
                            startedToCompleted.add(Duration.between(result.startedAt(), result.completedAt())
                                    .toMillis());
                        }
                        completedToRead.add(
                                Duration.between(result.completedAt(), readAt).toMillis());
                    }
                    count = n;
                    if (n == warmup) {
                        openNanos = System.nanoTime();
                        openCpu = threads.getCurrentThreadCpuTime();
                        window.open();
                        open = true;
                    } else if (n == warmup + measured) {
                        measuredSeconds = (System.nanoTime() - openNanos) / 1e9;
                        cpuSeconds = (threads.getCurrentThreadCpuTime() - openCpu) / 1e9;
                        window.close();
                        open = false;
                        closed = true;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static String outcome(LlmResult r) {
        if (r.status() == ResultStatus.SUCCEEDED) {
            return r.status().name();
        }
        return r.error() != null ? r.error().code() : r.status().name();
    }

    long count() {
        return count;
    }

    /** When the last completion was read (System.nanoTime), for telling a stalled worker from a slow one. */
    long lastReadNanos() {
        return lastReadNanos;
    }

    boolean windowOpen() {
        return open;
    }

    boolean windowClosed() {
        return closed;
    }

    boolean done() {
        return count >= total || failure != null || !thread.isAlive() && thread.getState() != Thread.State.NEW;
    }

    Throwable failure() {
        return failure;
    }

    /** The figures, once the reader has stopped. */
    void fill(WorkerBenchReport.Scenario s) {
        s.measuredSeconds = measuredSeconds;
        s.readerCpuCores = measuredSeconds == 0 ? 0 : cpuSeconds / measuredSeconds;
        s.startedToCompletedMs =
                startedToCompleted.stream().mapToLong(Long::longValue).sorted().toArray();
        s.completedToReadMs =
                completedToRead.stream().mapToLong(Long::longValue).sorted().toArray();
        s.outcomes.putAll(outcomes);
        s.providerCalls = providerCalls;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ofSeconds(5));
        } else {
            thread.join(10_000);
        }
    }
}
