package dev.sluice.runtime.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A poll loop that handles records concurrently on virtual threads and commits in order. Only the
 * poll thread touches the consumer. In-flight work is bounded: at {@code maxInFlight} every
 * partition is paused (the consumer stays in its group) and resumed at half, so memory does not
 * grow with the backlog. A record counts as done when its handler returns; offsets are committed
 * only below the lowest record still in progress in each partition, so a crash redelivers what was
 * unfinished and nothing that was finished before the last commit.
 *
 * <p>A handler that throws means its record's effects may not be durable: the loop stops without
 * committing past it and reports itself unhealthy, and the record is redelivered to whoever takes
 * the partition next.
 */
public final class ConcurrentRecordLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConcurrentRecordLoop.class);

    /** Work on one record; called on a virtual thread. */
    @FunctionalInterface
    public interface Handler {
        void handle(ConsumerRecord<String, byte[]> record) throws Exception;
    }

    private final Consumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Handler handler;
    private final int maxInFlight;
    private final Duration commitInterval;
    private final Duration shutdownTimeout;
    private final Clock clock;

    private final OffsetTracker tracker = new OffsetTracker();
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    private volatile boolean assigned;
    private volatile Throwable failure;
    private boolean paused;

    private record Finished(TopicPartition partition, long offset, Throwable error) {
    }

    public ConcurrentRecordLoop(Consumer<String, byte[]> consumer, List<String> topics, Handler handler,
            int maxInFlight, Duration commitInterval, Duration shutdownTimeout, Clock clock) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.maxInFlight = maxInFlight;
        this.commitInterval = commitInterval;
        this.shutdownTimeout = shutdownTimeout;
        this.clock = clock;
    }

    public boolean healthy() {
        return failure == null && running;
    }

    public Throwable failure() {
        return failure;
    }

    /** True while the consumer holds at least one partition. */
    public boolean assigned() {
        return assigned;
    }

    public AtomicInteger inFlightCounter() {
        return inFlight;
    }

    /** Asks the loop to finish in-flight work, commit and close the consumer. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(topics, new Rebalance());
            long nextCommit = clock.millis() + commitInterval.toMillis();
            while (running) {
                drainFinished();
                applyBackpressure();
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, byte[]> record : records) {
                    dispatch(record);
                }
                if (clock.millis() >= nextCommit) {
                    commitAsync();
                    nextCommit = clock.millis() + commitInterval.toMillis();
                }
            }
        } catch (WakeupException e) {
            // stop() woke the poll.
        } catch (RuntimeException e) {
            failure = e;
            log.error("Record loop on {} failed; stopping without committing past unfinished records", topics, e);
        } finally {
            shutdown();
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        tracker.started(tp, record.offset());
        inFlight.incrementAndGet();
        executor.submit(() -> {
            Throwable error = null;
            try {
                handler.handle(record);
            } catch (Throwable t) {
                error = t;
            } finally {
                inFlight.decrementAndGet();
                finished.add(new Finished(tp, record.offset(), error));
            }
        });
    }

    private void drainFinished() {
        Finished f;
        while ((f = finished.poll()) != null) {
            if (f.error() != null) {
                throw new IllegalStateException("Handling " + f.partition() + "@" + f.offset() + " failed", f.error());
            }
            tracker.finished(f.partition(), f.offset());
        }
    }

    private void applyBackpressure() {
        int n = inFlight.get();
        if (!paused && n >= maxInFlight) {
            consumer.pause(consumer.assignment());
            paused = true;
        } else if (paused && n <= maxInFlight / 2) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    log.warn("Offset commit failed (the next one covers it): {}", e.getMessage());
                }
            });
        }
    }

    /** Waits until the given partitions have no record in progress, up to the shutdown timeout. */
    private void awaitInFlight(Collection<TopicPartition> partitions) {
        long deadline = clock.millis() + shutdownTimeout.toMillis();
        while (clock.millis() < deadline) {
            drainFinished();
            int pending = 0;
            for (TopicPartition tp : partitions) {
                pending += tracker.pending(tp);
            }
            if (pending == 0) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn("Records still in progress on {} after {}; they stay uncommitted and will be redelivered",
                partitions, shutdownTimeout);
    }

    private void shutdown() {
        try {
            if (failure == null) {
                awaitInFlight(new HashSet<>(consumer.assignment()));
                Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
                if (!offsets.isEmpty()) {
                    consumer.commitSync(offsets);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Final commit failed: {}", e.getMessage());
        } finally {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer.close(Duration.ofSeconds(10));
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            awaitInFlight(partitions);
            Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
            partitions.forEach(tracker::remove);
            assigned = !consumer.assignment().isEmpty() && !partitions.containsAll(consumer.assignment());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
            assigned = !consumer.assignment().isEmpty();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(tracker::remove);
            assigned = false;
        }
    }
}
