package dev.sluice.sink;

import dev.sluice.model.DisabledEndpoint;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.BrokerWait;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.CompactedTable;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.Decoding;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.runtime.ops.ConsumerLag;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.streams.BrokerRefusals;
import dev.sluice.runtime.streams.StreamsRunner;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.runtime.tracing.Telemetry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sink.webhook.DisabledEndpoints;
import dev.sluice.sink.webhook.EndpointGuard;
import dev.sluice.sink.webhook.RetryLevel;
import dev.sluice.sink.webhook.WebhookDispatcher;
import dev.sluice.sink.webhook.WebhookMetrics;
import dev.sluice.sink.webhook.WebhookSender;
import dev.sluice.sink.webhook.WebhookTries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * result-sink as a service: the exactly-once topology, and the webhook dispatcher reading the
 * committed results beside it.
 */
public final class SinkService implements SluiceService {
    private static final Logger log = LoggerFactory.getLogger(SinkService.class);
    private final SinkConfig config;
    private final PrometheusMeterRegistry metrics;
    private final StreamsRunner runner;
    private final TenantDirectory tenants;
    private final CompactedTable<DisabledEndpoint> disabled;
    private final KafkaProducer<String, byte[]> producer;
    /** The first tries (from llm.results), then one loop per retry level. */
    private final List<ConcurrentRecordLoop<Void>> webhookLoops = new ArrayList<>();

    private final List<Thread> webhookThreads = new ArrayList<>();
    private final Telemetry telemetry;
    private final BrokerWait kafka;
    private final ConsumerLag lag;
    private OpsServer ops;

    /** Records polled ahead of free delivery slots are held up to this size per loop, then its topic is paused. */
    private static final long WEBHOOK_BUFFER_BYTES = 16L << 20;

    private static final Duration LAG_EVERY = Duration.ofSeconds(15);

    public SinkService(SinkConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        this.telemetry = Telemetry.start(name(), config.tracing());
        this.kafka = new BrokerWait(name(), config.kafka());
        SluiceSerdes serdes = config.kafka().serdes();
        Map<String, Object> props = ClientProps.streams(config.kafka(), config.applicationId(), config.stateDir());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        BrokerRefusals refusals = new BrokerRefusals();
        this.runner = new StreamsRunner(
                new SinkTopology(
                                config.kafka().topics(),
                                serdes.guardedBy(refusals),
                                config.dedupeWindow(),
                                config.statusRetention(),
                                config.stuckAfter(),
                                telemetry,
                                new SinkMetrics(metrics))
                        .build(),
                props,
                metrics,
                refusals);
        this.lag = new ConsumerLag(config.kafka().common(), metrics, LAG_EVERY)
                .track(config.applicationId(), runner::ownedPartitions);
        String instance = "sink-" + UUID.randomUUID().toString().substring(0, 8);
        if (!config.webhooks().enabled()) {
            this.tenants = null;
            this.disabled = null;
            this.producer = null;
            return;
        }
        Topics topics = config.kafka().topics();
        SinkConfig.Webhooks w = config.webhooks();
        this.tenants = new TenantDirectory(config.kafka(), serdes.tenants().deserializer(), instance + "-tenants");
        this.disabled = new CompactedTable<>(
                config.kafka(),
                topics.webhooksDisabled(),
                serdes.disabledEndpoints().deserializer(),
                instance + "-disabled");
        this.producer = new KafkaProducer<>(ClientProps.producer(config.kafka(), instance));
        Clock clock = Clock.systemUTC();
        WebhookTries tries = new WebhookTries(
                tenants::get,
                new DisabledEndpoints(
                        disabled,
                        producer,
                        topics.webhooksDisabled(),
                        serdes.disabledEndpoints().serializer()),
                new EndpointGuard(w.allowedHosts(), EndpointGuard.DNS),
                new WebhookSender(w.timeout(), clock),
                w.retries(),
                producer,
                topics,
                serdes.webhookDeliveries().serializer(),
                serdes.deadLetters().serializer(),
                clock,
                new WebhookMetrics(metrics),
                telemetry);
        Decoding.Sleeper sleep = d -> Thread.sleep(d);
        addWebhookLoop(
                instance,
                "webhooks",
                w.groupId(),
                topics.results(),
                w.maxInFlight(),
                new WebhookDispatcher(tenants::get, serdes.results().deserializer(), tries, clock, sleep));
        for (int level = 1; level <= w.retries().levels(); level++) {
            RetryLevel handler =
                    new RetryLevel(tries, serdes.webhookDeliveries().deserializer(), clock, sleep);
            handler.attach(addWebhookLoop(
                    instance,
                    "webhooks-retry-" + level,
                    w.groupId() + "-retry-" + level,
                    topics.webhookRetry(level),
                    w.retryMaxInFlight(),
                    handler));
        }
    }

    /**
     * How long a rebalance or shutdown waits for tries in progress: longer than any try can take
     * (connect, up to 10 s, plus the request timeout), so a partition never moves while one of its
     * deliveries is still being sent, and the next owner cannot send it a second time at once.
     */
    private Duration triesEnd() {
        return config.webhooks().timeout().plusSeconds(15);
    }

    private ConcurrentRecordLoop<Void> addWebhookLoop(
            String instance,
            String member,
            String group,
            String topic,
            int maxInFlight,
            ConcurrentRecordLoop.Handler<Void> handler) {
        String clientId = instance + "-" + member;
        ConcurrentRecordLoop<Void> loop = new ConcurrentRecordLoop<>(
                new KafkaConsumer<>(ClientProps.consumer(config.kafka(), group, clientId, member)),
                List.of(topic),
                handler,
                new ConcurrentRecordLoop.Limits(maxInFlight, WEBHOOK_BUFFER_BYTES, Duration.ofMillis(200), triesEnd()),
                Clock.systemUTC());
        webhookLoops.add(loop);
        lag.track(group, loop::owned);
        webhookThreads.add(Thread.ofPlatform().name(clientId).unstarted(() -> dispatch(loop)));
        return loop;
    }

    @Override
    public String name() {
        return "result-sink";
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
        runner.start();
        lag.start();
        if (tenants != null) {
            tenants.start();
            disabled.start();
            webhookThreads.forEach(Thread::start);
        }
    }

    /**
     * Dispatching starts once every tenant and disabled endpoint is known, so no early result is
     * skipped as "unknown tenant" or sent to a disabled endpoint.
     */
    private void dispatch(ConcurrentRecordLoop<Void> loop) {
        try {
            if (!tenants.awaitLoaded(Duration.ofSeconds(60)) || !disabled.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Tenants or disabled endpoints not loaded after 60 s; delivering anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        loop.run();
    }

    @Override
    public Health health() {
        java.util.Optional<Health> waiting = kafka.health();
        if (waiting.isPresent()) {
            return waiting.get();
        }
        Health streams = runner.health();
        Map<String, Object> details = new LinkedHashMap<>(streams.details());
        boolean up = streams.up();
        if (!webhookLoops.isEmpty()) {
            boolean dispatching = true;
            int inFlight = 0;
            for (int i = 0; i < webhookLoops.size(); i++) {
                dispatching &=
                        webhookThreads.get(i).isAlive() && webhookLoops.get(i).healthy();
                inFlight += webhookLoops.get(i).inFlightCounter().get();
            }
            details.put("webhooks", dispatching ? "UP" : "DOWN");
            details.put("webhooksInFlight", inFlight);
            up &= dispatching;
        }
        return new Health(up, details);
    }

    @Override
    public boolean ready() {
        return runner.running()
                && (webhookLoops.isEmpty() || webhookLoops.getFirst().assigned());
    }

    @Override
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    @Override
    public void close() {
        kafka.close();
        lag.close();
        if (tenants != null) {
            webhookLoops.forEach(ConcurrentRecordLoop::stop);
            try {
                for (Thread t : webhookThreads) {
                    t.join(triesEnd().plusSeconds(15).toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.close(Duration.ofSeconds(10));
            tenants.close();
            disabled.close();
        }
        runner.close();
        if (ops != null) {
            ops.close();
        }
        telemetry.close();
    }
}
