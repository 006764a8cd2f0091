package dev.sluice.runtime.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A poll loop that handles records concurrently on virtual threads and commits in order. Only the
 * poll thread touches the consumer. This class polls and follows the assignment; its parts do the
 * rest, each on its own:
 *
 * <ul>
 *   <li>{@link Backlog}: polled records wait in a {@link FairQueue}, each in the {@link Lane}
 *       (priority, tenant, weight) its {@link Classifier} gives it, highest priority first and in
 *       weighted fair shares across tenants within a priority;
 *   <li>{@link RecordSlots}: a record runs when a slot among {@code maxInFlight} is free; a
 *       finishing record starts the next one on its own thread, so a free slot does not wait for the
 *       next poll;
 *   <li>{@link Backpressure}: when a priority's waiting records reach {@code bufferBytes}, the
 *       partitions of that priority are paused (the consumer stays in its group) and resumed at
 *       half;
 *   <li>{@link OffsetCommits} and {@link OffsetTracker}: a record counts as done when its handler
 *       returns; offsets are committed only below the lowest record still waiting or in progress in
 *       each partition, so a crash redelivers what was unfinished and nothing that was finished
 *       before the last commit. A partition with nothing unfinished commits the consumer's position,
 *       past transaction markers, so that the group's lag on a transactional topic reaches 0.
 * </ul>
 *
 * <p>The classifier may decode the record to choose its lane; what it decoded travels with the
 * record to the handler, so nothing is decoded twice and no map sits between the two.
 *
 * <p>On a rebalance, the revoked partitions' waiting records are given up unstarted, their running
 * ones are awaited (up to the shutdown timeout), and the commit stays below the first record given
 * up. A handler that throws means its record's effects may not be durable: the loop stops without
 * committing past it and reports itself unhealthy, and the record is redelivered to whoever takes
 * the partition next.
 *
 * @param <T> what the classifier decodes from a record for its handler ({@link Void} if nothing)
 */
public final class ConcurrentRecordLoop<T> implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ConcurrentRecordLoop.class);

    /** Work on one record; called on a virtual thread. */
    @FunctionalInterface
    public interface Handler<T> {
        /** @param value what the classifier decoded from the record, or null if it decoded nothing */
        void handle(ConsumerRecord<String, byte[]> record, T value) throws Exception;
    }

    /** Chooses a record's lane, decoding it if need be; called on the poll thread, so it should be cheap. */
    @FunctionalInterface
    public interface Classifier<T> {
        Classified<T> classify(ConsumerRecord<String, byte[]> record);
    }

    /** A record's lane and what was decoded to choose it (null if nothing), which its handler is given. */
    public record Classified<T>(Lane lane, T value) {}

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

    private final Consumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Classifier<T> classifier;
    private final int priorities;
    private final Limits limits;
    private final Clock clock;

    private final Backlog<T> backlog;
    private final RecordSlots<T> slots;
    private final Backpressure backpressure;
    private final OffsetCommits commits;

    private volatile boolean running = true;
    private volatile boolean assigned;
    private volatile boolean closing;
    private volatile Throwable failure;
    private volatile Set<TopicPartition> owned = Set.of();
    private volatile AssignmentListener assignmentListener = (owned, total) -> {};
    private volatile java.util.function.Consumer<Collection<TopicPartition>> revokeListener = partitions -> {};
    private volatile java.util.function.Consumer<Collection<TopicPartition>> gainListener = partitions -> {};

    /** One lane for every record, first come, first served; the handler is given no value (null). */
    public ConcurrentRecordLoop(
            Consumer<String, byte[]> consumer, List<String> topics, Handler<T> handler, Limits limits, Clock clock) {
        this(consumer, topics, handler, 1, r -> new Classified<>(Lane.FIFO, null), FairQueue.Gate.OPEN, limits, clock);
    }

    /**
     * @param priorities how many priorities {@code classifier} uses (0 to priorities - 1)
     * @param classifier the lane of each record, and what it decoded for the handler; a record it
     *     throws on waits in the lowest priority and its handler is given null
     * @param gate may hold a lane's records back (a tenant over its rate); the poll loop asks again
     *     at least every 100 ms
     */
    public ConcurrentRecordLoop(
            Consumer<String, byte[]> consumer,
            List<String> topics,
            Handler<T> handler,
            int priorities,
            Classifier<T> classifier,
            FairQueue.Gate gate,
            Limits limits,
            Clock clock) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.classifier = classifier;
        this.priorities = priorities;
        this.limits = limits;
        this.clock = clock;
        OffsetTracker tracker = new OffsetTracker();
        this.backlog = new Backlog<>(new FairQueue<>(priorities, gate), tracker);
        this.slots = new RecordSlots<>(handler, backlog::poll, limits.maxInFlight());
        this.backpressure = new Backpressure(consumer, priorities, limits.bufferBytes());
        this.commits = new OffsetCommits(consumer, tracker);
    }

    /** Set before {@link #run()}: called on the poll thread after each change of assignment. */
    public ConcurrentRecordLoop<T> onAssignment(AssignmentListener listener) {
        this.assignmentListener = listener;
        return this;
    }

    /**
     * Set before {@link #run()}: called on the poll thread when partitions are about to be taken
     * away, before their running records are awaited, so that work held back (a batch being
     * gathered) can be finished now.
     */
    public ConcurrentRecordLoop<T> onRevoke(java.util.function.Consumer<Collection<TopicPartition>> listener) {
        this.revokeListener = listener;
        return this;
    }

    /**
     * Set before {@link #run()}: called on the poll thread with the partitions this consumer has
     * just been given, before any of their records is polled.
     */
    public ConcurrentRecordLoop<T> onGain(java.util.function.Consumer<Collection<TopicPartition>> listener) {
        this.gainListener = listener;
        return this;
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
        return slots.inFlight();
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
                takeEnded();
                backpressure.apply(backlog::bytes);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    admit(record);
                }
                slots.fill();
                if (clock.millis() >= nextCommit) {
                    commits.commitAsync();
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
        Classified<T> classified;
        try {
            classified = classifier.classify(record);
        } catch (RuntimeException e) {
            // The handler sees the record anyway and deals with what is wrong with it.
            classified = new Classified<>(new Lane(priorities - 1, "", 1), null);
        }
        backpressure.learn(record.topic(), classified.lane().priority());
        backlog.add(record, classified.lane(), classified.value(), slots::running);
    }

    /** Takes in the runs that ended; throws if one of them failed. */
    private void takeEnded() {
        for (RecordSlots.Ended run = slots.nextEnded(); run != null; run = slots.nextEnded()) {
            backlog.ended(run);
        }
    }

    /**
     * Before partitions move: their waiting records are given up, held-back work is finished, the
     * running ones are awaited, and what is done is committed.
     */
    private void handOver(Collection<TopicPartition> partitions) {
        backlog.abandon(partitions);
        revokeListener.accept(partitions);
        awaitRunning(partitions);
        commits.commitSync();
    }

    /** Waits until the given partitions have no record in progress, up to the shutdown timeout. */
    private void awaitRunning(Collection<TopicPartition> partitions) {
        long deadline = clock.millis() + limits.shutdownTimeout().toMillis();
        while (clock.millis() < deadline) {
            takeEnded();
            if (backlog.pending(partitions) == 0) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn(
                "Records still in progress on {} after {}; they stay uncommitted and will be redelivered",
                partitions,
                limits.shutdownTimeout());
    }

    private void shutdown() {
        try {
            slots.stopStarting();
            if (failure == null) {
                handOver(new HashSet<>(consumer.assignment()));
            }
        } catch (RuntimeException e) {
            log.warn("Final commit failed: {}", e.getMessage());
        } finally {
            slots.close();
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (closing) {
                // consumer.close() revokes again; shutdown() already committed.
                return;
            }
            handOver(partitions);
            backlog.endOwnership(partitions);
            Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
            kept.removeAll(partitions);
            owned = Set.copyOf(kept);
            assigned = !consumer.assignment().isEmpty() && !partitions.containsAll(consumer.assignment());
            // The share of limits follows onPartitionsAssigned: an eager rebalance revokes every
            // partition first, and a share of nothing in between would empty every bucket.
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            backpressure.assigned(partitions);
            assigned = !consumer.assignment().isEmpty();
            owned = Set.copyOf(consumer.assignment());
            backlog.assigned(partitions);
            gainListener.accept(partitions);
            tellAssignment(consumer.assignment());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            backlog.lose(partitions);
            owned = Set.of();
            assigned = false;
        }
    }
}
