package dev.sluice.runtime.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbTest {

    @Test
    void shouldGiveEveryStoreTheOneSharedCacheAndWriteBufferManagerOfTheJvm() {
        RocksDB.loadLibrary();
        BoundedRocksDb setter = new BoundedRocksDb();
        try (Options first = new Options().setTableFormatConfig(new BlockBasedTableConfig());
                Options second = new Options().setTableFormatConfig(new BlockBasedTableConfig())) {
            setter.setConfig("dedupe-store", first, Map.of(BoundedRocksDb.MEMORY_BYTES, Long.toString(64L << 20)));
            setter.setConfig("dedupe-store-expiry-index", second, Map.of());

            BoundedRocksDb.Shared shared = BoundedRocksDb.shared(1);
            assertThat(shared.bytes()).as("sized once, by the first store").isEqualTo(64L << 20);
            for (Options o : new Options[] {first, second}) {
                BlockBasedTableConfig table = (BlockBasedTableConfig) o.tableFormatConfig();
                assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
                assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
            }
            assertThat(shared.cache().getUsage()).isLessThanOrEqualTo(64L << 20);
            setter.close("dedupe-store", first);
            assertThat(BoundedRocksDb.shared(1))
                    .as("closing a store leaves the shared parts")
                    .isSameAs(shared);
        }
    }
}
