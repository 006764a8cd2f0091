package dev.sluice.worker.batch;

import dev.sluice.model.BatchJob;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.ProviderException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a batch on record and at the provider, in the order that survives a crash anywhere: the
 * intent on llm.batches (acked), then the provider's batch, then the record with the provider's
 * id and each job's BATCH_SUBMITTED status. A crash after the intent leaves a record from which
 * the batch is found at the provider, or submitted, by whoever owns it next.
 */
final class BatchSubmitter {
    private static final Logger log = LoggerFactory.getLogger(BatchSubmitter.class);
    private static final int ATTEMPTS = 3;

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final Serializer<ProviderBatch> batches;
    private final Serializer<JobStatus> statuses;
    private final BatchBook book;
    private final Clock clock;

    BatchSubmitter(Producer<String, byte[]> producer, Topics topics, SluiceSerdes serdes, BatchBook book,
            Clock clock) {
        this.producer = producer;
        this.topics = topics;
        this.batches = serdes.batches().serializer();
        this.statuses = serdes.jobStatus().serializer();
        this.book = book;
        this.clock = clock;
    }

    /**
     * Asks the provider for the batch (a retryable failure is tried again, up to three times) and
     * records the answer. False when the provider did not take it: the intent stays, and the
     * owner's poller tries again.
     */
    boolean submit(BatchApi api, ModelSpec model, ProviderBatch intent, List<String> lines)
            throws InterruptedException, ExecutionException {
        String providerId = null;
        for (int attempt = 1; providerId == null; attempt++) {
            try {
                providerId = api.submit(intent.batchId(), model, lines);
            } catch (ProviderException e) {
                if (!e.retryable() || attempt >= ATTEMPTS) {
                    log.warn("{} did not take batch {} ({} lines for {}): {}; it stays an intent and is tried again",
                            api.provider(), intent.batchId(), lines.size(), model.name(), e.getMessage());
                    return false;
                }
                Thread.sleep(1000L << (attempt - 1));
            }
        }
        confirm(intent, providerId);
        log.info("Batch {} submitted to {} as {}: {} lines for {}", intent.batchId(), api.provider(), providerId,
                lines.size(), model.name());
        return true;
    }

    /** The lines of an intent's jobs that were found, in its order. */
    static List<String> lines(BatchApi api, ModelSpec model, ProviderBatch intent, Map<String, LlmJob> jobs) {
        List<String> lines = new ArrayList<>(intent.jobs().size());
        for (BatchJob j : intent.jobs()) {
            LlmJob job = jobs.get(j.requestId());
            if (job != null) {
                lines.add(api.line(BatchApi.customId(j.requestId()), model, job));
            }
        }
        return lines;
    }

    /** Records the provider's id for an intent, and each job's BATCH_SUBMITTED status. */
    void confirm(ProviderBatch intent, String providerId) throws InterruptedException, ExecutionException {
        ProviderBatch submitted = intent.submitted(providerId, clock.instant());
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (BatchJob j : intent.jobs()) {
            JobStatus status = new JobStatus(j.requestId(), j.tenantId(), JobState.BATCH_SUBMITTED,
                    intent.provider() + "/" + intent.model(), providerId, submitted.updatedAt());
            acks.add(producer.send(new ProducerRecord<>(topics.jobEvents(), j.tenantId(),
                    statuses.serialize(topics.jobEvents(), status))));
        }
        write(submitted);
        for (Future<RecordMetadata> ack : acks) {
            ack.get();
        }
    }

    /** Removes a finished batch from llm.batches (a tombstone) and waits for the ack. */
    void forget(String batchId) throws InterruptedException, ExecutionException {
        producer.send(new ProducerRecord<>(topics.batches(), batchId, null)).get();
    }

    /** Writes a batch record (an intent, or a new state) and waits for the broker's ack. */
    void write(ProviderBatch batch) throws InterruptedException, ExecutionException {
        RecordMetadata ack = producer.send(new ProducerRecord<>(topics.batches(), batch.batchId(),
                batches.serialize(topics.batches(), batch))).get();
        book.apply(batch, ack.partition());
    }
}
