package dev.sluice.worker;

import dev.sluice.model.CostEvent;
import dev.sluice.model.DeadLetter;
import dev.sluice.model.JobState;
import dev.sluice.model.JobStatus;
import dev.sluice.model.LlmJob;
import dev.sluice.model.LlmResult;
import dev.sluice.runtime.Tracing;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.DeadLetters;
import dev.sluice.runtime.kafka.Decoding;
import dev.sluice.runtime.kafka.OversizedOutputs;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.tracing.JobScope;
import dev.sluice.runtime.tracing.SluiceAttributes;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.RecordRefused;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.worker.batch.BatchCollector;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Handles one job record: reads it (a record that is not a job becomes a dead letter; a job whose
 * schema the registry cannot give right now waits for it), announces
 * RUNNING ({@link RunningEvents}: only if the call lasts), runs it through the provider chain, and
 * publishes the cost events and the completion.
 * It returns only once the broker acked them, which is what lets the loop commit the job's offset.
 *
 * <p>Its trace: a {@code job queued} span from when the router routed the job to when it starts
 * here, and a {@code worker job} span, current on the job's virtual thread while it runs (its
 * provider calls are children of it), both children of the router's decision; everything the job
 * produces carries the {@code worker job} span's context, and its log lines the job's ids.
 */
final class JobHandler implements ConcurrentRecordLoop.Handler<LlmJob> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobHandler.class);
    private static final String DEAD_LETTER_STAGE = "deserialize";

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final JobRunner runner;
    private final Deserializer<LlmJob> jobs;
    private final Serializer<LlmResult> results;
    private final Serializer<CostEvent> costs;
    private final Serializer<JobStatus> statuses;
    private final Serializer<DeadLetter> deadLetters;
    private final Clock clock;
    private final WorkerMetrics metrics;
    private final Predicate<String> alreadyCompleted;
    private final BatchCollector batches;
    private final Telemetry telemetry;
    private final RunningEvents running;

    JobHandler(
            Producer<String, byte[]> producer,
            Topics topics,
            JobRunner runner,
            SluiceSerdes serdes,
            Clock clock,
            WorkerMetrics metrics,
            Predicate<String> alreadyCompleted,
            RunningEvents running,
            Telemetry telemetry) {
        this(producer, topics, runner, serdes, clock, metrics, alreadyCompleted, null, running, telemetry);
    }

    /**
     * With {@code batches}, every job goes into a provider batch when a model of its chain has a
     * Batch API here, and the synchronous way otherwise.
     */
    JobHandler(
            Producer<String, byte[]> producer,
            Topics topics,
            JobRunner runner,
            SluiceSerdes serdes,
            Clock clock,
            WorkerMetrics metrics,
            Predicate<String> alreadyCompleted,
            BatchCollector batches,
            RunningEvents running,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.running = running;
        this.batches = batches;
        this.alreadyCompleted = alreadyCompleted;
        this.producer = producer;
        this.topics = topics;
        this.runner = runner;
        this.jobs = serdes.jobs().deserializer();
        this.results = serdes.results().serializer();
        this.costs = serdes.costEvents().serializer();
        this.statuses = serdes.jobStatus().serializer();
        this.deadLetters = serdes.deadLetters().serializer();
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * @param decoded the job {@link JobLanes} decoded on the poll thread; null when it could not (not
     *     a job, or its schema not known yet) or when the loop has no JobLanes (the batch topic)
     */
    @Override
    public void handle(ConsumerRecord<String, byte[]> record, LlmJob decoded) throws Exception {
        Instant pickedUp = clock.instant();
        LlmJob job = decoded;
        if (job == null) {
            try {
                job = Decoding.waitingOutRegistry(
                        () -> jobs.deserialize(record.topic(), record.value()),
                        Thread::sleep,
                        e -> log.warn(
                                "Job {}-{}@{} waits for the schema registry: {}",
                                record.topic(),
                                record.partition(),
                                record.offset(),
                                e.getMessage()));
            } catch (RuntimeException e) {
                deadLetter(record, e).get();
                metrics.deadLettered(DEAD_LETTER_STAGE);
                return;
            }
        }
        metrics.pickedUp(job, batches != null);
        Context routed = Tracing.extract(record.headers());
        Span span = telemetry.start(telemetry
                .span("worker job", SpanKind.CONSUMER, routed)
                .setAttribute(SluiceAttributes.MESSAGING_SYSTEM, "kafka")
                .setAttribute(SluiceAttributes.MESSAGING_DESTINATION, record.topic()));
        // A job that came without a trace is in the one its worker job span started.
        queued(
                Span.fromContext(routed).getSpanContext().isValid()
                        ? routed
                        : Context.root().with(span),
                record,
                job,
                pickedUp);
        try (JobScope scope = telemetry.open(span, job.requestId(), job.tenantId())) {
            run(record, job, scope.traceparent());
        }
    }

    /**
     * The job's wait in its topic and in the fair queue, until its start here. It starts at the
     * later of the job's routedAt and its record's timestamp: the router's records keep the
     * request's own timestamp, which would count the routing as waiting.
     */
    private void queued(Context routed, ConsumerRecord<String, byte[]> record, LlmJob job, Instant pickedUp) {
        Instant since = job.routedAt().isAfter(Instant.ofEpochMilli(record.timestamp()))
                ? job.routedAt()
                : Instant.ofEpochMilli(record.timestamp());
        telemetry
                .start(telemetry
                        .span("job queued", SpanKind.INTERNAL, routed)
                        .setStartTimestamp(since)
                        .setAttribute(SluiceAttributes.MESSAGING_SYSTEM, "kafka")
                        .setAttribute(SluiceAttributes.MESSAGING_DESTINATION, record.topic())
                        .setAttribute(SluiceAttributes.REQUEST_ID, job.requestId()))
                .end(pickedUp);
    }

    private void run(ConsumerRecord<String, byte[]> record, LlmJob job, String trace) throws Exception {
        if (alreadyCompleted.test(job.requestId())) {
            // Redelivered after a crash: its completion is on the topic, so no second provider call.
            metrics.skippedCompleted();
            return;
        }
        if (batches != null && batches.collect(job, record)) {
            metrics.batched();
            return;
        }
        String firstModel = job.modelChain().isEmpty() ? null : job.modelChain().getFirst();
        Instant started = clock.instant();
        // Made only if it is written: a job that ends sooner than worker.running.event.after never needs it.
        RunningEvents.Pending announced = running.announce(() -> send(
                topics.jobEvents(),
                job.tenantId(),
                statuses.serialize(
                        topics.jobEvents(),
                        JobStatus.of(job.requestId(), job.tenantId(), JobState.RUNNING, firstModel, started)),
                trace));
        Outcome outcome;
        try {
            outcome = runner.run(job);
        } finally {
            announced.cancel();
        }
        if (Thread.currentThread().isInterrupted()) {
            // The worker is stopping and cut the call short: publish nothing, so the job is not
            // ended FAILED; it stays uncommitted and runs in full wherever it is redelivered.
            throw new InterruptedException("worker stopping; job " + job.requestId() + " left for redelivery");
        }
        List<Sent> acks = new ArrayList<>();
        for (CostEvent cost : outcome.costs()) {
            acks.add(new Sent(
                    topics.costEvents(),
                    send(topics.costEvents(), cost.tenantId(), costs.serialize(topics.costEvents(), cost), trace)));
        }
        String requestId = job.requestId();
        acks.add(new Sent(
                topics.completions(),
                send(
                        topics.completions(),
                        job.tenantId(),
                        OversizedOutputs.fitting(results, topics.completions(), outcome.result(), e -> {
                            log.warn(
                                    "Job {}: {}; it ends FAILED {}",
                                    requestId,
                                    e.getMessage(),
                                    OversizedOutputs.OUTPUT_TOO_LARGE);
                            metrics.outputTooLarge();
                        }),
                        trace)));
        LlmResult ended = outcome.result();
        for (Sent sent : acks) {
            try {
                sent.ack().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Exception cause) || !OversizedOutputs.refusedForThisRecordOnly(cause)) {
                    throw e;
                }
                // Refused for good (a topic's own smaller max.message.bytes, an invalid record):
                // this job's record only. Its result is written without its bulk, and the job is
                // dead-lettered, so that the next jobs go on.
                RecordRefused refused = new RecordRefused(
                        sent.topic(), cause.getClass().getName(), String.valueOf(cause.getMessage()), true);
                log.warn("Job {}: {}; its job is dead-lettered", requestId, refused.getMessage());
                if (sent.topic().equals(topics.completions())) {
                    ended = replaceRefusedCompletion(job, ended, refused, trace);
                }
                try {
                    deadLetter(record, "produce " + sent.topic(), refused).get();
                } catch (ExecutionException dead) {
                    throw new IllegalStateException(
                            "the dead-letter topic " + topics.deadLetters() + " refused the" + " letter of job "
                                    + requestId + "; nothing else can take it",
                            dead.getCause());
                }
                metrics.deadLettered("produce");
            }
        }
        metrics.completed(outcome);
        ended(ended);
    }

    /** A sent record and its topic, for what to do when the broker refuses it. */
    private record Sent(String topic, Future<RecordMetadata> ack) {}

    /** The result without its bulk in place of a refused completion; the result as it was if that is refused too. */
    private LlmResult replaceRefusedCompletion(LlmJob job, LlmResult result, RecordRefused refused, String trace)
            throws InterruptedException {
        LlmResult lean = result.withoutBulk(
                refused.forSize() ? OversizedOutputs.OUTPUT_TOO_LARGE : OversizedOutputs.RECORD_REFUSED,
                "the result was not written (" + refused.getMessage() + "); its output and metadata were dropped");
        try {
            send(topics.completions(), job.tenantId(), results.serialize(topics.completions(), lean), trace)
                    .get();
            return lean;
        } catch (ExecutionException | RuntimeException e) {
            log.warn(
                    "Job {}: its lean result was refused too ({}); only the dead letter is left",
                    job.requestId(),
                    e.getMessage());
            return result;
        }
    }

    private static void ended(LlmResult result) {
        Span.current().setAttribute(SluiceAttributes.STATUS, result.status().name());
        if (result.error() != null) {
            Span.current().setAttribute(SluiceAttributes.REASON, result.error().code());
        }
        log.debug(
                "Job ended {} ({}) after {} attempts",
                result.status(),
                result.error() == null ? result.model() : result.error().code(),
                result.attempts().size());
    }

    private Future<RecordMetadata> send(String topic, String key, byte[] value, String traceparent) {
        Headers headers = new RecordHeaders();
        Tracing.put(headers, traceparent);
        return producer.send(new ProducerRecord<>(topic, null, key, value, headers));
    }

    private Future<RecordMetadata> deadLetter(ConsumerRecord<String, byte[]> record, Exception e) {
        return deadLetter(record, DEAD_LETTER_STAGE, e);
    }

    /**
     * Acknowledged by the caller. A dead letter the broker refuses stops the loop (nothing else can
     * take the record), and says so.
     */
    private Future<RecordMetadata> deadLetter(ConsumerRecord<String, byte[]> record, String stage, Exception e) {
        DeadLetter letter = DeadLetters.from(
                record, "worker-pool", stage, e.getClass().getName(), String.valueOf(e.getMessage()), clock.instant());
        return producer.send(
                DeadLetters.record(topics.deadLetters(), letter, deadLetters.serialize(topics.deadLetters(), letter)));
    }
}
