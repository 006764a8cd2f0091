package dev.sluice.ingest;

import dev.sluice.model.LlmRequest;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.ClientProps;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes one job to llm.requests (keyed by tenantId) and returns once the broker acked it, or
 * throws {@link NotStored} when it did not within the produce timeout. The producer gives up
 * within that timeout on its own (metadata wait, retries and delivery included), so a record can
 * never land after the client was told no.
 */
final class JobWriter implements AutoCloseable {
    private final IngestConfig config;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<LlmRequest> requests;

    JobWriter(IngestConfig config, String clientId) {
        this.config = config;
        this.producer = new KafkaProducer<>(producerProps(config, clientId));
        this.requests = config.kafka().serdes().requests().serializer();
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

    /** The request on llm.requests, with the trace context as a header. */
    ProducerRecord<String, byte[]> requestRecord(LlmRequest request, String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        Tracing.put(headers, traceparent);
        String topic = config.kafka().topics().requests();
        return new ProducerRecord<>(topic, null, request.tenantId(), requests.serialize(topic, request), headers);
    }

    void write(LlmRequest request, String traceparent) throws NotStored, InterruptedException {
        try {
            // The producer's delivery timeout ends the send first; the extra second only guards a hang.
            producer.send(requestRecord(request, traceparent))
                    .get(config.produceTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new NotStored("The broker did not acknowledge the job within " + config.produceTimeout().toMillis()
                    + " ms (" + cause.getClass().getSimpleName() + "); nothing was accepted, retry later", true, cause);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
