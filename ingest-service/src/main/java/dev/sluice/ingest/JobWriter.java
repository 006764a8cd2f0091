package dev.sluice.ingest;

import dev.sluice.model.Feedback;
import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.kafka.ClientProps;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one job to llm.requests (keyed by tenantId) and returns once the broker acked it, or
 * throws {@link NotStored} when it did not within the produce timeout. The producer gives up
 * within that timeout on its own (metadata wait, retries and delivery included). A send that was
 * already on the wire when it gave up may still have been written, so that answer says the
 * outcome is unknown and how to retry without a second run. The job's ACCEPTED status follows,
 * not waited for.
 */
final class JobWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobWriter.class);

    private final IngestConfig config;
    private final JobRecords records;
    private final KafkaProducer<String, byte[]> producer;
    private final Counter acceptedFailures;

    JobWriter(IngestConfig config, JobRecords records, String clientId, MeterRegistry metrics) {
        this.config = config;
        this.records = records;
        this.producer = new KafkaProducer<>(producerProps(config, clientId));
        this.acceptedFailures = IngestMetrics.acceptedEventFailures(metrics);
    }

    /** Producer settings whose every wait ends within the produce timeout. */
    static Map<String, Object> producerProps(IngestConfig config, String clientId) {
        Map<String, Object> props = ClientProps.producer(config.kafka(), clientId);
        long timeout = config.produceTimeout().toMillis();
        long linger = ((Number) props.get(ProducerConfig.LINGER_MS_CONFIG)).longValue();
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeout - linger));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
        return props;
    }

    void write(LlmRequest request, String traceparent) throws NotStored, InterruptedException {
        send(
                () -> records.request(request, traceparent),
                "job",
                "requestId " + request.requestId()
                        + "). Retry with the same Idempotency-Key (" + request.effectiveIdempotencyKey()
                        + ") so that it can never run twice");
        accepted(request, traceparent);
    }

    /** Writes a user's feedback on a job to llm.feedback, once acked. */
    void write(Feedback feedback) throws NotStored, InterruptedException {
        send(
                () -> records.feedback(feedback),
                "feedback",
                "feedbackId " + feedback.feedbackId()
                        + "). A second feedback on the job is harmless: the latest counts");
    }

    /**
     * Makes the record and sends it, waiting for the ack; {@code unknown} ends the sentence of a
     * timed-out send, whose record may have been written after all. The record is made inside, so
     * that one too large for its topic (refused by the serializer) is a {@link NotStored} too.
     */
    private void send(java.util.function.Supplier<ProducerRecord<String, byte[]>> record, String what, String unknown)
            throws NotStored, InterruptedException {
        try {
            // The producer's delivery timeout ends the send first; the extra second only guards a hang.
            producer.send(record.get()).get(config.produceTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                // A send already on the wire when time ran out may still have been written.
                throw new NotStored(
                        "The broker did not acknowledge the " + what + " within "
                                + config.produceTimeout().toMillis() + " ms ("
                                + cause.getClass().getSimpleName() + "); it was"
                                + " most likely not stored, but it may have been (" + unknown,
                        false,
                        cause);
            }
            throw new NotStored(
                    "The broker refused the " + what + " (" + cause.getClass().getSimpleName()
                            + "); nothing was accepted, retry later",
                    true,
                    cause);
        }
    }

    /**
     * The job is stored and its 202 stands whatever happens here: a lost ACCEPTED only means the
     * job's status starts at QUEUED, so it is logged and counted, never answered.
     */
    private void accepted(LlmRequest request, String traceparent) {
        try {
            producer.send(records.accepted(request, traceparent), (metadata, e) -> {
                if (e != null) {
                    acceptedFailed(request, e);
                }
            });
        } catch (RuntimeException e) {
            acceptedFailed(request, e);
        }
    }

    private void acceptedFailed(LlmRequest request, Exception e) {
        acceptedFailures.increment();
        log.warn(
                "Request {} is stored, but its ACCEPTED status was not written: {}", request.requestId(), e.toString());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
