package dev.sluice.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record whose serialized value is larger than its topic takes. Thrown by the serializer, before
 * the record reaches a producer: a producer that is handed an oversized record fails its send,
 * and a transactional one then fails its whole transaction, which would stop a Kafka Streams app.
 * Caught here, the record can be replaced by one that fits (a FAILED result) and a dead letter.
 */
public final class RecordTooLargeForTopic extends SerializationException {
    private final String topic;
    private final int size;
    private final int limit;

    public RecordTooLargeForTopic(String topic, int size, int limit) {
        super("a record for " + topic + " would be " + size + " bytes; the topic takes at most " + limit
                + " (topics.max.record.bytes)");
        this.topic = topic;
        this.size = size;
        this.limit = limit;
    }

    public String topic() {
        return topic;
    }

    public int size() {
        return size;
    }

    public int limit() {
        return limit;
    }
}
