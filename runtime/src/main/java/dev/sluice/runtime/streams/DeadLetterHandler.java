package dev.sluice.runtime.streams;

import dev.sluice.model.DeadLetter;
import dev.sluice.runtime.kafka.OversizedOutputs;
import dev.sluice.runtime.kafka.TopicLayout;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.schemas.registry.SchemaRegistryException;
import dev.sluice.schemas.serde.RecordRefused;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import dev.sluice.schemas.serde.SerdeConfig;
import dev.sluice.schemas.serde.SluiceSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a record that cannot be read, whose processing threw, or whose output cannot be written
 * into a {@link DeadLetter} on the dead-letter topic, and lets the app carry on. The dead letter
 * is written through the task's own producer (KIP-1034), so under exactly_once_v2 it commits in
 * the same transaction as the offsets that skip the bad record: it is never lost and never written
 * twice. A dead letter always fits its topic ({@link DeadLetter} cuts what it keeps).
 *
 * <p>An output too large for its topic is refused by the serializer ({@link RecordTooLargeForTopic}),
 * before it reaches the producer: handed to a transactional producer it would fail the whole
 * transaction and stop the stream thread. It is replaced by what {@link OversizedOutputs} makes of
 * it (a result without its output, or the request's REJECTED result), so the request still ends
 * with a result, and the input it came from is dead-lettered.
 *
 * <p>A send the broker refuses for good (a topic whose own max.message.bytes is lower, an invalid
 * record) is found only after the send: under exactly_once_v2 its transaction cannot commit,
 * whatever the handler answers. With {@link BrokerRefusals} (StreamsRunner puts them under
 * {@value #REFUSALS}) the record is remembered and the thread is replaced; made again from the same
 * input, the record is refused by its serializer and replaced as one too large is. The thread stops
 * for good only when the dead-letter topic itself refuses, when what replaced a record was
 * refused and its dead letter too, or for what Kafka Streams deems fatal before asking (an
 * authorisation error, a fenced producer).
 *
 * <p>Configured by the Streams properties {@value #TOPIC}, {@value #SERVICE}, {@value #TOPICS_PREFIX},
 * {@value #MAX_RECORD_BYTES}, {@value #METRICS} (where {@code sluice_dead_letters_total} is counted)
 * and the registry settings of {@link SerdeConfig}.
 */
public final class DeadLetterHandler
        implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {
    public static final String TOPIC = "sluice.dead.letters.topic";
    public static final String SERVICE = "sluice.service.name";
    public static final String TOPICS_PREFIX = "sluice.topics.prefix";
    public static final String MAX_RECORD_BYTES = "sluice.max.record.bytes";
    /** The service's MeterRegistry, as an object among the Streams properties (StreamsRunner puts it there). */
    public static final String METRICS = "sluice.metrics.registry";
    /** The app's {@link BrokerRefusals}, as an object among the Streams properties (StreamsRunner puts them there). */
    public static final String REFUSALS = "sluice.broker.refusals";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String topic;
    private String service;
    private Serializer<DeadLetter> serializer;
    private OversizedOutputs oversized;
    private MeterRegistry metrics;
    private BrokerRefusals refusals;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(TOPIC) == null || configs.get(SERVICE) == null) {
            throw new IllegalStateException("DeadLetterHandler needs the Streams properties " + TOPIC + " and "
                    + SERVICE + " (ClientProps.streams sets both)");
        }
        topic = configs.get(TOPIC).toString();
        service = configs.get(SERVICE).toString();
        Object prefix = configs.get(TOPICS_PREFIX);
        Object limit = configs.get(MAX_RECORD_BYTES);
        SluiceSerdes serdes = new SluiceSerdes(SerdeConfig.registry(configs))
                .limitedTo(limit == null ? TopicLayout.DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(limit.toString()));
        serializer = serdes.deadLetters().serializer();
        oversized =
                new OversizedOutputs(new Topics(prefix == null ? Topics.DEFAULT_PREFIX : prefix.toString()), serdes);
        // Without a registry (a TopologyTestDriver, say) the dead letters are still written, only not counted.
        metrics = configs.get(METRICS) instanceof MeterRegistry r ? r : new SimpleMeterRegistry();
        refusals = configs.get(REFUSALS) instanceof BrokerRefusals r ? r : null;
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (SchemaRegistryException.isTransient(exception)) {
            // Not bad input: the registry is down. The thread is replaced and reads the record again.
            log.warn(
                    "Record {}-{}@{} cannot be decoded while the schema registry is unavailable: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    exception.getMessage());
            return DeserializationExceptionHandler.Response.fail();
        }
        log.warn(
                "Dead-lettering undecodable record {}-{}@{}: {}",
                record.topic(),
                record.partition(),
                record.offset(),
                exception.getMessage());
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(
                record.topic(),
                record.partition(),
                record.offset(),
                record.key(),
                record.value(),
                record.headers(),
                "deserialize",
                exception)));
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(
            ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (SchemaRegistryException.isTransient(exception)) {
            log.warn(
                    "Record {}-{}@{} failed in {} while the schema registry is unavailable: {}",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId(),
                    exception.getMessage());
            return ProcessingExceptionHandler.Response.fail();
        }
        if (exception instanceof StreamsException) {
            // Kafka Streams' own error, surfacing from a send in this record's processing (a refused
            // earlier send, a fenced producer): not this record's fault, and its transaction is lost.
            return ProcessingExceptionHandler.Response.fail();
        }
        if (exception instanceof UnanswerableRecord) {
            // Expected bad input with no one to answer: one line, no stack trace.
            log.warn(
                    "Dead-lettering record {}-{}@{}: {}",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception.getMessage());
        } else {
            log.error(
                    "Dead-lettering record {}-{}@{} that failed in {}",
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    context.processorNodeId(),
                    exception);
        }
        return ProcessingExceptionHandler.Response.resume(
                List.of(deadLetter(context, context.processorNodeId(), exception)));
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        if (SchemaRegistryException.isTransient(exception)) {
            log.warn(
                    "A record for {} cannot be encoded while the schema registry is unavailable: {}",
                    record.topic(),
                    exception.getMessage());
            return ProductionExceptionHandler.Response.fail();
        }
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        String instead = "";
        if (exception instanceof RecordTooLargeForTopic tooLarge) {
            List<ProducerRecord<byte[], byte[]>> replacements =
                    oversized.replace(record.value(), tooLarge, record.headers(), Instant.now());
            out.addAll(replacements);
            instead = replacements.isEmpty()
                    ? "; nothing replaces it"
                    : "; replaced by "
                            + replacements.stream().map(ProducerRecord::topic).toList();
        } else if (exception instanceof RecordRefused refused) {
            List<ProducerRecord<byte[], byte[]>> replacements = refused.replaceable()
                    ? oversized.replace(record.value(), refused, record.headers(), Instant.now()).stream()
                            // One for another topic (a job's REJECTED result) may have been refused in turn.
                            .filter(r -> r.topic().equals(refused.topic()) || refusals == null || !refusals.refuses(r))
                            .toList()
                    : List.of();
            out.addAll(replacements);
            instead = replacements.isEmpty()
                    ? "; nothing replaces it"
                    : "; replaced by "
                            + replacements.stream().map(ProducerRecord::topic).toList();
        }
        log.warn(
                "A record for {} from {}-{}@{} cannot be written ({}){}; dead-lettering its input",
                record.topic(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception.getMessage(),
                instead);
        out.add(deadLetter(context, "produce " + record.topic(), exception));
        return ProductionExceptionHandler.Response.resume(out);
    }

    /**
     * Called from the send's callback, on the producer's thread: the context's record is whatever
     * the task processes now, not the input of {@code record}, so only the record itself is known.
     */
    @Override
    public ProductionExceptionHandler.Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!OversizedOutputs.refusedForThisRecordOnly(exception) || refusals == null) {
            log.error(
                    "The broker did not take a record for {} ({}); under exactly-once its transaction cannot commit,"
                            + " so this thread stops without committing past it",
                    record.topic(),
                    exception.toString());
            return ProductionExceptionHandler.Response.fail();
        }
        if (record.topic().equals(topic)) {
            log.error(
                    "The dead-letter topic {} refused a dead letter ({}); nothing else can take a record that"
                            + " cannot be written, so this thread stops without committing past it. Check the topic's"
                            + " max.message.bytes and the service's ACLs",
                    topic,
                    exception.toString());
            return ProductionExceptionHandler.Response.fail();
        }
        if (refusals.refuse(record, exception) == BrokerRefusals.Outcome.CANNOT_CONTINUE) {
            log.error(
                    "The broker refused a record for {} again ({}), and nothing replaces it; this thread stops"
                            + " without committing past it. Check the topic's max.message.bytes and the service's ACLs",
                    record.topic(),
                    exception.toString());
            return ProductionExceptionHandler.Response.fail();
        }
        log.warn(
                "The broker refused a record for {} ({}); its transaction aborts, the thread is replaced, and the"
                        + " record, made again from its input, is replaced and its input dead-lettered",
                record.topic(),
                exception.toString());
        return ProductionExceptionHandler.Response.fail();
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, String stage, Exception e) {
        return deadLetter(
                context.topic(),
                context.partition(),
                context.offset(),
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                stage,
                e);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(
            String sourceTopic,
            int partition,
            long offset,
            byte[] key,
            byte[] value,
            Headers headers,
            String stage,
            Exception exception) {
        List<DeadLetter.Header> kept = new ArrayList<>();
        if (headers != null) {
            for (Header h : headers) {
                kept.add(new DeadLetter.Header(h.key(), h.value()));
            }
        }
        DeadLetter letter = new DeadLetter(
                key,
                value,
                kept,
                sourceTopic == null ? "" : sourceTopic,
                partition,
                offset,
                service,
                stage,
                exception.getClass().getName(),
                String.valueOf(exception.getMessage()),
                Instant.now());
        Metrics.deadLetters(metrics, stage).increment();
        // The letter's key is the original's, cut as the letter cuts it: a key is never larger than a letter.
        return new ProducerRecord<>(topic, null, letter.originalKey(), serializer.serialize(topic, letter));
    }
}
