package dev.sluice.worker.batch;

import dev.sluice.model.CostEvent;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.worker.provider.BatchApi;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * The batch path of one worker instance: the book of batches, the collector that groups and
 * submits jobs, and the poller that follows and collects the batches this instance owns. An
 * instance owns the batches on the llm.batches partitions whose number, modulo the partitions of
 * llm.jobs.batch, is one of the llm.jobs.batch partitions it consumes (ADR 0008).
 */
public final class BatchPath implements AutoCloseable {
    private final BatchBook book;
    private final BatchCollector collector;
    private final BatchPoller poller;
    /** What the worker's metrics hear of a collected batch, once its transaction has committed. */
    public interface Collected {
        void billed(Collection<CostEvent> costs);

        /** A job whose answer did not fit llm.completions: it ended FAILED OUTPUT_TOO_LARGE. */
        void outputTooLarge();
    }

    /** Partitions of llm.jobs.batch, learned once (topics do not shrink). */
    private volatile int jobPartitions;

    /**
     * @param owned the llm.jobs.batch partitions this instance consumes now
     * @param alreadyCompleted whether a request has a completion already
     * @param redactsPii whether a tenant wants PII redacted from output
     * @param collected hears what each collected batch cost and ended as, once it is committed
     */
    public BatchPath(
            KafkaSettings kafka,
            String instance,
            Map<String, BatchApi> apis,
            ModelCatalogue catalogue,
            Producer<String, byte[]> producer,
            BatchSettings settings,
            Predicate<String> alreadyCompleted,
            Predicate<String> redactsPii,
            Supplier<Set<TopicPartition>> owned,
            Collected collected,
            Clock clock,
            Telemetry telemetry) {
        this.book = new BatchBook(kafka, instance + "-batches");
        // An intent being submitted is written again three times per grace period, so its owner
        // never takes a slow submission for a dead one.
        BatchSubmitter submitter = new BatchSubmitter(
                producer,
                kafka.topics(),
                kafka.serdes(),
                book,
                clock,
                settings.submitGrace().dividedBy(3));
        this.collector = new BatchCollector(apis, catalogue, book, submitter, settings, clock, telemetry);
        String jobsBatch = kafka.topics().jobsBatch();
        this.poller = new BatchPoller(
                kafka,
                instance + "-batch-poller",
                apis,
                catalogue,
                book,
                collector,
                submitter,
                new JobReader(kafka, instance + "-batch-reader"),
                new BatchOutcomes(clock, redactsPii),
                alreadyCompleted,
                partition -> {
                    Set<TopicPartition> mine = owned.get();
                    if (mine.isEmpty()) {
                        return false;
                    }
                    if (jobPartitions == 0) {
                        jobPartitions = producer.partitionsFor(jobsBatch).size();
                    }
                    return mine.contains(new TopicPartition(jobsBatch, partition % jobPartitions));
                },
                settings,
                clock,
                collected,
                telemetry);
    }

    public BatchPath start() {
        book.start();
        collector.start();
        poller.start();
        return this;
    }

    /** Waits until every batch on record is known; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return book.awaitLoaded(timeout);
    }

    /** False once the poller thread has died: the worker is then not healthy. */
    public boolean healthy() {
        return poller.alive();
    }

    public BatchCollector collector() {
        return collector;
    }

    public BatchBook book() {
        return book;
    }

    @Override
    public void close() {
        poller.close();
        collector.close();
        book.close();
    }
}
