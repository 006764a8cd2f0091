package dev.sluice.worker.batch;

import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.ProviderException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
    /** How far before an intent's time a provider's clock may put the batch it created. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final Serializer<ProviderBatch> batches;
    private final Serializer<JobStatus> statuses;
    private final BatchBook book;
    private final Clock clock;
    private final Duration heartbeat;

    /** @param heartbeat how often an intent being submitted is written again */
    BatchSubmitter(
            Producer<String, byte[]> producer,
            Topics topics,
            SluiceSerdes serdes,
            BatchBook book,
            Clock clock,
            Duration heartbeat) {
        this.heartbeat = heartbeat;
        this.producer = producer;
        this.topics = topics;
        this.batches = serdes.batches().serializer();
        this.statuses = serdes.jobStatus().serializer();
        this.book = book;
        this.clock = clock;
    }

    /** What came of asking a provider for a batch. */
    sealed interface Submission {
        /** The provider has the batch: it took it, or it was found after an answer was lost. */
        record Accepted(String providerBatchId) implements Submission {}

        /** Not now (the provider was unreachable or overloaded); the intent is tried again later. */
        record Later(String why) implements Submission {}

        /** The provider refused the batch as a whole (400, 401, 413…); asking again would not help. */
        record Refused(String why) implements Submission {}
    }

    /** How the submitter waits between tries; tests pass one that does not sleep. */
    @FunctionalInterface
    interface Sleep {
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * Asks the provider for the batch, trying a retryable failure up to three times. A failed
     * call may still have created the batch (the answer lost on the way back), so before each new
     * try the provider is searched for it by its tag; asking again blindly would create it twice.
     * {@code taken} gives the provider ids other records already claim.
     */
    static Submission ask(
            BatchApi api,
            ModelSpec model,
            ProviderBatch intent,
            List<String> lines,
            Supplier<Set<String>> taken,
            Clock clock,
            Sleep sleep)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            ProviderException failure;
            try {
                return new Submission.Accepted(api.submit(intent.batchId(), model, lines));
            } catch (ProviderException e) {
                failure = e;
            }
            if (!failure.retryable()) {
                return new Submission.Refused(failure.getMessage());
            }
            try {
                Optional<String> made = api.find(
                        intent.batchId(),
                        intent.createdAt().minus(CLOCK_SKEW),
                        clock.instant().plus(CLOCK_SKEW),
                        lines.size(),
                        taken.get());
                if (made.isPresent()) {
                    return new Submission.Accepted(made.get());
                }
            } catch (ProviderException e) {
                // Cannot tell whether the batch was made: leave it to the owner's later search.
                return new Submission.Later(failure.getMessage() + "; and the search for it failed: " + e.getMessage());
            }
            if (attempt >= ATTEMPTS) {
                return new Submission.Later(failure.getMessage());
            }
            sleep.sleep(1000L << (attempt - 1));
        }
    }

    /**
     * Asks the provider for the batch and records the answer. While asking, the intent is written
     * again every {@code heartbeat}, so that its owner (another instance, maybe) does not take a
     * slow submission for a dead one. A refused batch is recorded ENDED without a provider id: its
     * owner then sends its jobs the synchronous way, or ends them. Returns what came of it.
     */
    Submission submit(BatchApi api, ModelSpec model, ProviderBatch intent, List<String> lines)
            throws InterruptedException, ExecutionException {
        return submit(api, model, intent, lines, Map.of());
    }

    /** As above; each job's BATCH_SUBMITTED status carries its traceparent in {@code traceparents}, by requestId. */
    Submission submit(
            BatchApi api, ModelSpec model, ProviderBatch intent, List<String> lines, Map<String, String> traceparents)
            throws InterruptedException, ExecutionException {
        Submission outcome;
        try (Heartbeat ignored = new Heartbeat(intent)) {
            outcome = ask(api, model, intent, lines, this::takenIds, clock, Thread::sleep);
        }
        switch (outcome) {
            case Submission.Accepted a -> {
                confirm(intent, a.providerBatchId(), traceparents);
                log.info(
                        "Batch {} submitted to {} as {}: {} lines for {}",
                        intent.batchId(),
                        api.provider(),
                        a.providerBatchId(),
                        lines.size(),
                        model.name());
            }
            case Submission.Later l ->
                log.warn(
                        "{} did not take batch {} ({} lines for {}) yet: {}; it stays an"
                                + " intent and is tried again",
                        api.provider(),
                        intent.batchId(),
                        lines.size(),
                        model.name(),
                        l.why());
            case Submission.Refused r -> {
                log.warn(
                        "{} refused batch {} ({} lines for {}): {}",
                        api.provider(),
                        intent.batchId(),
                        lines.size(),
                        model.name(),
                        r.why());
                write(intent.withState(
                        BatchState.ENDED, "refused by " + api.provider() + ": " + r.why(), clock.instant()));
            }
        }
        return outcome;
    }

    /** Provider batch ids that records already claim. */
    Set<String> takenIds() {
        return book.all().stream()
                .map(t -> t.batch().providerBatchId())
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
    }

    /** Writes an intent again, with a fresh time, until closed; closing waits for a write under way. */
    private final class Heartbeat implements AutoCloseable {
        private final Thread thread;
        private final Object lock = new Object();
        private boolean stopped;

        Heartbeat(ProviderBatch intent) {
            long every = Math.max(10, heartbeat.toMillis());
            this.thread = Thread.ofVirtual().start(() -> {
                while (true) {
                    try {
                        Thread.sleep(every);
                    } catch (InterruptedException e) {
                        return;
                    }
                    synchronized (lock) {
                        if (stopped) {
                            return;
                        }
                        try {
                            write(intent.withState(BatchState.SUBMITTED, intent.detail(), clock.instant()));
                        } catch (InterruptedException e) {
                            return;
                        } catch (ExecutionException e) {
                            log.warn("Batch {}: the intent could not be renewed: {}", intent.batchId(), e.getMessage());
                        }
                    }
                }
            });
        }

        @Override
        public void close() {
            synchronized (lock) {
                stopped = true;
            }
            thread.interrupt();
        }
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
        confirm(intent, providerId, Map.of());
    }

    private void confirm(ProviderBatch intent, String providerId, Map<String, String> traceparents)
            throws InterruptedException, ExecutionException {
        ProviderBatch submitted = intent.submitted(providerId, clock.instant());
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (BatchJob j : intent.jobs()) {
            JobStatus status = new JobStatus(
                    j.requestId(),
                    j.tenantId(),
                    JobState.BATCH_SUBMITTED,
                    intent.provider() + "/" + intent.model(),
                    providerId,
                    submitted.updatedAt());
            RecordHeaders headers = new RecordHeaders();
            Tracing.put(headers, traceparents.get(j.requestId()));
            acks.add(producer.send(new ProducerRecord<>(
                    topics.jobEvents(), null, j.tenantId(), statuses.serialize(topics.jobEvents(), status), headers)));
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

    /**
     * Writes a batch record (an intent, or a new state) and waits for the broker's ack. A record
     * that is not final is not written over a batch this instance knows to be finished: a late
     * write would otherwise be what compaction keeps, and the batch would come back open.
     */
    void write(ProviderBatch batch) throws InterruptedException, ExecutionException {
        if (!batch.finished()
                && book.get(batch.batchId()).map(t -> t.batch().finished()).orElse(false)) {
            log.info("Batch {} is finished already; its late {} record is not written", batch.batchId(), batch.state());
            return;
        }
        RecordMetadata ack = producer.send(new ProducerRecord<>(
                        topics.batches(), batch.batchId(), batches.serialize(topics.batches(), batch)))
                .get();
        book.apply(batch, ack.partition());
    }
}
