package dev.sluice.cli;

import dev.sluice.model.TenantConfig;
import dev.sluice.router.RouterConfig;
import dev.sluice.router.RouterService;
import dev.sluice.runtime.SluiceService;
import dev.sluice.runtime.config.ConfigSource;
import dev.sluice.runtime.config.Settings;
import dev.sluice.runtime.kafka.KafkaSettings;
import dev.sluice.runtime.kafka.TopicCreator;
import dev.sluice.runtime.kafka.Topics;
import dev.sluice.schemas.registry.RestSchemaRegistry;
import dev.sluice.schemas.serde.SluiceSerdes;
import dev.sluice.sim.ProviderSimulator;
import dev.sluice.sim.SimConfig;
import dev.sluice.sink.SinkConfig;
import dev.sluice.sink.SinkService;
import dev.sluice.testkit.KafkaStack;
import dev.sluice.worker.WorkerConfig;
import dev.sluice.worker.WorkerService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * router-stream, worker-pool and result-sink in the test's JVM on a new topic prefix of the test's
 * broker, with the provider simulator (5 ms latency) as OpenAI and Anthropic: the pipeline a CLI
 * command meets, for tests of commands that run jobs through it.
 */
public final class InProcessPipeline implements AutoCloseable {
    public final String prefix;
    public final Topics topics;
    public final SluiceSerdes serdes;
    public final ProviderSimulator sim;
    private final KafkaProducer<String, byte[]> producer;
    private final List<SluiceService> services = new ArrayList<>();

    private InProcessPipeline(KafkaStack kafka, Path stateDir) {
        this.prefix = kafka.newPrefix();
        this.topics = new Topics(prefix);
        this.serdes = new SluiceSerdes(new RestSchemaRegistry(kafka.registryUrl()));
        Map<String, String> config = new HashMap<>(kafka.serviceConfig(prefix));
        config.put("router.state.dir", stateDir.resolve("router").toString());
        config.put("sink.state.dir", stateDir.resolve("sink").toString());
        TopicCreator.ensure(KafkaSettings.read(new Settings(ConfigSource.of(config))));
        this.sim =
                ProviderSimulator.start(SimConfig.defaults().withLatency(Duration.ofMillis(5), Duration.ofMillis(5)));
        this.producer = kafka.producer();
        config.put("providers.names", "openai,anthropic");
        config.put("providers.openai.base.url", sim.baseUrl());
        config.put("providers.openai.api.key", "sk-pipeline");
        config.put("providers.anthropic.base.url", sim.baseUrl());
        config.put("providers.anthropic.api.key", "sk-ant-pipeline");
        try {
            services.add(InProcessServices.start(config, RouterConfig::read, RouterService::new));
            services.add(InProcessServices.start(config, WorkerConfig::read, WorkerService::new));
            services.add(InProcessServices.start(config, SinkConfig::read, SinkService::new));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static InProcessPipeline start(KafkaStack kafka, Path stateDir) {
        return new InProcessPipeline(kafka, stateDir);
    }

    /** Writes the tenant to the tenants topic, acked. */
    public void put(TenantConfig tenant) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.tenants(),
                        tenant.tenantId(),
                        serdes.tenants().serializer().serialize(topics.tenants(), tenant)))
                .get();
    }

    /** Writes a record, acked. */
    public void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        producer.close();
        sim.close();
    }
}
