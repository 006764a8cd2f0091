package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.streams.BoundedRocksDb;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ClientPropsTest {
    private static KafkaSettings kafka(Map<String, String> more) {
        Map<String, String> values = new java.util.HashMap<>(
                Map.of("kafka.bootstrap.servers", "127.0.0.1:1", "schema.registry.url", "http://127.0.0.1:1"));
        values.putAll(more);
        Settings s = new Settings(ConfigSource.of(values));
        KafkaSettings kafka = KafkaSettings.read(s);
        s.validate();
        return kafka;
    }

    @Test
    void shouldHoldEveryRocksDbStoreToTheConfiguredBudget() {
        Map<String, Object> p = ClientProps.streams(kafka(Map.of("streams.state.memory", "64MB")), "app", Path.of("s"));

        assertThat(p)
                .containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class)
                .containsEntry(BoundedRocksDb.MEMORY_BYTES, Long.toString(64L << 20));
        assertThat(ClientProps.streams(kafka(Map.of()), "app", Path.of("s")))
                .containsEntry(BoundedRocksDb.MEMORY_BYTES, Long.toString(BoundedRocksDb.DEFAULT_MEMORY_BYTES));
    }

    @Test
    void shouldGiveStreamsInternalTopicsTheInSyncReplicasOfSluicesOwn() {
        assertThat(ClientProps.streams(kafka(Map.of()), "app", Path.of("s")))
                .containsEntry("topic.min.insync.replicas", "1");
        assertThat(ClientProps.streams(kafka(Map.of("topics.replication.factor", "3")), "app", Path.of("s")))
                .containsEntry("topic.min.insync.replicas", "2")
                .containsEntry("replication.factor", 3);
    }

    @Test
    void shouldLeaveKafkaStreamsOwnRocksDbSettingsWithABudgetOfZero() {
        Map<String, Object> p = ClientProps.streams(kafka(Map.of("streams.state.memory", "0")), "app", Path.of("s"));

        assertThat(p).doesNotContainKeys(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.MEMORY_BYTES);
    }
}
