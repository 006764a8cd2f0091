package dev.sluice.runtime.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToLongFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Bounds the memory of a {@link ConcurrentRecordLoop} per priority: when a priority's waiting
 * records reach {@code bufferBytes}, the partitions of that priority are paused (the consumer stays
 * in its group) and resumed at half. Pausing one priority never holds back another. Priorities are
 * per topic: a topic's records are assumed to share the priority of the first one seen. Poll
 * thread only.
 */
final class Backpressure {
    private final Consumer<?, ?> consumer;
    private final long bufferBytes;
    private final boolean[] paused;
    private final Map<String, Integer> topicPriority = new HashMap<>();

    Backpressure(Consumer<?, ?> consumer, int priorities, long bufferBytes) {
        this.consumer = consumer;
        this.bufferBytes = bufferBytes;
        this.paused = new boolean[priorities];
    }

    /** A record of {@code topic} waits in {@code priority}; the first one sets the topic's priority. */
    void learn(String topic, int priority) {
        topicPriority.putIfAbsent(topic, priority);
    }

    /** Pauses the partitions of each priority whose waiting records fill its buffer; resumes at half. */
    void apply(IntToLongFunction waitingBytes) {
        for (int p = 0; p < paused.length; p++) {
            long bytes = waitingBytes.applyAsLong(p);
            if (!paused[p] && bytes >= bufferBytes) {
                paused[p] = true;
                consumer.pause(partitionsOf(p, consumer.assignment()));
            } else if (paused[p] && bytes <= bufferBytes / 2) {
                paused[p] = false;
                consumer.resume(partitionsOf(p, consumer.paused()));
            }
        }
    }

    /** Partitions just given to the consumer start paused if their priority is. */
    void assigned(Collection<TopicPartition> partitions) {
        for (int p = 0; p < paused.length; p++) {
            if (paused[p]) {
                consumer.pause(partitionsOf(p, new HashSet<>(partitions)));
            }
        }
    }

    private Set<TopicPartition> partitionsOf(int priority, Set<TopicPartition> partitions) {
        Set<TopicPartition> out = new HashSet<>();
        for (TopicPartition tp : partitions) {
            if (priorityOf(tp) == priority) {
                out.add(tp);
            }
        }
        return out;
    }

    /** A topic no record came from yet counts as the lowest priority. */
    private int priorityOf(TopicPartition tp) {
        Integer p = topicPriority.get(tp.topic());
        return p == null ? paused.length - 1 : p;
    }
}
