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

    private KeyValueStore<Bytes, byte[]> index;

    private ExpiringStore<String> open() {
        KeyValueStore<String, ExpiringStore.Entry<String>> values = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("s"),
                        Serdes.String(),
                        new ExpiringStore.EntrySerde<>(Serdes.String()))
                .withLoggingDisabled()
                .build();
        index = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("s-expiry-index"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
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

    @Test
    void shouldWriteTheIndexOnlyForANewKeyOrAnEarlierExpiryAndStillExpireEachValueAtItsOwnTime() {
        ExpiringStore<String> store = open();
        store.put("job", "QUEUED", 100);
        store.put("job", "RUNNING", 200);
        store.put("job", "SUCCEEDED", 1_000);
        assertThat(index.approximateNumEntries())
                .as("later expiries keep the first entry")
                .isEqualTo(1);

        purge(150);
        assertThat(expired)
                .as("the first entry reached: the value lives on, filed again at its own time")
                .isEmpty();
        assertThat(store.get("job", 150)).isEqualTo("SUCCEEDED");
        purge(999);
        assertThat(expired).isEmpty();
        purge(1_001);
        assertThat(expired).containsExactly("job=SUCCEEDED");
        assertThat(index.approximateNumEntries()).isZero();

        store.put("early", "long", 5_000);
        store.put("early", "short", 2_000);
        purge(2_001);
        assertThat(expired).as("an expiry moved earlier is honoured").containsExactly("job=SUCCEEDED", "early=short");
        purge(5_001);
        assertThat(expired)
                .as("and the later entry left behind expires nothing")
                .hasSize(2);
        assertThat(index.approximateNumEntries()).isZero();
    }

    @Test
    void shouldDropTheIndexEntryOfADeletedKeyWhenThePurgeReachesItAndNotExpireItsSuccessor() {
        ExpiringStore<String> store = open();
        store.put("k", "first", 100);
        store.delete("k");
        store.put("k", "second", 500);

        purge(101);
        assertThat(expired).isEmpty();
        assertThat(store.get("k", 101)).isEqualTo("second");
        purge(501);
        assertThat(expired).containsExactly("k=second");
    }
}
