package dev.sluice.runtime.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records a {@link ConcurrentRecordLoop} polled and has not finished: waiting in a
 * {@link FairQueue}, running, or held. It tells the {@link OffsetTracker} what was handed out,
 * finished and given up, so that commits stay below every unfinished record.
 *
 * <p>A record still running from an earlier ownership of its partition (it outlasted the shutdown
 * timeout of a rebalance) is not started again when the partition comes back: it is held until
 * that run ends, and counts as unfinished meanwhile. Only {@link #poll()} and {@link #bytes} may
 * be called off the poll thread.
 */
final class Backlog<T> {
    /** Counted for each record besides its key and value: the record object and its place in the queue. */
    private static final long OVERHEAD_BYTES = 64;

    private final FairQueue<Waiting<T>> queue;
    private final OffsetTracker tracker;
    /** How many times each partition was taken from this consumer. */
    private final Map<TopicPartition, Integer> generations = new HashMap<>();

    private final Map<Waiting.Key, Waiting<T>> held = new HashMap<>();

    Backlog(FairQueue<Waiting<T>> queue, OffsetTracker tracker) {
        this.queue = queue;
        this.tracker = tracker;
    }

    /** A polled record; it waits for a slot, or is held while {@code stillRunning} says an earlier run goes on. */
    void add(ConsumerRecord<String, byte[]> record, Lane lane, T value, Predicate<Waiting.Key> stillRunning) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        tracker.started(tp, record.offset());
        long bytes = OVERHEAD_BYTES
                + (record.key() == null ? 0 : record.key().length() * 2L)
                + (record.value() == null ? 0 : record.value().length);
        Waiting<T> w = new Waiting<>(record, value, tp, lane, bytes, generations.getOrDefault(tp, 0));
        if (stillRunning.test(w.key())) {
            held.put(w.key(), w);
        } else {
            queue.add(lane, w, bytes);
        }
    }

    /** The next record to run, or null; from any thread. */
    Waiting<T> poll() {
        return queue.poll();
    }

    /** Bytes of the records of a priority waiting for a slot; from any thread. */
    long bytes(int priority) {
        return queue.bytes(priority);
    }

    /** Records of these partitions polled here and not finished: waiting, held or running. */
    int pending(Collection<TopicPartition> partitions) {
        int pending = 0;
        for (TopicPartition tp : partitions) {
            pending += tracker.pending(tp);
        }
        return pending;
    }

    /**
     * A run ended. Its record is finished, unless the run failed: then this throws, and nothing is
     * committed past the record. A run from an ownership that has ended counts only for the record
     * held behind it: done now if that run succeeded, else the held record waits to run here.
     */
    void ended(RecordSlots.Ended run) {
        if (run.generation() != generations.getOrDefault(run.partition(), 0)) {
            Waiting<T> h = held.remove(new Waiting.Key(run.partition(), run.offset()));
            if (h != null && run.error() == null) {
                tracker.finished(run.partition(), run.offset());
            } else if (h != null) {
                queue.add(h.lane(), h, h.bytes());
            }
            return;
        }
        if (run.error() != null) {
            throw new IllegalStateException(
                    "Handling " + run.partition() + "@" + run.offset() + " failed", run.error());
        }
        tracker.finished(run.partition(), run.offset());
    }

    /** This consumer was given these partitions; their positions are committed even before a record comes. */
    void assigned(Collection<TopicPartition> partitions) {
        partitions.forEach(tracker::assigned);
    }

    /** Takes back the waiting (and held) records of these partitions, unstarted; no commit passes them. */
    void abandon(Collection<TopicPartition> partitions) {
        Set<TopicPartition> set = new HashSet<>(partitions);
        for (Waiting<T> w : queue.removeIf(w -> set.contains(w.partition()))) {
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

    /** Runs of these partitions that end from now on belong to an ownership that has ended. */
    void endOwnership(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            generations.merge(tp, 1, Integer::sum);
            tracker.remove(tp);
        }
    }

    /** The partitions were lost without a revoke: nothing of them can be committed, so all is forgotten. */
    void lose(Collection<TopicPartition> partitions) {
        Set<TopicPartition> set = new HashSet<>(partitions);
        queue.removeIf(w -> set.contains(w.partition()));
        held.keySet().removeIf(k -> set.contains(k.partition()));
        endOwnership(partitions);
    }
}
