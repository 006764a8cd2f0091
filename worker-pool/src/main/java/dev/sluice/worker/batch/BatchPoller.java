package dev.sluice.worker.batch;

import dev.sluice.model.BatchJob;
import dev.sluice.model.BatchState;
import dev.sluice.model.CostEvent;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.OversizedOutputs;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.RecordTooLargeForTopic;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.BatchLineResult;
import dev.sluice.worker.provider.BatchProgress;
import dev.sluice.worker.provider.ProviderException;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the open batches this instance owns (those on the llm.batches partitions that map to
 * its llm.jobs.batch partitions) with a growing interval, and collects each once it has ended:
 * the completions and batch-priced cost events of its lines, the jobs that go through the
 * synchronous path again, and the batch's COLLECTED record, in one Kafka transaction, so that a
 * crash in the middle publishes all of it or none. It also settles intents: an intent left
 * unconfirmed past the grace period is looked for at the provider by its tag, adopted when found
 * and submitted when not.
 */
final class BatchPoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchPoller.class);
    static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FORGET_EVERY = Duration.ofMinutes(1);

    private final Map<String, BatchApi> apis;
    private final ModelCatalogue catalogue;
    private final BatchBook book;
    private final BatchCollector collector;
    private final BatchSubmitter submitter;
    private final JobReader reader;
    private final BatchOutcomes outcomes;
    private final Predicate<String> alreadyCompleted;
    private final IntPredicate owns;
    private final BatchSettings settings;
    private final Clock clock;
    private final Topics topics;
    private final KafkaSettings kafka;
    private final String transactionalId;
    private final Serializer<LlmResult> results;
    private final Serializer<CostEvent> costs;
    private final Serializer<LlmJob> jobs;
    private final Serializer<ProviderBatch> batches;
    private final Telemetry telemetry;
    private final Map<String, Instant> due = new HashMap<>();
    private final Map<String, Duration> interval = new HashMap<>();
    private final Map<String, Integer> lastDone = new HashMap<>();
    private final Thread thread;
    private final BatchPath.Collected collected;
    private KafkaProducer<String, byte[]> producer;
    private Instant nextForget = Instant.MIN;
    private volatile boolean running = true;

    /**
     * @param owns whether this instance owns a partition of llm.batches
     * @param alreadyCompleted whether a request has a completion already (it is skipped)
     */
    BatchPoller(
            KafkaSettings kafka,
            String transactionalId,
            Map<String, BatchApi> apis,
            ModelCatalogue catalogue,
            BatchBook book,
            BatchCollector collector,
            BatchSubmitter submitter,
            JobReader reader,
            BatchOutcomes outcomes,
            Predicate<String> alreadyCompleted,
            IntPredicate owns,
            BatchSettings settings,
            Clock clock,
            BatchPath.Collected collected,
            Telemetry telemetry) {
        this.collected = collected;
        this.telemetry = telemetry;
        this.kafka = kafka;
        this.transactionalId = transactionalId;
        this.apis = Map.copyOf(apis);
        this.catalogue = catalogue;
        this.book = book;
        this.collector = collector;
        this.submitter = submitter;
        this.reader = reader;
        this.outcomes = outcomes;
        this.alreadyCompleted = alreadyCompleted;
        this.owns = owns;
        this.settings = settings;
        this.clock = clock;
        this.topics = kafka.topics();
        this.results = kafka.serdes().results().serializer();
        this.costs = kafka.serdes().costEvents().serializer();
        this.jobs = kafka.serdes().jobs().serializer();
        this.batches = kafka.serdes().batches().serializer();
        // Virtual, so that close()'s interrupt also ends a provider call it is blocked in (Http1Client).
        this.thread = Thread.ofVirtual().name(transactionalId).unstarted(this::run);
    }

    BatchPoller start() {
        thread.start();
        return this;
    }

    private void run() {
        long tick = Math.max(50, Math.min(1000, settings.pollInterval().toMillis() / 2));
        while (running) {
            try {
                Thread.sleep(tick);
                round();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Kafka metadata not there for a moment, say: the next round tries again.
                log.warn("A round over the open batches failed: {}", e.toString());
            }
        }
    }

    /** One look at every open batch that is due, then old batches forgotten when it is time. */
    private void round() throws InterruptedException {
        Instant now = clock.instant();
        for (BatchBook.Tracked tracked : book.open()) {
            if (!running) {
                return;
            }
            String id = tracked.batch().batchId();
            if (!owns.test(tracked.partition())) {
                due.remove(id);
                interval.remove(id);
                continue;
            }
            if (now.isBefore(due.getOrDefault(id, Instant.MIN))) {
                continue;
            }
            try {
                step(tracked);
            } catch (ProviderException e) {
                log.warn("Batch {}: {}; asking again later", id, e.getMessage());
                backOff(id, now);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                log.error("Batch {} could not be followed; trying again later", id, e);
                resetProducer();
                backOff(id, now);
            }
        }
        if (!now.isBefore(nextForget)) {
            nextForget = now.plus(
                    FORGET_EVERY.compareTo(settings.forgetAfter()) < 0
                            ? FORGET_EVERY
                            : settings.forgetAfter().dividedBy(2));
            forgetOld(now);
        }
    }

    /** Alive while it follows batches; a worker whose poller died is not healthy. */
    boolean alive() {
        return thread.isAlive();
    }

    /** Tombstones the finished batches this instance owns once they are older than {@code forgetAfter}. */
    private void forgetOld(Instant now) {
        for (BatchBook.Tracked tracked : book.all()) {
            ProviderBatch batch = tracked.batch();
            if (batch.finished()
                    && owns.test(tracked.partition())
                    && batch.updatedAt().plus(settings.forgetAfter()).isBefore(now)) {
                try {
                    submitter.forget(batch.batchId());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    log.warn("Batch {} could not be removed from the topic yet: {}", batch.batchId(), e.getMessage());
                    return;
                }
            }
        }
    }

    private void backOff(String id, Instant now) {
        Duration next =
                interval.containsKey(id) ? interval.get(id).multipliedBy(3).dividedBy(2) : settings.pollInterval();
        next = next.compareTo(settings.maxPollInterval()) > 0 ? settings.maxPollInterval() : next;
        interval.put(id, next);
        due.put(id, now.plus(next));
    }

    /** One look at one batch. */
    void step(BatchBook.Tracked tracked) throws Exception {
        ProviderBatch batch = tracked.batch();
        BatchApi api = apis.get(batch.provider());
        Optional<ModelSpec> model = catalogue.model(batch.model());
        Instant now = clock.instant();
        if (api == null || model.isEmpty()) {
            log.warn(
                    "Batch {} is for {} {}, which this worker has no Batch API or catalogue entry for",
                    batch.batchId(),
                    batch.provider(),
                    batch.model());
            backOff(batch.batchId(), now);
            return;
        }
        if (batch.unconfirmed()) {
            settle(api, model.get(), tracked, now);
            return;
        }
        if (batch.providerBatchId() == null) {
            // Refused by the provider as a whole: every job is a line missing from the results.
            collect(
                    api,
                    model.get(),
                    tracked,
                    new BatchProgress(batch.batchId(), "refused", true, true, 0, 0, null, null, batch.detail()));
            forgetSchedule(batch.batchId());
            return;
        }
        BatchProgress progress = api.progress(batch.providerBatchId());
        if (!progress.ended()) {
            if ((progress.done() != lastDone.getOrDefault(batch.batchId(), -1)
                            || batch.state() != BatchState.IN_PROGRESS)
                    && owns.test(tracked.partition())) {
                lastDone.put(batch.batchId(), progress.done());
                // Through the plain producer: a transaction left open by a crash would hide it.
                submitter.write(batch.withState(
                        BatchState.IN_PROGRESS,
                        progress.status() + ": " + progress.done() + " of " + progress.total() + " lines done",
                        now));
            }
            backOff(batch.batchId(), now);
            return;
        }
        collect(api, model.get(), tracked, progress);
        forgetSchedule(batch.batchId());
    }

    private void forgetSchedule(String batchId) {
        due.remove(batchId);
        interval.remove(batchId);
        lastDone.remove(batchId);
    }

    /** An intent: adopt the provider's batch made from it, or submit it once the grace period shows none was made. */
    private void settle(BatchApi api, ModelSpec model, BatchBook.Tracked tracked, Instant now) throws Exception {
        ProviderBatch intent = tracked.batch();
        if (collector.submitting(intent.batchId())
                || now.isBefore(intent.updatedAt().plus(settings.submitGrace()))) {
            due.put(intent.batchId(), now.plus(settings.pollInterval()));
            return;
        }
        Optional<String> found = api.find(
                intent.batchId(),
                intent.createdAt().minus(BatchSubmitter.CLOCK_SKEW),
                now.plus(BatchSubmitter.CLOCK_SKEW),
                intent.jobs().size(),
                submitter.takenIds());
        if (found.isPresent()) {
            log.info("Batch {} was submitted as {} before its writer stopped; adopted", intent.batchId(), found.get());
            submitter.confirm(intent, found.get());
            return;
        }
        Map<String, Context> traces = new HashMap<>();
        Map<String, LlmJob> read =
                reader.read(intent.jobs(), (id, headers) -> traces.put(id, Tracing.extract(headers)));
        List<String> lines = BatchSubmitter.lines(api, model, intent, read);
        if (lines.isEmpty()) {
            collect(api, model, tracked, null);
            return;
        }
        log.info("Batch {} was never submitted; submitting its {} lines now", intent.batchId(), lines.size());
        try (BatchSpans spans = BatchSpans.open(telemetry, "batch submit", model, intent, traces)) {
            BatchSubmitter.Submission submission = submitter.submit(api, model, intent, lines, spans.traceparents());
            spans.submitted(submission);
            if (submission instanceof BatchSubmitter.Submission.Later) {
                backOff(intent.batchId(), now);
            }
        }
    }

    /**
     * Publishes what the batch's lines mean, and the batch as finished, in one transaction. A
     * job whose completion already exists is left alone. {@code progress} is null for an intent
     * none of whose jobs could be read back.
     */
    private void collect(BatchApi api, ModelSpec model, BatchBook.Tracked tracked, BatchProgress progress)
            throws Exception {
        ProviderBatch batch = tracked.batch();
        Map<String, BatchLineResult> lines = new HashMap<>();
        if (progress != null && !progress.failed()) {
            for (BatchLineResult line : api.results(progress)) {
                lines.put(line.customId(), line);
            }
        }
        Map<String, Context> traces = new HashMap<>();
        Map<String, LlmJob> read = reader.read(batch.jobs(), (id, headers) -> traces.put(id, Tracing.extract(headers)));
        int succeeded = 0;
        int failed = 0;
        int expired = 0;
        int redriven = 0;
        int tooLarge = 0;
        List<CostEvent> billedCosts = new ArrayList<>();
        KafkaProducer<String, byte[]> tx = producer();
        tx.beginTransaction();
        try (BatchSpans spans = BatchSpans.open(telemetry, "batch collect", model, batch, traces)) {
            for (BatchJob j : batch.jobs()) {
                if (alreadyCompleted.test(j.requestId())) {
                    continue;
                }
                LlmJob job = read.get(j.requestId());
                if (job == null) {
                    LlmResult lost = outcomes.unreadable(batch, j.requestId(), j.tenantId());
                    tx.send(new ProducerRecord<>(
                            topics.completions(),
                            null,
                            lost.tenantId(),
                            results.serialize(topics.completions(), lost),
                            spans.headers(j.requestId())));
                    failed++;
                    continue;
                }
                BatchOutcomes.Decision decision =
                        outcomes.decide(batch, model, job, lines.get(BatchApi.customId(j.requestId())));
                spans.decided(j.requestId(), decision);
                for (CostEvent cost : decision.costs()) {
                    tx.send(new ProducerRecord<>(
                            topics.costEvents(),
                            null,
                            cost.tenantId(),
                            costs.serialize(topics.costEvents(), cost),
                            spans.headers(j.requestId())));
                }
                billedCosts.addAll(decision.costs());
                switch (decision) {
                    case BatchOutcomes.Complete c -> {
                        LlmResult result = c.result();
                        byte[] bytes;
                        try {
                            bytes = results.serialize(topics.completions(), result);
                        } catch (RecordTooLargeForTopic e) {
                            try (var ids = spans.logs(result.requestId(), result.tenantId())) {
                                log.warn(
                                        "Batch job {}: {}; it ends FAILED {}",
                                        result.requestId(),
                                        e.getMessage(),
                                        OversizedOutputs.OUTPUT_TOO_LARGE);
                            }
                            // Counted as what was written: the batch's counts and the job's result agree.
                            result = OversizedOutputs.shrink(result, e);
                            bytes = results.serialize(topics.completions(), result);
                            tooLarge++;
                        }
                        tx.send(new ProducerRecord<>(
                                topics.completions(), null, job.tenantId(), bytes, spans.headers(j.requestId())));
                        switch (result.status()) {
                            case SUCCEEDED -> succeeded++;
                            case EXPIRED -> expired++;
                            default -> failed++;
                        }
                    }
                    case BatchOutcomes.Redrive r -> {
                        String topic = topics.job(job.tier(), job.request().priority());
                        tx.send(new ProducerRecord<>(
                                topic,
                                null,
                                job.requestId(),
                                jobs.serialize(topic, r.job()),
                                spans.headers(j.requestId())));
                        redriven++;
                    }
                }
            }
            BatchState end = progress == null || progress.failed()
                    ? BatchState.FAILED
                    : "cancelled".equals(progress.status()) ? BatchState.CANCELLED : BatchState.COLLECTED;
            ProviderBatch done = batch.withState(
                            end, progress == null ? "no job could be read back" : progress.detail(), clock.instant())
                    .counted(succeeded, failed, expired, redriven, clock.instant());
            Future<RecordMetadata> ack = tx.send(
                    new ProducerRecord<>(topics.batches(), done.batchId(), batches.serialize(topics.batches(), done)));
            if (!owns.test(tracked.partition())) {
                // Lost to a rebalance while reading the results: the new owner collects it.
                tx.abortTransaction();
                log.info("Batch {} moved to another instance during its collection; left to it", batch.batchId());
                return;
            }
            tx.commitTransaction();
            collected.billed(billedCosts);
            for (int i = 0; i < tooLarge; i++) {
                collected.outputTooLarge();
            }
            book.apply(done, ack.get().partition());
            log.info(
                    "Batch {} ({}) collected: {} succeeded, {} failed, {} expired, {} re-driven",
                    batch.batchId(),
                    batch.providerBatchId(),
                    succeeded,
                    failed,
                    expired,
                    redriven);
        } catch (RuntimeException e) {
            resetProducer();
            throw e;
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = ClientProps.producer(kafka, transactionalId);
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            // A crash leaves its open transaction to the broker, which hides llm.batches from every
            // read_committed reader until it times out: keep that short, with room for a collection
            // of 50,000 lines.
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis());
            producer = new KafkaProducer<>(props);
            producer.initTransactions();
        }
        return producer;
    }

    /** After a failed transaction the producer may be unusable (fenced, or in error): start a new one. */
    private void resetProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                log.debug("Closing a failed producer: {}", e.getMessage());
            }
            producer = null;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resetProducer();
    }
}
