package dev.sluice.sink.webhook;

import dev.sluice.model.WebhookDelivery;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.Decoding;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one retry level's topic: each delivery waits until its {@code notBefore}, then gets its
 * next try through {@link WebhookTries}. A level's deliveries all wait the same step (or a longer
 * Retry-After), so they fall due about in the order they were written; while one waits, its
 * virtual thread is parked and holds no platform thread, and the loop's in-flight limit is the
 * look-ahead. When the partition is taken away from a waiting delivery (a rebalance or a
 * shutdown), the delivery is written back to its level unchanged and its record ends, so the next
 * owner tries it on time and nothing is lost or tried twice.
 */
public final class RetryLevel implements ConcurrentRecordLoop.Handler<Void> {
    private static final Logger log = LoggerFactory.getLogger(RetryLevel.class);

    private final WebhookTries tries;
    private final Deserializer<WebhookDelivery> deliveries;
    private final Clock clock;
    private final Decoding.Sleeper sleeper;
    /** Completed when this instance stops owning the partition. */
    private final Map<TopicPartition, CompletableFuture<Void>> ownership = new ConcurrentHashMap<>();

    public RetryLevel(
            WebhookTries tries, Deserializer<WebhookDelivery> deliveries, Clock clock, Decoding.Sleeper sleeper) {
        this.tries = tries;
        this.deliveries = deliveries;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** Wires this level to its loop: waits end when the loop loses their partitions. */
    public ConcurrentRecordLoop<Void> attach(ConcurrentRecordLoop<Void> loop) {
        return loop.onRevoke(this::revoked).onGain(this::assigned);
    }

    @Override
    public void handle(ConsumerRecord<String, byte[]> record, Void nothing) throws Exception {
        WebhookDelivery delivery = tries.decode(record, deliveries, sleeper);
        if (delivery == null) {
            return;
        }
        try (var ids = tries.logContext(record, delivery.requestId(), delivery.tenantId())) {
            retry(record, delivery);
        }
    }

    private void retry(ConsumerRecord<String, byte[]> record, WebhookDelivery delivery) throws Exception {
        if (!waitUntil(new TopicPartition(record.topic(), record.partition()), delivery.notBefore())) {
            tries.writeToLevel(record, delivery, record.topic());
            return;
        }
        try {
            tries.attempt(record, delivery);
        } catch (RuntimeException e) {
            log.error(
                    "Webhook retry for {} of tenant {} failed inside the dispatcher",
                    delivery.requestId(),
                    delivery.tenantId(),
                    e);
            tries.deadLetter(record, "deliver", e.getClass().getName(), String.valueOf(e.getMessage()));
        }
    }

    /** Waits until {@code due}; false when the partition was taken away first. */
    boolean waitUntil(TopicPartition partition, Instant due) throws InterruptedException {
        CompletableFuture<Void> lost = ownership.computeIfAbsent(partition, p -> new CompletableFuture<>());
        long millis = Duration.between(clock.instant(), due).toMillis();
        if (lost.isDone()) {
            return false;
        }
        if (millis <= 0) {
            return true;
        }
        try {
            lost.get(millis, TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    void assigned(Collection<TopicPartition> owned) {
        for (TopicPartition p : owned) {
            ownership.compute(p, (k, f) -> f == null || f.isDone() ? new CompletableFuture<>() : f);
        }
    }

    void revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            // Also for a partition no wait has asked about yet: a record of it still starting sees it lost.
            ownership.computeIfAbsent(p, k -> new CompletableFuture<>()).complete(null);
        }
    }
}
