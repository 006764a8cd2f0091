package dev.sluice.runtime.kafka;

import dev.sluice.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Dead letters of records a consumer could not handle, keeping their bytes (cut to fit, with the
 * whole value's size and hash), headers and origin.
 */
public final class DeadLetters {
    private DeadLetters() {}

    /** The record that carries a dead letter, keyed by the original key as the letter keeps it (cut to fit). */
    public static ProducerRecord<String, byte[]> record(String topic, DeadLetter letter, byte[] value) {
        return new ProducerRecord<>(
                topic,
                letter.originalKey() == null ? null : new String(letter.originalKey(), StandardCharsets.UTF_8),
                value);
    }

    public static DeadLetter from(
            ConsumerRecord<String, byte[]> record,
            String service,
            String stage,
            String errorClass,
            String message,
            Instant at) {
        List<DeadLetter.Header> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(new DeadLetter.Header(h.key(), h.value())));
        return new DeadLetter(
                DeadLetter.keyBytes(record.key()),
                record.value(),
                headers,
                record.topic(),
                record.partition(),
                record.offset(),
                service,
                stage,
                errorClass,
                message,
                at);
    }
}
