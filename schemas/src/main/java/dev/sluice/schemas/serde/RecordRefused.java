package dev.sluice.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record the broker refused for good (a topic whose own max.message.bytes is lower, an invalid
 * record) when it was sent before, met again: thrown by the serializer, so that the record is
 * replaced before it reaches the producer, as one too large is ({@link RecordTooLargeForTopic}).
 */
public final class RecordRefused extends SerializationException {
    private final String topic;
    private final String error;
    private final boolean replaceable;

    /**
     * @param error the class of the broker's error
     * @param replaceable false when what replaced the record was refused too: only a dead letter is left
     */
    public RecordRefused(String topic, String error, String message, boolean replaceable) {
        super("the broker refused a record for " + topic + " (" + error + ": " + message + ")");
        this.topic = topic;
        this.error = error;
        this.replaceable = replaceable;
    }

    public String topic() {
        return topic;
    }

    public String error() {
        return error;
    }

    public boolean replaceable() {
        return replaceable;
    }

    /** True when the broker refused the record for its size. */
    public boolean forSize() {
        return error.endsWith("RecordTooLargeException") || error.endsWith("RecordBatchTooLargeException");
    }
}
