package dev.sluice.runtime.streams;

import dev.sluice.model.DeadLetter;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import dev.sluice.schemas.registry.SchemaRegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a record that cannot be read, or whose processing threw, into a {@link DeadLetter} on the
 * dead-letter topic and lets the app carry on. The dead letter is written through the task's own
 * producer (KIP-1034), so under exactly_once_v2 it commits in the same transaction as the offsets
 * that skip the bad record: it is never lost and never written twice.
 *
 * <p>Configured by the Streams properties {@value #TOPIC}, {@value #SERVICE} and the registry
 * settings of {@link SerdeConfig}.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {
    public static final String TOPIC = "sluice.dead.letters.topic";
    public static final String SERVICE = "sluice.service.name";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String topic;
    private String service;
    private Serializer<DeadLetter> serializer;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(TOPIC) == null || configs.get(SERVICE) == null) {
            throw new IllegalStateException("DeadLetterHandler needs the Streams properties " + TOPIC + " and "
                    + SERVICE + " (ClientProps.streams sets both)");
        }
        topic = configs.get(TOPIC).toString();
        service = configs.get(SERVICE).toString();
        serializer = new SluiceSerdes(SerdeConfig.registry(configs)).deadLetters().serializer();
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
            ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (SchemaRegistryException.isTransient(exception)) {
            // Not bad input: the registry is down. The thread is replaced and reads the record again.
            log.warn("Record {}-{}@{} cannot be decoded while the schema registry is unavailable: {}", record.topic(),
                    record.partition(), record.offset(), exception.getMessage());
            return DeserializationExceptionHandler.Response.fail();
        }
        log.warn("Dead-lettering undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                exception.getMessage());
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(record.topic(), record.partition(),
                record.offset(), record.key(), record.value(), record.headers(), "deserialize", exception)));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
            Exception exception) {
        if (SchemaRegistryException.isTransient(exception)) {
            log.warn("Record {}-{}@{} failed in {} while the schema registry is unavailable: {}", context.topic(),
                    context.partition(), context.offset(), context.processorNodeId(), exception.getMessage());
            return ProcessingExceptionHandler.Response.fail();
        }
        log.error("Dead-lettering record {}-{}@{} that failed in {}", context.topic(), context.partition(),
                context.offset(), context.processorNodeId(), exception);
        return ProcessingExceptionHandler.Response.resume(List.of(deadLetter(context.topic(), context.partition(),
                context.offset(), context.sourceRawKey(), context.sourceRawValue(), context.headers(),
                context.processorNodeId(), exception)));
    }

    private ProducerRecord<byte[], byte[]> deadLetter(String sourceTopic, int partition, long offset, byte[] key,
            byte[] value, Headers headers, String stage, Exception exception) {
        List<DeadLetter.Header> kept = new ArrayList<>();
        if (headers != null) {
            for (Header h : headers) {
                kept.add(new DeadLetter.Header(h.key(), h.value()));
            }
        }
        DeadLetter letter = new DeadLetter(key, value, kept, sourceTopic == null ? "" : sourceTopic, partition, offset,
                service, stage, exception.getClass().getName(), String.valueOf(exception.getMessage()), Instant.now());
        return new ProducerRecord<>(topic, null, key, serializer.serialize(topic, letter));
    }
}
