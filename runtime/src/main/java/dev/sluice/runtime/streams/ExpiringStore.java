package dev.sluice.runtime.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A persistent key-value store whose entries expire, made of two RocksDB key-value stores: the
 * values, each with its expiry time, and an index ordered by expiry time. A wall-clock punctuator
 * deletes what has expired by scanning the index from its start, so a purge costs only the entries
 * it reaches. A read that finds an entry expired before the purge reached it expires it there
 * (its {@link OnExpiry} called) and answers absent.
 *
 * <p>The index is written only when it must be. Each live value has an index entry at or before
 * its expiry, and that is all the purge needs: when it reaches an entry whose value now expires
 * later, it files the value again at its own time. So a put that moves an expiry later (a job's
 * status moving on, each with a later expiry), a delete and an expiry on read write nothing to the
 * index; only a new key, or an expiry moved earlier, does. Before, each such change wrote two index
 * records (a delete and a put), the largest share of the records a job wrote (issue 15).
 *
 * <p>Why not a window store: under exactly_once_v2, Kafka Streams 4.3 keeps a segmented store's
 * committed changelog offset inside its segments, so a task whose window store has no segment yet
 * restarts as "corrupted" and is wiped and restored every time (ADR 0003).
 */
public final class ExpiringStore<V> {
    private static final String INDEX_SUFFIX = "-expiry-index";

    /** A value with the time it stops being valid, epoch milliseconds. */
    public record Entry<V>(V value, long expiresAt) {}

    private final KeyValueStore<String, Entry<V>> values;
    private final KeyValueStore<Bytes, byte[]> index;
    private final int maxPurgePerRun;
    private final OnExpiry<V> onExpiry;

    private ExpiringStore(
            KeyValueStore<String, Entry<V>> values,
            KeyValueStore<Bytes, byte[]> index,
            int maxPurgePerRun,
            OnExpiry<V> onExpiry) {
        this.values = values;
        this.index = index;
        this.maxPurgePerRun = maxPurgePerRun;
        this.onExpiry = onExpiry;
    }

    /**
     * What an expiring store's keys are like, which decides whether Kafka Streams' record cache
     * serves it.
     */
    public enum Keys {
        /**
         * A key or more per job, written once or twice: not cached. The cache would fold little for
         * them, and they would fill it (one per thread, 10 MB by default). A full cache flushes a
         * store on every put to it, so the small stores that need it would lose their folding
         * (docs/benchmarks.md, the spend ledger).
         */
        PER_JOB,
        /** A few keys, each rewritten by many jobs (a tenant's totals): cached, so each is written once per commit. */
        FEW
    }

    /** Adds the two stores behind an expiring store named {@code name} to a topology. */
    public static <V> void addTo(StreamsBuilder builder, String name, Serde<V> valueSerde, Keys keys) {
        var values = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(name), Serdes.String(), new EntrySerde<>(valueSerde));
        var index = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(name + INDEX_SUFFIX), Serdes.Bytes(), Serdes.ByteArray());
        if (keys == Keys.FEW) {
            values.withCachingEnabled();
            index.withCachingEnabled();
        }
        builder.addStateStore(values);
        builder.addStateStore(index);
    }

    /** The names a processor must be connected to. */
    public static String[] storeNames(String name) {
        return new String[] {name, name + INDEX_SUFFIX};
    }

    /** What to do with an entry as it expires (release what it holds, time out a wait). */
    @FunctionalInterface
    public interface OnExpiry<V> {
        void expired(String key, V value);
    }

    /**
     * Opens the store inside a processor's init and schedules its purge every {@code purgeEvery} of
     * wall-clock time.
     */
    public static <V> ExpiringStore<V> open(ProcessingContext context, String name, Duration purgeEvery) {
        return open(context, name, purgeEvery, (key, value) -> {});
    }

    /** As {@link #open(ProcessingContext, String, Duration)}, calling {@code onExpiry} for each entry purged. */
    public static <V> ExpiringStore<V> open(
            ProcessingContext context, String name, Duration purgeEvery, OnExpiry<V> onExpiry) {
        KeyValueStore<String, Entry<V>> values = context.getStateStore(name);
        KeyValueStore<Bytes, byte[]> index = context.getStateStore(name + INDEX_SUFFIX);
        ExpiringStore<V> store = new ExpiringStore<>(values, index, 10_000, onExpiry);
        context.schedule(purgeEvery, PunctuationType.WALL_CLOCK_TIME, now -> store.purgeExpired(now, onExpiry));
        return store;
    }

    /**
     * The store as a second processor of the same task sees it: to read with {@link #stored}, no
     * purge of its own (the processor that opened it purges and handles expiry).
     */
    public static <V> ExpiringStore<V> reader(ProcessingContext context, String name) {
        return new ExpiringStore<>(
                context.getStateStore(name), context.getStateStore(name + INDEX_SUFFIX), 0, (key, value) -> {});
    }

    /** The live value of a key at {@code now}, or null. */
    public V get(String key, long now) {
        Entry<V> e = entry(key, now);
        return e == null ? null : e.value();
    }

    /**
     * The live entry of a key at {@code now} (value and expiry), or null. An entry found expired
     * that the purge has not reached yet is expired here, its {@link OnExpiry} called first: a
     * caller that reads null and then puts must not overwrite an entry whose expiry was never
     * handled (a single-flight leader's waiting followers, a dedupe entry's reservation).
     */
    public Entry<V> entry(String key, long now) {
        Entry<V> e = values.get(key);
        if (e == null) {
            return null;
        }
        if (e.expiresAt() <= now) {
            values.delete(key);
            onExpiry.expired(key, e.value());
            return null;
        }
        return e;
    }

    /**
     * The entry of a key as stored, expired or not: until the purge reaches an expired entry, a
     * processor that acts on expiry (see {@link OnExpiry}) may still treat it as current.
     */
    public Entry<V> stored(String key) {
        return values.get(key);
    }

    /**
     * Stores a value until {@code expiresAt}, replacing any earlier value and its expiry. The index
     * is written only for a new key or an earlier expiry: the entry of a later one is still there.
     */
    public void put(String key, V value, long expiresAt) {
        Entry<V> previous = values.get(key);
        values.put(key, new Entry<>(value, expiresAt));
        if (previous == null || expiresAt < previous.expiresAt()) {
            index.put(indexKey(expiresAt, key), new byte[0]);
        }
    }

    /** Replaces the value of a live entry and keeps its expiry: one write, no index change. */
    public void update(String key, Entry<V> entry, V value) {
        values.put(key, new Entry<>(value, entry.expiresAt()));
    }

    /** Deletes a key; its index entry stays until the purge reaches it and finds nothing. */
    public void delete(String key) {
        values.delete(key);
    }

    /** Every live entry at {@code now}, in key order: for small stores only (it reads them all). */
    public void forEachLive(long now, java.util.function.BiConsumer<String, V> action) {
        try (KeyValueIterator<String, Entry<V>> it = values.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                if (kv.value != null && kv.value.expiresAt() > now) {
                    action.accept(kv.key, kv.value.value());
                }
            }
        }
    }

    /** Deletes entries that expired before {@code now}, at most a bounded number per run; returns how many. */
    public int purgeExpired(long now) {
        return purgeExpired(now, (key, value) -> {});
    }

    /**
     * As {@link #purgeExpired(long)}, calling {@code onExpiry} for every entry it deletes. An index
     * entry whose value now expires later is filed again at the value's own expiry; one whose value
     * is gone is dropped. Both count towards the bound, as they cost what a deletion does.
     */
    public int purgeExpired(long now, OnExpiry<V> onExpiry) {
        int reached = 0;
        try (KeyValueIterator<Bytes, byte[]> it = index.range(null, indexKey(now, ""))) {
            while (it.hasNext() && reached < maxPurgePerRun) {
                Bytes indexKey = it.next().key;
                String key = keyOf(indexKey);
                Entry<V> e = values.get(key);
                index.delete(indexKey);
                if (e != null && e.expiresAt() <= now) {
                    values.delete(key);
                    onExpiry.expired(key, e.value());
                } else if (e != null) {
                    index.put(indexKey(e.expiresAt(), key), new byte[0]);
                }
                reached++;
            }
        }
        return reached;
    }

    /** Big-endian expiry then the key: RocksDB's byte order is then expiry order. */
    static Bytes indexKey(long expiresAt, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length)
                .putLong(Math.max(0, expiresAt))
                .put(k)
                .array());
    }

    static String keyOf(Bytes indexKey) {
        byte[] b = indexKey.get();
        return new String(b, 8, b.length - 8, StandardCharsets.UTF_8);
    }

    /** Serialises an entry as its 8-byte expiry followed by the value's own bytes. */
    static final class EntrySerde<V> implements Serde<Entry<V>> {
        private final Serde<V> inner;

        EntrySerde(Serde<V> inner) {
            this.inner = inner;
        }

        @Override
        public org.apache.kafka.common.serialization.Serializer<Entry<V>> serializer() {
            return (topic, e) -> {
                if (e == null) {
                    return null;
                }
                byte[] v = inner.serializer().serialize(topic, e.value());
                int length = v == null ? 0 : v.length;
                ByteBuffer b =
                        ByteBuffer.allocate(9 + length).putLong(e.expiresAt()).put((byte) (v == null ? 0 : 1));
                if (v != null) {
                    b.put(v);
                }
                return b.array();
            };
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<Entry<V>> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer b = ByteBuffer.wrap(bytes);
                long expiresAt = b.getLong();
                boolean present = b.get() == 1;
                byte[] v = new byte[b.remaining()];
                b.get(v);
                return new Entry<>(present ? inner.deserializer().deserialize(topic, v) : null, expiresAt);
            };
        }
    }
}
