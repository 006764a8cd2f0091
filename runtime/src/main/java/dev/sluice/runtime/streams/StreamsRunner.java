package dev.sluice.runtime.streams;

import dev.sluice.runtime.ops.Health;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.common.TopicPartition;
import dev.sluice.schemas.registry.SchemaRegistryException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a topology: starts it, reports its state as health, and treats an exception that escapes a
 * stream thread as fatal for this instance (SHUTDOWN_CLIENT), so a bug stops the instance loudly
 * instead of looping; its tasks move to the other instances.
 */
public final class StreamsRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsRunner.class);

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;
    private final CountDownLatch running = new CountDownLatch(1);

    /**
     * The app's Kafka Streams metrics are bound to {@code registry} until close, and its
     * {@link DeadLetterHandler} counts the dead letters it writes there.
     */
    public StreamsRunner(Topology topology, Map<String, Object> props, MeterRegistry registry) {
        Properties p = new Properties();
        p.putAll(props);
        p.put(DeadLetterHandler.METRICS, registry);
        this.streams = new KafkaStreams(topology, p);
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
        streams.setUncaughtExceptionHandler(StreamsRunner::onThreadDeath);
        streams.setStateListener((now, before) -> {
            log.info("Streams state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
    }

    /**
     * A thread that died because the schema registry was unavailable is replaced after a pause; its
     * tasks resume from their last commit, so nothing is lost or doubled under exactly_once_v2.
     * Anything else is a bug or a broken environment: the instance shuts down loudly.
     */
    static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onThreadDeath(Throwable e) {
        if (SchemaRegistryException.isTransient(e)) {
            log.warn("Stream thread stopped while the schema registry is unavailable; replacing it in 2 s: {}",
                    e.getMessage());
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        log.error("Stream thread died; shutting this instance down", e);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** The input partitions of this instance's active tasks: what its consumer group has it own now. */
    public Set<TopicPartition> ownedPartitions() {
        Set<TopicPartition> owned = new HashSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            thread.activeTasks().forEach(task -> owned.addAll(task.topicPartitions()));
        }
        return owned;
    }

    public void start() {
        streams.start();
    }

    /** Waits until the app is RUNNING; false if it did not get there in time. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** RUNNING: every task assigned and restored. */
    public boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    public Health health() {
        KafkaStreams.State state = streams.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return new Health(up, Map.of("streamsState", state.name()));
    }

    /**
     * Closes and leaves the group, so the remaining instances (or this one, restarted) take the
     * tasks over at once instead of after the session timeout.
     */
    @Override
    public void close() {
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        metrics.close();
    }
}
