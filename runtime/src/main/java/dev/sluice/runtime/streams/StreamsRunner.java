package dev.sluice.runtime.streams;

import dev.sluice.runtime.ops.Health;
import dev.sluice.schemas.registry.SchemaRegistryException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a topology: starts it, reports its state as health, and treats an exception that escapes a
 * stream thread as fatal for this instance (SHUTDOWN_CLIENT), so a bug stops the instance loudly
 * instead of looping; its tasks move to the other instances. Two deaths are not fatal: the schema
 * registry being unavailable, and a record the broker refused for good, remembered in the app's
 * {@link BrokerRefusals}: the thread is replaced, and the record, made again, is replaced.
 */
public final class StreamsRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsRunner.class);

    private final KafkaStreams streams;
    private final KafkaStreamsMetrics metrics;
    private final CountDownLatch running = new CountDownLatch(1);
    private final BrokerRefusals refusals;

    /** As below, for a topology that reads only (its outputs are not guarded by {@link BrokerRefusals}). */
    public StreamsRunner(Topology topology, Map<String, Object> props, MeterRegistry registry) {
        this(topology, props, registry, null);
    }

    /**
     * The app's Kafka Streams metrics are bound to {@code registry} until close, and its
     * {@link DeadLetterHandler} counts the dead letters it writes there. {@code refusals} must be
     * the guard of the serdes the topology writes with ({@code SluiceSerdes.guardedBy}).
     */
    public StreamsRunner(
            Topology topology, Map<String, Object> props, MeterRegistry registry, BrokerRefusals refusals) {
        Properties p = new Properties();
        p.putAll(props);
        p.put(DeadLetterHandler.METRICS, registry);
        if (refusals != null) {
            p.put(DeadLetterHandler.REFUSALS, refusals);
        }
        this.refusals = refusals;
        this.streams = new KafkaStreams(topology, p);
        this.metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
        streams.setUncaughtExceptionHandler(this::onThreadDeath);
        streams.setStateListener((now, before) -> {
            log.info("Streams state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
    }

    /**
     * A thread that died on a record the broker refused is replaced at once. Its member stays in the
     * group until its session times out (Kafka Streams replaces a thread that way), so its tasks
     * wait that long (45 s by default) before the new thread runs them.
     */
    StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onThreadDeath(Throwable e) {
        if (refusals != null && refusals.caused(e)) {
            log.warn("Stream thread stopped on a record the broker refused; replacing it: its transaction aborts, and"
                    + " the record, made again, is replaced and its input dead-lettered");
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        return onThreadDeathFor(e);
    }

    /**
     * A thread that died because the schema registry was unavailable is replaced after a pause; its
     * tasks resume from their last commit, so nothing is lost or doubled under exactly_once_v2.
     * Anything else is a bug or a broken environment: the instance shuts down loudly.
     */
    static StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse onThreadDeathFor(Throwable e) {
        if (SchemaRegistryException.isTransient(e)) {
            log.warn(
                    "Stream thread stopped while the schema registry is unavailable; replacing it in 2 s: {}",
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
