package dev.sluice.worker.batch;

import dev.sluice.model.BatchJob;
import dev.sluice.model.LlmJob;
import dev.sluice.model.ProviderBatch;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.catalogue.ModelSpec;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.worker.provider.BatchApi;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups batch jobs per provider and model and submits each group as one provider batch when it
 * reaches its line or byte limit, or its first job has waited {@code maxAge}. The thread that
 * hands a job in waits until the job's batch is on record, so the job's offset is committed only
 * after that; a job already in a batch (redelivered after a crash) is not put in another.
 */
public final class BatchCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchCollector.class);

    private record Target(BatchApi api, ModelSpec model) {
        String key() {
            return api.provider() + "/" + model.name();
        }
    }

    private static final class Group {
        final Target target;
        final Instant firstAt;
        final List<BatchJob> jobs = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        final Set<String> requestIds = new HashSet<>();
        /** Each job's trace context (its worker job span), for its submission's span. */
        final Map<String, Context> traces = new HashMap<>();

        final CompletableFuture<Void> recorded = new CompletableFuture<>();
        long bytes;

        Group(Target target, Instant firstAt) {
            this.target = target;
            this.firstAt = firstAt;
        }
    }

    private final Map<String, BatchApi> apis;
    private final ModelCatalogue catalogue;
    private final BatchBook book;
    private final BatchSubmitter submitter;
    private final BatchSettings settings;
    private final Clock clock;
    private final Telemetry telemetry;
    private final Map<String, Group> open = new HashMap<>();
    private final Set<String> submitting = ConcurrentHashMap.newKeySet();
    private final ExecutorService flushes = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread ticker;
    private volatile boolean closing;

    BatchCollector(
            Map<String, BatchApi> apis,
            ModelCatalogue catalogue,
            BatchBook book,
            BatchSubmitter submitter,
            BatchSettings settings,
            Clock clock,
            Telemetry telemetry) {
        this.telemetry = telemetry;
        this.apis = Map.copyOf(apis);
        this.catalogue = catalogue;
        this.book = book;
        this.submitter = submitter;
        this.settings = settings;
        this.clock = clock;
        this.ticker = Thread.ofVirtual().name("batch-collector-ticker").unstarted(this::tick);
    }

    BatchCollector start() {
        ticker.start();
        return this;
    }

    /**
     * Puts the job in a batch and returns once that batch is on record; true then, and true at
     * once for a job that is in a batch already. False when no model of its chain can be batched
     * here (no Batch API, or no adapter for its provider): it goes the synchronous way.
     */
    public boolean collect(LlmJob job, ConsumerRecord<String, byte[]> record) throws Exception {
        if (book.batchOf(job.requestId()).isPresent()) {
            log.debug(
                    "Job {} is in batch {} already",
                    job.requestId(),
                    book.batchOf(job.requestId()).get());
            return true;
        }
        Optional<Target> target = target(job);
        if (target.isEmpty()) {
            return false;
        }
        String line;
        try {
            line = target.get()
                    .api()
                    .line(BatchApi.customId(job.requestId()), target.get().model(), job);
        } catch (RuntimeException e) {
            // A job no line can be written for (input no check foresaw): the synchronous way ends it
            // with a result instead of stopping the batch loop on every redelivery.
            log.warn(
                    "Job {} cannot be written as a {} batch line ({}); it runs the synchronous way",
                    job.requestId(),
                    target.get().api().provider(),
                    e.toString());
            return false;
        }
        long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
        CompletableFuture<Void> recorded;
        synchronized (open) {
            Group group = open.get(target.get().key());
            if (group != null && group.requestIds.contains(job.requestId())) {
                recorded = group.recorded;
            } else {
                if (group != null
                        && (group.jobs.size() >= maxLines(target.get())
                                || group.bytes + bytes > maxBytes(target.get()))) {
                    flush(open.remove(target.get().key()));
                    group = null;
                }
                if (group == null) {
                    group = new Group(target.get(), clock.instant());
                    open.put(target.get().key(), group);
                }
                group.jobs.add(new BatchJob(job.requestId(), job.tenantId(), record.partition(), record.offset()));
                group.lines.add(line);
                group.requestIds.add(job.requestId());
                group.traces.put(job.requestId(), Context.current());
                group.bytes += bytes;
                recorded = group.recorded;
                if (closing || group.jobs.size() >= maxLines(target.get())) {
                    flush(open.remove(target.get().key()));
                }
            }
        }
        recorded.get();
        return true;
    }

    /** The first model of the chain that has a Batch API this worker can reach. */
    private Optional<Target> target(LlmJob job) {
        for (String name : job.modelChain()) {
            Optional<ModelSpec> model = catalogue.model(name);
            if (model.isPresent()
                    && model.get().batchApi()
                    && apis.containsKey(model.get().provider())) {
                return Optional.of(new Target(apis.get(model.get().provider()), model.get()));
            }
        }
        return Optional.empty();
    }

    private int maxLines(Target t) {
        return Math.min(settings.maxLines(), t.api().maxLines());
    }

    private long maxBytes(Target t) {
        return Math.min(settings.maxBytes(), t.api().maxBytes());
    }

    /** True while this instance is submitting the batch: no one should look for it at the provider yet. */
    boolean submitting(String batchId) {
        return submitting.contains(batchId);
    }

    /** Submits every group now (partitions are being taken away, or the worker stops). */
    public void flushAll() {
        synchronized (open) {
            open.values().forEach(this::flush);
            open.clear();
        }
    }

    private void flush(Group group) {
        ProviderBatch intent = ProviderBatch.intent(
                "sb-" + UUID.randomUUID(),
                group.target.api().provider(),
                group.target.model().name(),
                group.jobs,
                clock.instant());
        submitting.add(intent.batchId());
        flushes.execute(() -> {
            BatchSpans spans = BatchSpans.open(telemetry, "batch submit", group.target.model(), intent, group.traces);
            try {
                submitter.write(intent);
                spans.submitted(submitter.submit(
                        group.target.api(), group.target.model(), intent, group.lines, spans.traceparents()));
                group.recorded.complete(null);
            } catch (Exception e) {
                spans.failed(e);
                log.error(
                        "Batch {} of {} jobs could not be recorded; they are redelivered",
                        intent.batchId(),
                        group.jobs.size(),
                        e);
                group.recorded.completeExceptionally(e);
            } finally {
                spans.close();
                submitting.remove(intent.batchId());
            }
        });
    }

    private void tick() {
        while (!closing) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            Instant now = clock.instant();
            synchronized (open) {
                open.values().removeIf(g -> {
                    boolean due = !g.firstAt.plus(settings.maxAge()).isAfter(now);
                    if (due) {
                        flush(g);
                    }
                    return due;
                });
            }
        }
    }

    /** Submits what is waiting; jobs handed in from now on are submitted at once. */
    @Override
    public void close() {
        closing = true;
        flushAll();
        ticker.interrupt();
        flushes.close();
    }
}
