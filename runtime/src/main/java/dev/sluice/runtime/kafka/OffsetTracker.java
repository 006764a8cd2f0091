package dev.sluice.runtime.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Tracks records handed out for concurrent work, so that offsets are committed only below the
 * lowest record still unfinished in each partition: a crash redelivers every unfinished record and
 * none that was finished before the last commit. Not thread-safe; the poll thread owns it.
 *
 * <p>A partition with nothing unfinished commits the consumer's position rather than the last
 * record + 1. On a topic written in transactions the last offset is a transaction marker, which
 * no poll returns; a commit of last record + 1 would leave the group's lag at 1 for ever, and a
 * lag alert firing. The position is past the markers and the aborted records the consumer
 * skipped, and every record before it was handed out here (or committed before this consumer
 * had the partition), so once they are all finished it is as safe as last record + 1.
 */
public final class OffsetTracker {
    /** Where the consumer reads a partition next; empty while it does not know yet. Poll thread only. */
    @FunctionalInterface
    public interface Positions {
        OptionalLong of(TopicPartition tp);
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

    private static final class PartitionState {
        final TreeSet<Long> pending = new TreeSet<>();
        /** Records handed back unstarted (a revoked partition's queue): the commit stays below them. */
        long abandoned = Long.MAX_VALUE;

        long next = -1;
        long committed = -1;
    }

    /**
     * This consumer was given the partition. Tracked from now on even while no record comes, so
     * that its position is committed when the consumer moves past records it never returns
     * (markers, aborted transactions).
     */
    public void assigned(TopicPartition tp) {
        partitions.computeIfAbsent(tp, k -> new PartitionState());
    }

    /** A record of this partition was handed out. */
    public void started(TopicPartition tp, long offset) {
        PartitionState s = partitions.computeIfAbsent(tp, k -> new PartitionState());
        s.pending.add(offset);
        s.next = Math.max(s.next, offset + 1);
    }

    /** Work on a record ended (with success, or with a dead letter written). */
    public void finished(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null) {
            s.pending.remove(offset);
        }
    }

    /**
     * A record that was handed out will not be worked on here after all (its partition is being
     * revoked before it started): it no longer counts as pending, but no commit passes it.
     */
    public void abandoned(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s != null && s.pending.remove(offset)) {
            s.abandoned = Math.min(s.abandoned, offset);
        }
    }

    public int pending() {
        int n = 0;
        for (PartitionState s : partitions.values()) {
            n += s.pending.size();
        }
        return n;
    }

    public int pending(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        return s == null ? 0 : s.pending.size();
    }

    /**
     * Offsets that may be committed now and were not committed before; marks them committed.
     * Must be called on the poll thread after every record of the last poll was handed out
     * ({@link #started}), so that {@code positions} are past no record this tracker has not seen.
     */
    public Map<TopicPartition, OffsetAndMetadata> committable(Positions positions) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        partitions.forEach((tp, s) -> {
            long safe;
            if (!s.pending.isEmpty() || s.abandoned != Long.MAX_VALUE) {
                safe = Math.min(s.pending.isEmpty() ? Long.MAX_VALUE : s.pending.first(), s.abandoned);
            } else {
                safe = Math.max(s.next, positions.of(tp).orElse(-1));
            }
            if (safe > s.committed && safe >= 0) {
                out.put(tp, new OffsetAndMetadata(safe));
                s.committed = safe;
            }
        });
        return out;
    }

    /**
     * A commit of these offsets failed: they are offered again by the next {@link #committable()},
     * unless a later commit of the partition has been offered since.
     */
    public void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            PartitionState s = partitions.get(tp);
            if (s != null && s.committed == o.offset()) {
                s.committed = -1;
            }
        });
    }

    /** Forgets a partition this consumer no longer owns. */
    public void remove(TopicPartition tp) {
        partitions.remove(tp);
    }
}
