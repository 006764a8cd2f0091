package dev.sluice.ingest;

import dev.sluice.model.LlmRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a batch's requests and their ACCEPTED statuses in one Kafka transaction, so that
 * read_committed readers (router-stream, result-sink) see all of them or none (ADR 0012). A small
 * pool of transactional producers lets concurrent batches commit side by side; each producer keeps
 * its transactional id for the instance's life, so a replacement made after a failure fences the
 * old one and settles whatever transaction it left open.
 */
final class BatchWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

    private final IngestConfig config;
    private final JobRecords records;
    private final BlockingQueue<Slot> idle;

    BatchWriter(IngestConfig config, JobRecords records, String instance) {
        this.config = config;
        this.records = records;
        this.idle = new ArrayBlockingQueue<>(config.batchProducers());
        for (int i = 0; i < config.batchProducers(); i++) {
            idle.add(new Slot(instance + "-batch-" + i));
        }
    }

    /** One producer of the pool, made (and its transactions initialised) when first needed. */
    private final class Slot {
        final String transactionalId;
        KafkaProducer<String, byte[]> producer;

        Slot(String transactionalId) {
            this.transactionalId = transactionalId;
        }

        KafkaProducer<String, byte[]> open() {
            if (producer == null) {
                Map<String, Object> props = JobWriter.producerProps(config, transactionalId);
                props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
                // An instance that dies mid-batch holds back read_committed readers of those
                // partitions until the broker aborts the transaction: keep that short.
                props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int)
                        Math.max(5_000, 3 * config.produceTimeout().toMillis()));
                producer = new KafkaProducer<>(props);
                try {
                    producer.initTransactions();
                } catch (RuntimeException e) {
                    discard();
                    throw e;
                }
            }
            return producer;
        }

        void discard() {
            if (producer != null) {
                producer.close(Duration.ZERO);
                producer = null;
            }
        }
    }

    void write(List<LlmRequest> requests, Function<LlmRequest, String> traceparents)
            throws NotStored, InterruptedException {
        Slot slot = idle.poll(config.produceTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (slot == null) {
            throw new NotStored(
                    "All " + config.batchProducers() + " batch producers stayed busy for "
                            + config.produceTimeout().toMillis() + " ms; nothing was accepted, retry later",
                    true,
                    null);
        }
        try {
            write(slot, requests, traceparents);
        } finally {
            idle.add(slot);
        }
    }

    private void write(Slot slot, List<LlmRequest> requests, Function<LlmRequest, String> traceparents)
            throws NotStored {
        KafkaProducer<String, byte[]> producer;
        try {
            producer = slot.open();
            producer.beginTransaction();
            for (LlmRequest r : requests) {
                producer.send(records.request(r, traceparents.apply(r)));
                producer.send(records.accepted(r, traceparents.apply(r)));
            }
            producer.flush();
        } catch (KafkaException | IllegalStateException e) {
            abort(slot);
            throw notStored(e);
        }
        try {
            producer.commitTransaction();
        } catch (TimeoutException e) {
            // The commit may have reached the coordinator; a retry is allowed and settles it.
            try {
                producer.commitTransaction();
            } catch (KafkaException again) {
                slot.discard();
                throw new NotStored(
                        "The broker did not confirm the batch's commit within "
                                + config.produceTimeout().toMillis() + " ms; its jobs may or may not have been stored."
                                + " Retrying is safe for jobs that carry an idempotencyKey",
                        false,
                        again);
            }
        } catch (KafkaException e) {
            // A send failed: the transaction cannot commit and is aborted.
            abort(slot);
            throw notStored(e);
        }
    }

    /** Aborts the open transaction, or failing that drops the producer: its successor's init aborts it. */
    private static void abort(Slot slot) {
        try {
            if (slot.producer != null) {
                slot.producer.abortTransaction();
            }
        } catch (RuntimeException e) {
            log.debug("Abort failed ({}); replacing producer {}", e.toString(), slot.transactionalId);
            slot.discard();
        }
    }

    private NotStored notStored(Exception e) {
        return new NotStored(
                "The broker did not take the batch within "
                        + config.produceTimeout().toMillis() + " ms ("
                        + e.getClass().getSimpleName() + "); nothing was accepted, retry later",
                true,
                e);
    }

    @Override
    public void close() {
        for (Slot slot : idle) {
            if (slot.producer != null) {
                slot.producer.close(Duration.ofSeconds(10));
            }
        }
    }
}
