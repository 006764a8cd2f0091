package dev.sluice.runtime.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A polled record on its way through a {@link ConcurrentRecordLoop}: the value its classifier
 * decoded (null if none), its lane, the bytes it holds while it waits, and the ownership of its
 * partition it was polled in ({@code generation}), so that a run outlasting that ownership is told
 * apart from a run of the same record polled again.
 */
record Waiting<T>(
        ConsumerRecord<String, byte[]> record,
        T value,
        TopicPartition partition,
        Lane lane,
        long bytes,
        int generation) {

    /** A record's place in its topic, whichever poll returned it. */
    record Key(TopicPartition partition, long offset) {}

    Key key() {
        return new Key(partition, record.offset());
    }
}
