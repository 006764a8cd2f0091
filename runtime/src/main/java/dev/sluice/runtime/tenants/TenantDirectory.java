package dev.sluice.runtime.tenants;

import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.CompactedTable;
import dev.sluice.runtime.kafka.KafkaSettings;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Every tenant's configuration, read from the compacted tenants topic into memory and kept current
 * by a background consumer. No consumer group: every instance reads the whole topic, as a global
 * table does ({@link CompactedTable}). A tombstone removes a tenant; a record that cannot be read
 * leaves the tenant's last good configuration in place, so no policy is silently loosened.
 */
public final class TenantDirectory implements AutoCloseable {
    private final CompactedTable<TenantConfig> tenants;

    public TenantDirectory(KafkaSettings kafka, Deserializer<TenantConfig> deserializer, String clientId) {
        this.tenants = new CompactedTable<>(kafka, kafka.topics().tenants(), deserializer, clientId);
    }

    public TenantDirectory start() {
        tenants.start();
        return this;
    }

    /** Waits until the topic has been read to the end once; false if that took longer than the timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return tenants.awaitLoaded(timeout);
    }

    /** Whether the topic has been read to the end once, without waiting. */
    public boolean loaded() {
        return tenants.loaded();
    }

    public Optional<TenantConfig> get(String tenantId) {
        return tenants.get(tenantId);
    }

    public int size() {
        return tenants.size();
    }

    @Override
    public void close() {
        tenants.close();
    }
}
