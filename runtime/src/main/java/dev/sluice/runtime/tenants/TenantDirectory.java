package dev.sluice.runtime.tenants;

import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicFollower;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tenant's configuration, read from the compacted tenants topic into memory and kept current
 * by a background consumer. No consumer group: every instance reads the whole topic, as a global
 * table does. A tombstone removes a tenant; a record that cannot be read is logged and skipped.
 */
public final class TenantDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TenantDirectory.class);

    private final Map<String, TenantConfig> tenants = new ConcurrentHashMap<>();
    private final Deserializer<TenantConfig> deserializer;
    private final TopicFollower follower;

    public TenantDirectory(KafkaSettings kafka, Deserializer<TenantConfig> deserializer, String clientId) {
        this.deserializer = deserializer;
        this.follower = new TopicFollower(kafka, kafka.topics().tenants(), clientId, TopicFollower.Start.BEGINNING,
                this::apply, () -> { });
    }

    public TenantDirectory start() {
        follower.start();
        return this;
    }

    /** Waits until the topic has been read to the end once; false if that took longer than the timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        boolean loaded = follower.awaitLoaded(timeout);
        if (loaded) {
            log.debug("{} tenants known", tenants.size());
        }
        return loaded;
    }

    public Optional<TenantConfig> get(String tenantId) {
        return Optional.ofNullable(tenants.get(tenantId));
    }

    public int size() {
        return tenants.size();
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.key() == null) {
            return;
        }
        if (r.value() == null) {
            tenants.remove(r.key());
            return;
        }
        try {
            tenants.put(r.key(), deserializer.deserialize(r.topic(), r.value()));
        } catch (RuntimeException e) {
            log.warn("Skipping unreadable tenant record {}@{}: {}", r.key(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
