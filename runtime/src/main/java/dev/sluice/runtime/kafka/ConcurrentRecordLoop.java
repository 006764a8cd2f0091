package dev.sluice.runtime.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A poll loop that handles records concurrently on virtual threads and commits in order. Only the
 * poll thread touches the consumer.
 *
 * <p>Polled records wait in a {@link FairQueue}: each gets a {@link Lane} (priority, tenant,
 * weight) and runs when a slot among {@code maxInFlight} is free, highest priority first and in
 * weighted fair shares across tenants within a priority. A finishing record starts the next one
 * on its own thread, so a free slot does not wait for the next poll. Memory is bounded per
 * priority: when a priority's waiting records reach {@code bufferBytes}, the partitions of that
 * priority are paused (the consumer stays in its group) and resumed at half. Pausing one priority
 * never holds back another.
 *
 * <p>A record counts as done when its handler returns; offsets are committed only below the
 * lowest record still waiting or in progress in each partition, so a crash redelivers what was
 * unfinished and nothing that was finished before the last commit. A partition with nothing
 * unfinished commits the consumer's position, past transaction markers, so that the group's lag
 * on a transactional topic reaches 0 ({@link OffsetTracker}). On a rebalance, the revoked
 * partitions' waiting records are given up unstarted, their running ones are awaited (up to the
 * shutdown timeout), and the commit stays below the first record given up.
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

    /** How a loop bounds its work. */
    public record Limits(int maxInFlight, long bufferBytes, Duration commitInterval, Duration shutdownTimeout) {
        public Limits {
            if (maxInFlight < 1 || bufferBytes < 1) {
                throw new IllegalArgumentException("maxInFlight and bufferBytes must be positive");
            }
        }
    }

    /** Told how many of its topics' partitions this consumer owns, after every rebalance. */
    @FunctionalInterface
    public interface AssignmentListener {
        void assigned(int owned, int total);
    }

    /** A polled record waiting for a slot. */
    private record Waiting(ConsumerRecord<String, byte[]> record, TopicPartition partition, Lane lane, long bytes,
            int generation) {
        Key key() {
            return new Key(partition, record.offset());
        }
    }

    private record Key(TopicPartition partition, long offset) {
    }

    private final Consumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Handler handler;
    private final Function<ConsumerRecord<String, byte[]>, Lane> lanes;
    private final int priorities;
    private final Limits limits;
    private final Clock clock;

    private final OffsetTracker tracker = new OffsetTracker();
    private final FairQueue<Waiting> queue;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    private volatile boolean dispatching = true;
    private volatile boolean assigned;
    private volatile Throwable failure;
    private final boolean[] paused;
    /** The priority of each topic's records, learned as they arrive; used to pause by priority. */
    private final Map<String, Integer> topicPriority = new HashMap<>();
    private volatile AssignmentListener assignmentListener = (owned, total) -> { };
    private volatile Set<TopicPartition> owned = Set.of();
    private volatile java.util.function.Consumer<Collection<TopicPartition>> revokeListener = partitions -> { };
    private volatile java.util.function.Consumer<Collection<TopicPartition>> gainListener = partitions -> { };

    private record Finished(TopicPartition partition, long offset, int generation, Throwable error) {
    }

    /** Records running on a virtual thread, whoever owns their partition now. */
    private final Set<Key> runningKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * How many times each partition was taken from this consumer. A record still running from
     * an earlier ownership (it outlasted the shutdown timeout of a rebalance) is not started again
     * when its partition comes back: it is held until that run ends, and counts as unfinished.
     */
    private final Map<TopicPartition, Integer> generations = new HashMap<>();
    private final Map<Key, Waiting> held = new HashMap<>();
    private volatile boolean closing;

    /** One lane for every record: first come, first served. */
    public ConcurrentRecordLoop(Consumer<String, byte[]> consumer, List<String> topics, Handler handler,
            Limits limits, Clock clock) {
        this(consumer, topics, handler, 1, r -> Lane.FIFO, FairQueue.Gate.OPEN, limits, clock);
    }

    /**
     * @param priorities how many priorities {@code lanes} uses (0 to priorities - 1)
     * @param lanes the lane of each record; called on the poll thread, so it should be cheap
     * @param gate may hold a lane's records back (a tenant over its rate); the poll loop asks again
     *     at least every 100 ms
     */
    public ConcurrentRecordLoop(Consumer<String, byte[]> consumer, List<String> topics, Handler handler,
            int priorities, Function<ConsumerRecord<String, byte[]>, Lane> lanes, FairQueue.Gate gate, Limits limits,
            Clock clock) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.priorities = priorities;
        this.lanes = lanes;
        this.limits = limits;
        this.clock = clock;
        this.queue = new FairQueue<>(priorities, gate);
        this.paused = new boolean[priorities];
    }

    /** Set before {@link #run()}: called on the poll thread after each change of assignment. */
    public ConcurrentRecordLoop onAssignment(AssignmentListener listener) {
        this.assignmentListener = listener;
        return this;
    }

    /**
     * Set before {@link #run()}: called on the poll thread when partitions are about to be taken
     * away, before their running records are awaited, so that work held back (a batch being
     * gathered) can be finished now.
     */
    public ConcurrentRecordLoop onRevoke(java.util.function.Consumer<Collection<TopicPartition>> listener) {
        this.revokeListener = listener;
        return this;
    }

    /**
     * Set before {@link #run()}: called on the poll thread with the partitions this consumer has
     * just been given, before any of their records is polled.
     */
    public ConcurrentRecordLoop onGain(java.util.function.Consumer<Collection<TopicPartition>> listener) {
        this.gainListener = listener;
        return this;
    }

    private void tellAssignment(Set<TopicPartition> owned) {
        int total = 0;
        for (String topic : topics) {
            try {
                total += consumer.partitionsFor(topic).size();
            } catch (RuntimeException e) {
                log.warn("Partitions of {} unknown ({}); the share of limits is not updated", topic, e.getMessage());
                return;
            }
        }
        assignmentListener.assigned(owned.size(), total);
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

    /** The partitions this consumer holds now; safe to call from any thread. */
    public Set<TopicPartition> owned() {
        return owned;
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
            long nextCommit = clock.millis() + limits.commitInterval().toMillis();
            while (running) {
                drainFinished();
                applyBackpressure();
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, byte[]> record : records) {
                    admit(record);
                }
                startWaiting();
                if (clock.millis() >= nextCommit) {
                    commitAsync();
                    nextCommit = clock.millis() + limits.commitInterval().toMillis();
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

    private void admit(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Lane lane;
        try {
            lane = lanes.apply(record);
        } catch (RuntimeException e) {
            // The handler sees the record anyway and deals with what is wrong with it.
            lane = new Lane(priorities - 1, "", 1);
        }
        topicPriority.putIfAbsent(record.topic(), lane.priority());
        tracker.started(tp, record.offset());
        long bytes = 64L + (record.key() == null ? 0 : record.key().length() * 2L)
                + (record.value() == null ? 0 : record.value().length);
        Waiting w = new Waiting(record, tp, lane, bytes, generations.getOrDefault(tp, 0));
        if (runningKeys.contains(w.key())) {
            held.put(w.key(), w);
        } else {
            queue.add(lane, w, bytes);
        }
    }

    /** Starts waiting records while slots are free. Called by the poll thread and by finishing records. */
    private void startWaiting() {
        while (dispatching) {
            int n = inFlight.get();
            if (n >= limits.maxInFlight()) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            Waiting next = queue.poll();
            if (next == null) {
                inFlight.decrementAndGet();
                return;
            }
            try {
                runningKeys.add(next.key());
                executor.submit(() -> run(next));
            } catch (RuntimeException e) {
                // Shutting down: the record stays unfinished, so no commit passes it.
                runningKeys.remove(next.key());
                inFlight.decrementAndGet();
                return;
            }
        }
    }

    private void run(Waiting w) {
        Throwable error = null;
        try {
            handler.handle(w.record());
        } catch (Throwable t) {
            error = t;
        } finally {
            runningKeys.remove(w.key());
            inFlight.decrementAndGet();
            finished.add(new Finished(w.partition(), w.record().offset(), w.generation(), error));
        }
        if (error == null) {
            startWaiting();
        }
        // A failure stops the loop once the poll thread sees it (unless the run belonged to an
        // ownership of the partition that has ended); nothing commits past the failed record.
    }

    /** Takes back the waiting (and held) records of these partitions, unstarted; no commit passes them. */
    private void abandonWaiting(Collection<TopicPartition> partitions) {
        Set<TopicPartition> set = new HashSet<>(partitions);
        for (Waiting w : queue.removeIf(w -> set.contains(w.partition()))) {
            tracker.abandoned(w.partition(), w.record().offset());
        }
        held.values().removeIf(w -> {
            if (set.contains(w.partition())) {
                tracker.abandoned(w.partition(), w.record().offset());
                return true;
            }
            return false;
        });
    }

    /** Records of these partitions that finish from now on belong to an ownership that has ended. */
    private void endOwnership(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            generations.merge(tp, 1, Integer::sum);
            tracker.remove(tp);
        }
    }

    private void drainFinished() {
        Finished f;
        while ((f = finished.poll()) != null) {
            if (f.generation() != generations.getOrDefault(f.partition(), 0)) {
                // A run from an earlier ownership of the partition ended. If the record came back
                // meanwhile it was held: done now if that run succeeded, else it runs here.
                Waiting h = held.remove(new Key(f.partition(), f.offset()));
                if (h != null && f.error() == null) {
                    tracker.finished(f.partition(), f.offset());
                } else if (h != null) {
                    queue.add(h.lane(), h, h.bytes());
                }
                continue;
            }
            if (f.error() != null) {
                throw new IllegalStateException("Handling " + f.partition() + "@" + f.offset() + " failed", f.error());
            }
            tracker.finished(f.partition(), f.offset());
        }
    }

    /** Pauses the partitions of each priority whose waiting records fill its buffer; resumes at half. */
    private void applyBackpressure() {
        for (int p = 0; p < priorities; p++) {
            long bytes = queue.bytes(p);
            if (!paused[p] && bytes >= limits.bufferBytes()) {
                paused[p] = true;
                consumer.pause(partitionsOf(p, consumer.assignment()));
            } else if (paused[p] && bytes <= limits.bufferBytes() / 2) {
                paused[p] = false;
                consumer.resume(partitionsOf(p, consumer.paused()));
            }
        }
    }

    private Set<TopicPartition> partitionsOf(int priority, Set<TopicPartition> partitions) {
        Set<TopicPartition> out = new HashSet<>();
        for (TopicPartition tp : partitions) {
            if (priorityOf(tp) == priority) {
                out.add(tp);
            }
        }
        return out;
    }

    /** Priorities are per topic: the lane of a topic's records is assumed to share one priority. */
    private int priorityOf(TopicPartition tp) {
        Integer p = topicPriority.get(tp.topic());
        return p == null ? priorities - 1 : p;
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(this::position);
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    // Runs on the poll thread: the offsets are offered again by the next commit.
                    tracker.commitFailed(offsets);
                    log.warn("Offset commit failed; the next one retries it: {}", e.getMessage());
                }
            });
        }
    }

    /**
     * The consumer's position in the partition, past the transaction markers it skipped; empty
     * when it does not know it yet (just assigned), as asking must never block the poll thread.
     */
    private OptionalLong position(TopicPartition tp) {
        try {
            return OptionalLong.of(consumer.position(tp, Duration.ZERO));
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException | IllegalStateException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }

    /** Waits until the given partitions have no record in progress, up to the shutdown timeout. */
    private void awaitInFlight(Collection<TopicPartition> partitions) {
        long deadline = clock.millis() + limits.shutdownTimeout().toMillis();
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
                partitions, limits.shutdownTimeout());
    }

    private void shutdown() {
        try {
            dispatching = false;
            if (failure == null) {
                abandonWaiting(consumer.assignment());
                revokeListener.accept(new HashSet<>(consumer.assignment()));
                awaitInFlight(new HashSet<>(consumer.assignment()));
                Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(this::position);
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
            closing = true;
            // Whatever the reason for stopping, this consumer owns nothing from now on.
            owned = Set.of();
            assigned = false;
            // Leave the group even as a static member (ADR 0014): an instance stopped on purpose may
            // never come back under its name (a scale-down, new pod names), and its partitions must
            // move now, not after the session timeout. Only a crash keeps them for its restart.
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(10))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (closing) {
                // consumer.close() revokes again; shutdown() already committed.
                return;
            }
            abandonWaiting(partitions);
            revokeListener.accept(partitions);
            awaitInFlight(partitions);
            Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable(ConcurrentRecordLoop.this::position);
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
            endOwnership(partitions);
            Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
            kept.removeAll(partitions);
            owned = Set.copyOf(kept);
            assigned = !consumer.assignment().isEmpty() && !partitions.containsAll(consumer.assignment());
            // The share of limits follows onPartitionsAssigned: an eager rebalance revokes every
            // partition first, and a share of nothing in between would empty every bucket.
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (int p = 0; p < priorities; p++) {
                if (paused[p]) {
                    consumer.pause(partitionsOf(p, new HashSet<>(partitions)));
                }
            }
            assigned = !consumer.assignment().isEmpty();
            owned = Set.copyOf(consumer.assignment());
            partitions.forEach(tracker::assigned);
            gainListener.accept(partitions);
            tellAssignment(consumer.assignment());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            Set<TopicPartition> set = new HashSet<>(partitions);
            queue.removeIf(w -> set.contains(w.partition()));
            held.keySet().removeIf(k -> set.contains(k.partition()));
            endOwnership(partitions);
            owned = Set.of();
            assigned = false;
        }
    }
}
