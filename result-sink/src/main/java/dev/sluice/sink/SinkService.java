package dev.sluice.sink;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.ConcurrentRecordLoop;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.streams.StreamsRunner;
import dev.sluice.runtime.tenants.TenantDirectory;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sink.webhook.EndpointGuard;
import dev.sluice.sink.webhook.WebhookDispatcher;
import dev.sluice.sink.webhook.WebhookSender;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
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
    private final KafkaProducer<String, byte[]> producer;
    private final ConcurrentRecordLoop webhooks;
    private final Thread webhookThread;
    private OpsServer ops;

    /** Results polled ahead of free delivery slots are held up to this size, then the topic is paused. */
    private static final long WEBHOOK_BUFFER_BYTES = 16L << 20;

    public SinkService(SinkConfig config) {
        this.config = config;
        this.metrics = Metrics.newRegistry(name());
        SluiceSerdes serdes = config.kafka().serdes();
        Map<String, Object> props = ClientProps.streams(config.kafka(), config.applicationId(), config.stateDir());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        this.runner = new StreamsRunner(new SinkTopology(config.kafka().topics(), serdes, config.dedupeWindow(),
                config.statusRetention()).build(), props, metrics);
        String instance = "sink-" + UUID.randomUUID().toString().substring(0, 8);
        if (config.webhooks().enabled()) {
            this.tenants = new TenantDirectory(config.kafka(), serdes.tenants().deserializer(), instance + "-tenants");
            this.producer = new KafkaProducer<>(ClientProps.producer(config.kafka(), instance));
            SinkConfig.Webhooks w = config.webhooks();
            WebhookDispatcher dispatcher = new WebhookDispatcher(tenants::get,
                    new WebhookSender(w.timeout(), Clock.systemUTC()), serdes.results().deserializer(), producer,
                    config.kafka().topics().deadLetters(), serdes.deadLetters().serializer(), w.backoff(),
                    w.maxRetryAfter(), Clock.systemUTC(), d -> Thread.sleep(d), metrics,
                    new EndpointGuard(w.allowedHosts(), EndpointGuard.DNS));
            this.webhooks = new ConcurrentRecordLoop(new KafkaConsumer<>(ClientProps.consumer(config.kafka(),
                    w.groupId(), instance + "-webhooks")), List.of(config.kafka().topics().results()), dispatcher,
                    new ConcurrentRecordLoop.Limits(w.maxInFlight(), WEBHOOK_BUFFER_BYTES, Duration.ofMillis(200),
                            Duration.ofSeconds(30)), Clock.systemUTC());
            this.webhookThread = Thread.ofPlatform().name(instance + "-webhooks").unstarted(this::dispatchWebhooks);
        } else {
            this.tenants = null;
            this.producer = null;
            this.webhooks = null;
            this.webhookThread = null;
        }
    }

    @Override
    public String name() {
        return "result-sink";
    }

    @Override
    public void start() {
        if (config.createTopics()) {
            TopicCreator.ensure(config.kafka());
        }
        ops = OpsServer.start(config.ops().host(), config.ops().port(), name(), metrics, this::health, this::ready);
        runner.start();
        if (webhooks != null) {
            tenants.start();
            webhookThread.start();
        }
    }

    /** Dispatching starts once every tenant is known, so no early result is skipped as "unknown tenant". */
    private void dispatchWebhooks() {
        try {
            if (!tenants.awaitLoaded(Duration.ofSeconds(60))) {
                log.warn("Tenants not loaded after 60 s; delivering anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        webhooks.run();
    }

    @Override
    public Health health() {
        Health streams = runner.health();
        Map<String, Object> details = new LinkedHashMap<>(streams.details());
        boolean up = streams.up();
        if (webhooks != null) {
            boolean dispatching = webhookThread.isAlive() && webhooks.healthy();
            details.put("webhooks", dispatching ? "UP" : "DOWN");
            details.put("webhooksInFlight", webhooks.inFlightCounter().get());
            up &= dispatching;
        }
        return new Health(up, details);
    }

    @Override
    public boolean ready() {
        return runner.running() && (webhooks == null || webhooks.assigned());
    }

    @Override
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    @Override
    public void close() {
        if (webhooks != null) {
            webhooks.stop();
            try {
                webhookThread.join(Duration.ofSeconds(45).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.close(Duration.ofSeconds(10));
            tenants.close();
        }
        runner.close();
        if (ops != null) {
            ops.close();
        }
    }
}
