package dev.sluice.schemas.serde;

import org.apache.kafka.common.serialization.Deserializer;

/**
 * Sees every value a guarded serializer has just written, and may refuse one by throwing
 * {@link RecordRefused}: a Kafka Streams app uses it to replace, when its input is processed again,
 * a record the broker refused once (the refusal came after the send, too late to replace it then).
 */
@FunctionalInterface
public interface OutputGuard {
    /** {@code decoder} reads {@code bytes} back, for a refusal that comes later with the bytes alone. */
    void check(String topic, Object value, byte[] bytes, Deserializer<?> decoder);
}
