package dev.sluice.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of one topic on a background thread, in no consumer group, committed
 * records only: first from where {@link Start} says up to the end as of the start (then
 * {@link #awaitLoaded} returns), then on as records arrive. What to do with each record, and with
 * the time between polls, is the owner's.
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);

    /** Where to start reading each partition, given the consumer and each partition's end. */
    @FunctionalInterface
    public interface Start {
        Map<TopicPartition, Long> offsets(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> ends);

        Start BEGINNING = (consumer, ends) -> consumer.beginningOffsets(ends.keySet());
    }

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Start start;
    private final Consumer<ConsumerRecord<String, byte[]>> onRecord;
    private final Runnable afterPoll;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public TopicFollower(
            KafkaSettings kafka,
            String topic,
            String clientId,
            Start start,
            Consumer<ConsumerRecord<String, byte[]>> onRecord,
            Runnable afterPoll) {
        this.topic = topic;
        this.start = start;
        this.onRecord = onRecord;
        this.afterPoll = afterPoll;
        this.consumer = new KafkaConsumer<>(
                ClientProps.consumer(kafka, null, clientId), new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().daemon().name(clientId).unstarted(this::run);
    }

    public TopicFollower start() {
        thread.start();
        return this;
    }

    /** Waits until the topic has been read to its end as of the start; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            start.offsets(consumer, end).forEach(consumer::seek);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    onRecord.accept(r);
                }
                if (loaded.getCount() > 0 && caughtUp(end)) {
                    loaded.countDown();
                }
                afterPoll.run();
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            log.error("Stopped following {}", topic, e);
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
