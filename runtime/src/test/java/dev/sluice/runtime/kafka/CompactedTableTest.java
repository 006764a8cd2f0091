package dev.sluice.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.runtime.config.Secret;
import dev.sluice.schemas.registry.SchemaRegistryException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CompactedTableTest {
    private final AtomicInteger registryOutages = new AtomicInteger();

    /** "bad" never reads; while registryOutages is above zero, every read fails as an unreachable registry does. */
    private final Deserializer<String> values = (topic, bytes) -> {
        String v = new String(bytes, StandardCharsets.UTF_8);
        if (registryOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new SchemaRegistryException.Unavailable("registry down", null);
        }
        if (v.equals("bad")) {
            throw new IllegalArgumentException("not a record of this topic");
        }
        return v;
    };

    private final KafkaSettings kafka = new KafkaSettings(
            "127.0.0.1:1", "http://127.0.0.1:1", Secret.of(""), new Topics("t."), TopicLayout.DEFAULT, Map.of());
    private final CompactedTable<String> table =
            new CompactedTable<>(kafka, "t.keys", values, "test", CompactedTable.Unreadable.DROP);

    @AfterEach
    void close() {
        table.close();
    }

    private static ConsumerRecord<String, byte[]> record(String key, String value) {
        return new ConsumerRecord<>("t.keys", 0, 0, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldKeepTheLatestValueAndForgetATombstonedKey() {
        table.apply(record("a", "1"));
        table.apply(record("a", "2"));
        table.apply(record("b", "3"));
        table.apply(record("b", null));
        assertThat(table.get("a")).contains("2");
        assertThat(table.get("b")).isEmpty();
    }

    @Test
    void shouldDropAKeyWhoseNewRecordCannotBeReadRatherThanKeepItsOldValue() {
        table.apply(record("key-1", "valid"));
        table.apply(record("key-1", "bad"));
        assertThat(table.get("key-1"))
                .as("a revocation that cannot be read must not leave the key valid")
                .isEmpty();
    }

    @Test
    void shouldKeepTheLastGoodValueWhenTheTableSaysSo() {
        try (CompactedTable<String> tenants = new CompactedTable<>(kafka, "t.tenants", values, "test-keep")) {
            tenants.apply(record("acme", "redact-pii"));
            tenants.apply(record("acme", "bad"));
            assertThat(tenants.get("acme"))
                    .as("an unreadable update must not loosen the tenant's policy")
                    .contains("redact-pii");
        }
    }

    @Test
    void shouldWaitOutAnUnreachableRegistryInsteadOfSkippingTheRecord() {
        table.apply(record("key-1", "valid"));
        registryOutages.set(2);
        table.apply(record("key-1", "revoked"));
        assertThat(table.get("key-1")).contains("revoked");
    }
}
