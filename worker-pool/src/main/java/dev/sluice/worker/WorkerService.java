package dev.sluice.worker;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.FairQueue;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.worker.provider.AnthropicProvider;
import dev.sluice.worker.provider.OpenAiProvider;
import dev.sluice.worker.provider.Providers;
import dev.sluice.worker.resilience.ProviderCalls;
import dev.sluice.worker.resilience.RateLimits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import dev.sluice.model.LlmJob;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/** worker-pool as a service: one poll loop on its own thread, provider calls on virtual threads. */
public final class WorkerService implements SluiceService {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkerService.class);

    private final WorkerConfig config;
    private final PrometheusMeterRegistry metrics;
    private final KafkaProducer<String, byte[]> producer;
    private final ConcurrentRecordLoop loop;
    private final Thread thread;
    private final TenantDirectory tenants;
    private final CompletedJobs completed;
    private OpsServer ops;

    public WorkerService(WorkerConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        String instance = "worker-" + UUID.randomUUID().toString().substring(0, 8);
        Providers providers = new Providers();
        config.providers().forEach(p -> providers.add(p.protocol().equals("anthropic")
                ? new AnthropicProvider(p.name(), p.baseUrl(), p.apiKey(), p.timeout())
                : new OpenAiProvider(p.name(), p.baseUrl(), p.apiKey(), p.timeout())));
        Map<String, Object> consumerProps = ClientProps.consumer(config.kafka(), config.groupId(), instance);
        this.producer = new KafkaProducer<>(ClientProps.producer(config.kafka(), instance));
        Clock clock = Clock.systemUTC();
        this.tenants = new TenantDirectory(config.kafka(), config.kafka().serdes().tenants().deserializer(),
                instance + "-tenants");
        RateLimits rateLimits = RateLimits.system(config.rateLimitMaxWait());
        JobRunner runner = new JobRunner(ModelCatalogue.load(config.modelCatalogue()), providers, clock,
                new ProviderCalls(config.resilience(), clock, rateLimits), tenantId -> tenants.get(tenantId)
                        .map(t -> t.guardrails() != null && t.guardrails().redactPii()).orElse(false));
        WorkerMetrics workerMetrics = new WorkerMetrics(metrics);
        this.completed = new CompletedJobs(config.kafka(), instance + "-completions", config.redeliveryWindow(),
                clock);
        Map<ConsumerRecord<String, byte[]>, LlmJob> decoded = Collections.synchronizedMap(new WeakHashMap<>());
        JobHandler handler = new JobHandler(producer, config.kafka().topics(), runner, config.kafka().serdes(), clock,
                workerMetrics, completed::contains, decoded);
        JobLanes lanes = new JobLanes(config.kafka().topics(), config.kafka().serdes().jobs().deserializer(),
                tenants::get, decoded);
        // A tenant over its plan's rate is passed over until it has room; its jobs hold no slot meanwhile.
        FairQueue.Gate tenantLimits = (tenantId, tokens) -> tenants.get(tenantId)
                .map(t -> rateLimits.tryStartTenant(tenantId, t.limits().requestsPerMinute(),
                        t.limits().tokensPerMinute(), tokens)).orElse(true);
        this.loop = new ConcurrentRecordLoop(new KafkaConsumer<>(consumerProps), config.jobTopics(), handler,
                JobLanes.PRIORITIES, lanes, tenantLimits, new ConcurrentRecordLoop.Limits(config.maxInFlight(), config.bufferBytes(),
                        config.commitInterval(), config.shutdownTimeout()), clock)
                .onAssignment((owned, total) -> {
                    rateLimits.share(owned, total);
                    log.info("Owning {} of {} job partitions: taking {}% of every provider rate limit", owned, total,
                            Math.round(rateLimits.share() * 100));
                });
        workerMetrics.trackInFlight(loop.inFlightCounter());
        this.thread = Thread.ofPlatform().name(instance + "-poll").unstarted(this::poll);
    }

    @Override
    public String name() {
        return "worker-pool";
    }

    /**
     * Jobs are taken once every tenant's policy is known, so no early output escapes redaction,
     * and once recent completions are known, so no redelivered job is called twice.
     */
    private void poll() {
        try {
            if (!tenants.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Tenants not loaded after 60 s; running jobs with the policies known so far");
            }
            if (!completed.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Recent completions not read after 60 s; a redelivered job may be called again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        loop.run();
    }

    @Override
    public void start() {
        if (config.createTopics()) {
            TopicCreator.ensure(config.kafka());
        }
        ops = OpsServer.start(config.ops().host(), config.ops().port(), name(), metrics, this::health, this::ready);
        tenants.start();
        completed.start();
        thread.start();
    }

    @Override
    public Health health() {
        return new Health(thread.isAlive() && loop.healthy(), Map.of("inFlight", loop.inFlightCounter().get()));
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
        loop.stop();
        try {
            thread.join(config.shutdownTimeout().plusSeconds(15).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        tenants.close();
        completed.close();
        if (ops != null) {
            ops.close();
        }
    }
}
