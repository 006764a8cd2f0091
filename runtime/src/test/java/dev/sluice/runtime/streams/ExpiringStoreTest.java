package dev.sluice.runtime.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class ExpiringStoreTest {
    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final List<String> expired = new ArrayList<>();

    private ExpiringStore<String> open() {
        KeyValueStore<String, ExpiringStore.Entry<String>> values = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("s"), Serdes.String(), new ExpiringStore.EntrySerde<>(Serdes.String()))
                .withLoggingDisabled().build();
        KeyValueStore<Bytes, byte[]> index = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s-expiry-index"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build();
        values.init(context.getStateStoreContext(), values);
        index.init(context.getStateStoreContext(), index);
        context.addStateStore(values);
        context.addStateStore(index);
        return ExpiringStore.open(context, "s", Duration.ofSeconds(1), (key, value) -> expired.add(key + "=" + value));
    }

    private void purge(long now) {
        context.scheduledPunctuators().getFirst().getPunctuator().punctuate(now);
    }

    @Test
    void shouldHandleTheExpiryOfAnEntryAReaderFindsExpiredBeforeThePurgeReachesIt() {
        ExpiringStore<String> store = open();
        store.put("k", "leader with waiting followers", 100);

        // Between two purges (a long run of records): the entry has expired, a new one takes its key.
        assertThat(store.entry("k", 150)).isNull();
        store.put("k", "new leader", 300);
        purge(400);

        assertThat(expired).containsExactly("k=leader with waiting followers", "k=new leader");
    }

    @Test
    void shouldCallTheExpiryOnceWhetherAReadOrThePurgeFindsItFirst() {
        ExpiringStore<String> store = open();
        store.put("read", "a", 100);
        store.put("purged", "b", 100);
        store.put("live", "c", 1_000);

        assertThat(store.get("read", 150)).isNull();
        purge(200);
        assertThat(store.get("read", 250)).isNull();
        purge(300);

        assertThat(expired).containsExactly("read=a", "purged=b");
        assertThat(store.get("live", 300)).isEqualTo("c");
    }
}
