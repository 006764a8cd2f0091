package dev.sluice.router;

import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.catalogue.ModelCatalogue;
import dev.sluice.runtime.kafka.BrokerWait;
import dev.sluice.runtime.kafka.ClientProps;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.ops.ConsumerLag;
import dev.sluice.runtime.ops.Health;
import dev.sluice.runtime.ops.Metrics;
import dev.sluice.runtime.ops.OpsServer;
import dev.sluice.runtime.streams.BrokerRefusals;
import dev.sluice.runtime.streams.StreamsRunner;
import dev.sluice.runtime.tokens.TokenCounter;
import dev.sluice.runtime.tracing.Telemetry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** router-stream as a service: the topology under exactly_once_v2, with health and metrics. */
public final class RouterService implements SluiceService {
    private final RouterConfig config;
    private final RouterRules rules;
    private final StreamsRunner runner;
    private static final Duration LAG_EVERY = Duration.ofSeconds(15);

    private final PrometheusMeterRegistry metrics;
    private final Telemetry telemetry;
    private final BrokerWait kafka;
    private final ConsumerLag lag;
    private OpsServer ops;

    public RouterService(RouterConfig config) {
        this.config = config;
        ModelCatalogue catalogue = ModelCatalogue.load(config.modelCatalogue());
        TokenCounter.load();
        this.telemetry = Telemetry.start(name(), config.tracing());
        this.metrics = Metrics.newRegistry(name());
        this.rules = config.rules(catalogue);
        BrokerRefusals refusals = new BrokerRefusals();
        RouterTopology router = new RouterTopology(
                config.kafka().topics(),
                config.kafka().layout(),
                config.kafka().serdes().guardedBy(refusals),
                rules,
                telemetry,
                new RouterMetrics(metrics));
        Topology topology = router.build();
        Map<String, Object> props = ClientProps.streams(config.kafka(), config.applicationId(), config.stateDir());
        props.putAll(router.embedAheadConsumerConfig());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        // A tenant's request topic created while the router runs is read within this long.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.METADATA_MAX_AGE_CONFIG), 30_000);
        this.runner = new StreamsRunner(topology, props, metrics, refusals);
        this.kafka = new BrokerWait(name(), config.kafka());
        this.lag = new ConsumerLag(config.kafka().common(), metrics, LAG_EVERY)
                .track(config.applicationId(), runner::ownedPartitions);
    }

    @Override
    public String name() {
        return "router-stream";
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
    }

    @Override
    public Health health() {
        return kafka.health().orElseGet(runner::health);
    }

    @Override
    public boolean ready() {
        return runner.running();
    }

    @Override
    public int opsPort() {
        return ops == null ? -1 : ops.port();
    }

    public StreamsRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        kafka.close();
        lag.close();
        try {
            runner.close();
        } finally {
            rules.semantic().close();
            if (ops != null) {
                ops.close();
            }
            telemetry.close();
        }
    }
}
