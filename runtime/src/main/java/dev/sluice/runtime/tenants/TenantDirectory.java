package dev.sluice.runtime.tenants;

import dev.sluice.model.TenantConfig;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<TenantConfig> deserializer;
    private final String topic;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public TenantDirectory(KafkaSettings kafka, Deserializer<TenantConfig> deserializer, String clientId) {
        this.topic = kafka.topics().tenants();
        this.deserializer = deserializer;
        this.consumer = new KafkaConsumer<>(ClientProps.consumer(kafka, null, clientId), new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name(clientId).unstarted(this::run);
    }

    public TenantDirectory start() {
        thread.start();
        return this;
    }

    /** Waits until the topic has been read to the end once; false if that took longer than the timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Optional<TenantConfig> get(String tenantId) {
        return Optional.ofNullable(tenants.get(tenantId));
    }

    public int size() {
        return tenants.size();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r);
                }
                if (loaded.getCount() > 0 && caughtUp(end)) {
                    log.info("Loaded {} tenants from {}", tenants.size(), topic);
                    loaded.countDown();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            log.error("Tenant directory stopped reading {}", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
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
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
