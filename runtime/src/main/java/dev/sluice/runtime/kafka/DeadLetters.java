package dev.sluice.runtime.kafka;

import dev.sluice.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Dead letters of records a consumer could not handle, keeping their bytes, headers and origin. */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static DeadLetter from(ConsumerRecord<String, byte[]> record, String service, String stage, String errorClass,
            String message, Instant at) {
        List<DeadLetter.Header> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(new DeadLetter.Header(h.key(), h.value())));
        return new DeadLetter(record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value(), headers, record.topic(), record.partition(), record.offset(), service, stage,
                errorClass, message, at);
    }
}
