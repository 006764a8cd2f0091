package dev.sluice.runtime.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Holds every RocksDB store of this JVM's Kafka Streams apps to one memory budget
 * ({@code streams.state.memory}): one block cache shared by all stores, with their index and
 * filter blocks in it, and their memtables counted against it by one write buffer manager (up to
 * half of it). Kafka Streams' default gives each store its own 50 MB cache and up to three 16 MB
 * memtables, so the off-heap memory grows with the number of stores times partitions: the router
 * alone has ten stores per task.
 *
 * <p>The cache and the manager are made once per JVM, by the first store, and never closed: every
 * store shares them, and they live as long as the JVM. Two Streams apps in one JVM (as {@code sluice
 * up} runs them) share the first one's budget.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
    /** The Streams configuration key of the budget, in bytes; {@code ClientProps.streams} sets it. */
    public static final String MEMORY_BYTES = "sluice.streams.state.memory.bytes";

    public static final long DEFAULT_MEMORY_BYTES = 128L << 20;

    private static Shared shared;

    /** The cache and the write buffer manager every store shares, and the budget they were sized for. */
    record Shared(long bytes, Cache cache, WriteBufferManager writeBuffers) {}

    static synchronized Shared shared(long bytes) {
        if (shared == null) {
            // A tenth of the cache is kept for index and filter blocks, so data blocks cannot evict them.
            Cache cache = new LRUCache(bytes, -1, false, 0.1);
            shared = new Shared(bytes, cache, new WriteBufferManager(bytes / 2, cache));
        }
        return shared;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(MEMORY_BYTES);
        long bytes = configured == null ? DEFAULT_MEMORY_BYTES : Long.parseLong(configured.toString());
        Shared s = shared(bytes);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(s.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(s.writeBuffers());
    }

    @Override
    public void close(String storeName, Options options) {
        // Shared by every store of the JVM: nothing of it is this store's to close.
    }
}
