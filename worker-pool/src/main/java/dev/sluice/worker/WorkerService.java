package dev.sluice.worker;

import dev.sluice.model.LlmJob;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.BrokerWait;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.FairQueue;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.ops.ConsumerLag;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.worker.batch.BatchPath;
import dev.sluice.worker.provider.AnthropicBatchApi;
import dev.sluice.worker.provider.AnthropicProvider;
import dev.sluice.worker.provider.BatchApi;
import dev.sluice.worker.provider.OpenAiBatchApi;
import dev.sluice.worker.provider.OpenAiProvider;
import dev.sluice.worker.provider.Providers;
import dev.sluice.worker.resilience.ProviderCalls;
import dev.sluice.worker.resilience.RateLimits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/** worker-pool as a service: one poll loop on its own thread, provider calls on virtual threads. */
public final class WorkerService implements SluiceService {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkerService.class);

    private static final Duration LAG_EVERY = Duration.ofSeconds(15);

    private final WorkerConfig config;
    private final PrometheusMeterRegistry metrics;
    private final KafkaProducer<String, byte[]> producer;
    private final ConcurrentRecordLoop<LlmJob> loop;
    private final Thread thread;
    private final TenantDirectory tenants;
    private final CompletedJobs completed;
    private final BatchPath batchPath;
    private final Providers providers = new Providers();
    private final Map<String, BatchApi> batchApis = new HashMap<>();
    private final ConcurrentRecordLoop<LlmJob> batchLoop;
    private final Thread batchThread;
    private final Telemetry telemetry;
    private final BrokerWait kafka;
    private final ConsumerLag lag;
    private final RunningEvents running;
    private OpsServer ops;

    public WorkerService(WorkerConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        this.telemetry = Telemetry.start(name(), config.tracing());
        this.kafka = new BrokerWait(name(), config.kafka());
        String instance = "worker-" + UUID.randomUUID().toString().substring(0, 8);
        config.providers()
                .forEach(p -> providers.add(
                        p.protocol().equals("anthropic")
                                ? new AnthropicProvider(p.name(), p.baseUrl(), p.apiKey(), p.http())
                                : new OpenAiProvider(p.name(), p.baseUrl(), p.apiKey(), p.http())));
        Map<String, Object> consumerProps = ClientProps.consumer(config.kafka(), config.groupId(), instance, "jobs");
        this.producer = new KafkaProducer<>(ClientProps.producer(config.kafka(), instance));
        Clock clock = Clock.systemUTC();
        this.tenants = new TenantDirectory(
                config.kafka(), config.kafka().serdes().tenants().deserializer(), instance + "-tenants");
        WorkerMetrics workerMetrics = new WorkerMetrics(metrics, clock);
        RateLimits rateLimits = RateLimits.system(config.rateLimitMaxWait()).observedBy(workerMetrics);
        ModelCatalogue catalogue = ModelCatalogue.load(config.modelCatalogue());
        Predicate<String> redactsPii = tenantId -> tenants.get(tenantId)
                .map(t -> t.guardrails() != null && t.guardrails().redactPii())
                .orElse(false);
        ProviderCalls calls = new ProviderCalls(config.resilience(), clock, rateLimits);
        workerMetrics.trackBreakers(calls.breakers());
        JobRunner runner = new JobRunner(catalogue, providers, clock, calls, redactsPii);
        this.completed = new CompletedJobs(config.kafka(), instance + "-completions", config.redeliveryWindow(), clock);
        this.running = new RunningEvents(config.runningEventAfter());
        JobHandler handler = new JobHandler(
                producer,
                config.kafka().topics(),
                runner,
                config.kafka().serdes(),
                clock,
                workerMetrics,
                completed::contains,
                running,
                telemetry);
        JobLanes lanes = new JobLanes(
                config.kafka().topics(), config.kafka().serdes().jobs().deserializer(), tenants::get);
        // A tenant over its plan's rate is passed over until it has room; its jobs hold no slot meanwhile.
        FairQueue.Gate tenantLimits = (tenantId, tokens) -> tenants.get(tenantId)
                .map(t -> rateLimits.tryStartTenant(
                        tenantId, t.limits().requestsPerMinute(), t.limits().tokensPerMinute(), tokens))
                .orElse(true);
        this.loop = new ConcurrentRecordLoop<>(
                        new KafkaConsumer<>(consumerProps),
                        config.jobTopics(),
                        handler,
                        JobLanes.PRIORITIES,
                        lanes,
                        tenantLimits,
                        new ConcurrentRecordLoop.Limits(
                                config.maxInFlight(),
                                config.bufferBytes(),
                                config.commitInterval(),
                                config.shutdownTimeout()),
                        clock)
                .onAssignment((owned, total) -> {
                    rateLimits.share(owned, total);
                    log.info(
                            "Owning {} of {} job partitions: taking {}% of every provider rate limit",
                            owned, total, Math.round(rateLimits.share() * 100));
                });
        workerMetrics.trackInFlight(loop.inFlightCounter());
        this.lag = new ConsumerLag(config.kafka().common(), metrics, LAG_EVERY).track(config.groupId(), loop::owned);
        this.thread = Thread.ofPlatform().name(instance + "-poll").unstarted(() -> poll(loop));
        if (config.batchViaSync()) {
            this.batchPath = null;
            this.batchLoop = null;
            this.batchThread = null;
        } else {
            config.providers()
                    .forEach(p -> batchApis.put(
                            p.name(),
                            p.protocol().equals("anthropic")
                                    ? new AnthropicBatchApi(p.name(), p.baseUrl(), p.apiKey(), p.http())
                                    : new OpenAiBatchApi(p.name(), p.baseUrl(), p.apiKey(), p.http())));
            AtomicReference<ConcurrentRecordLoop<LlmJob>> batchJobs = new AtomicReference<>();
            this.batchPath = new BatchPath(
                    config.kafka(),
                    instance,
                    batchApis,
                    catalogue,
                    producer,
                    config.batch(),
                    completed::contains,
                    redactsPii,
                    () -> batchJobs.get() == null ? Set.of() : batchJobs.get().owned(),
                    workerMetrics,
                    clock,
                    telemetry);
            JobHandler batchHandler = new JobHandler(
                    producer,
                    config.kafka().topics(),
                    runner,
                    config.kafka().serdes(),
                    clock,
                    workerMetrics,
                    completed::contains,
                    batchPath.collector(),
                    running,
                    telemetry);
            // One lane and nothing decoded on the poll thread: the handler decodes each job itself.
            this.batchLoop = new ConcurrentRecordLoop<>(
                            new KafkaConsumer<>(ClientProps.consumer(
                                    config.kafka(), config.batchGroupId(), instance + "-batch", "batch")),
                            List.of(config.kafka().topics().jobsBatch()),
                            batchHandler,
                            new ConcurrentRecordLoop.Limits(
                                    config.batch().maxPending(),
                                    config.bufferBytes(),
                                    config.commitInterval(),
                                    config.shutdownTimeout()),
                            clock)
                    .onRevoke(partitions -> batchPath.collector().flushAll());
            batchJobs.set(batchLoop);
            workerMetrics.trackBatches(() -> batchPath.book().open().size(), batchLoop.inFlightCounter());
            lag.track(config.batchGroupId(), batchLoop::owned);
            this.batchThread =
                    Thread.ofPlatform().name(instance + "-batch-poll").unstarted(() -> poll(batchLoop));
        }
    }

    @Override
    public String name() {
        return "worker-pool";
    }

    /**
     * Jobs are taken once every tenant's policy is known, so no early output escapes redaction,
     * once recent completions are known, so no redelivered job is called twice, and once every
     * batch on record is known, so no redelivered job is batched twice.
     */
    private void poll(ConcurrentRecordLoop<LlmJob> jobs) {
        try {
            if (!tenants.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Tenants not loaded after 60 s; running jobs with the policies known so far");
            }
            if (!completed.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Recent completions not read after 60 s; a redelivered job may be called again");
            }
            if (batchPath != null && !batchPath.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Batches on record not read after 60 s; a redelivered batch job may be batched again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        jobs.run();
    }

    @Override
    public void start() {
        ops = OpsServer.start(config.ops().host(), config.ops().port(), name(), metrics, this::health, this::ready);
        if (!kafka.await()) {
            return;
        }
        if (config.createTopics()) {
            TopicCreator.ensure(config.kafka());
        }
        lag.start();
        tenants.start();
        completed.start();
        thread.start();
        if (batchPath != null) {
            batchPath.start();
            batchThread.start();
        }
    }

    @Override
    public Health health() {
        Optional<Health> waiting = kafka.health();
        if (waiting.isPresent()) {
            return waiting.get();
        }
        boolean batchUp = batchLoop == null || batchThread.isAlive() && batchLoop.healthy() && batchPath.healthy();
        return new Health(
                thread.isAlive() && loop.healthy() && batchUp,
                batchLoop == null
                        ? Map.of("inFlight", loop.inFlightCounter().get())
                        : Map.of(
                                "inFlight",
                                loop.inFlightCounter().get(),
                                "batchPending",
                                batchLoop.inFlightCounter().get()));
    }

    @Override
    public boolean ready() {
        return health().up() && loop.assigned();
    }

    @Override
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    @Override
    public void close() {
        kafka.close();
        loop.stop();
        if (batchLoop != null) {
            batchLoop.stop();
        }
        try {
            thread.join(config.shutdownTimeout().plusSeconds(15).toMillis());
            if (batchThread != null) {
                batchThread.join(config.shutdownTimeout().plusSeconds(15).toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (batchPath != null) {
            batchPath.close();
        }
        running.close();
        providers.close();
        batchApis.values().forEach(BatchApi::close);
        producer.close(Duration.ofSeconds(10));
        tenants.close();
        completed.close();
        lag.close();
        if (ops != null) {
            ops.close();
        }
        telemetry.close();
    }
}
