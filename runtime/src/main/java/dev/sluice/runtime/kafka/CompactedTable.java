package dev.sluice.runtime.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small compacted topic read into memory and kept current by a background consumer, as a
 * global table is. No consumer group: every instance reads the whole topic. A tombstone removes
 * a key. While the schema registry cannot be reached the table waits for it (close() ends the
 * wait). A record that cannot be read at all is logged and, by the table's {@link Unreadable}
 * policy, keeps or drops its key's earlier value; one bad record never stops the readers. Meant for topics of configuration size (tenants, disabled endpoints), not for data.
 */
public final class CompactedTable<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompactedTable.class);

    /** What a record that can never be read does to its key's earlier value. */
    public enum Unreadable {
        /** Keep it: the last good configuration stands (tenants: a policy is never silently loosened). */
        KEEP_LAST,
        /** Drop it: nothing granted by an earlier value outlives a record that meant to change it (API keys). */
        DROP
    }

    private final Map<String, V> values = new ConcurrentHashMap<>();
    private final Deserializer<V> deserializer;
    private final TopicFollower follower;
    private final String topic;
    private final Unreadable unreadable;
    private volatile boolean closing;

    /** A table that keeps a key's last good value when a later record of it cannot be read. */
    public CompactedTable(KafkaSettings kafka, String topic, Deserializer<V> deserializer, String clientId) {
        this(kafka, topic, deserializer, clientId, Unreadable.KEEP_LAST);
    }

    public CompactedTable(
            KafkaSettings kafka, String topic, Deserializer<V> deserializer, String clientId, Unreadable unreadable) {
        this.topic = topic;
        this.deserializer = deserializer;
        this.unreadable = unreadable;
        this.follower = new TopicFollower(kafka, topic, clientId, TopicFollower.Start.BEGINNING, this::apply, () -> {});
    }

    public CompactedTable<V> start() {
        follower.start();
        return this;
    }

    /** Waits until the topic has been read to the end once; false if that took longer than the timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        boolean loaded = follower.awaitLoaded(timeout);
        if (loaded) {
            log.debug("{}: {} entries", topic, values.size());
        }
        return loaded;
    }

    /** Whether the topic has been read to the end once, without waiting. */
    public boolean loaded() {
        try {
            return follower.awaitLoaded(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Collection<V> values() {
        return List.copyOf(values.values());
    }

    public int size() {
        return values.size();
    }

    /**
     * Takes a value this instance has just written to the topic, so it holds here at once instead
     * of when the follower reads it back (which writes the same value again).
     */
    public void remember(String key, V value) {
        values.put(key, value);
    }

    void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            values.remove(r.key());
            return;
        }
        try {
            // A registry that cannot answer right now holds the table back rather than skip the
            // record: a skipped revocation would leave a revoked key valid.
            values.put(
                    r.key(),
                    Decoding.waitingOutRegistry(
                            () -> deserializer.deserialize(r.topic(), r.value()),
                            this::sleepUnlessClosing,
                            e -> log.warn(
                                    "Record {} of {}@{} waits for the schema registry: {}",
                                    r.key(),
                                    r.topic(),
                                    r.offset(),
                                    e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the table is going away with its values
        } catch (RuntimeException e) {
            if (unreadable == Unreadable.DROP) {
                values.remove(r.key());
            }
            log.warn(
                    "{} {} of {}: its record at offset {} cannot be read: {}",
                    unreadable == Unreadable.DROP ? "Dropping" : "Keeping the last good value of",
                    r.key(),
                    r.topic(),
                    r.offset(),
                    e.getMessage());
        }
    }

    /** Waits in short steps, so that close() ends a wait for the registry at once. */
    private void sleepUnlessClosing(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (!closing) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Thread.sleep(Math.min(100, Math.max(1, left / 1_000_000)));
        }
        throw new InterruptedException("closing");
    }

    @Override
    public void close() {
        closing = true;
        follower.close();
    }
}
